"""The gateway's secure session with one lock: handshake, pairing, signed commands.

`LockLink` (gateway.ble) moves bytes and holds the lock's entry in the `LockRegistry` from
connect to disconnect, so there is one operation at a time per lock; `lock_protocol` does
the cryptography. This module joins them and turns every failure into a typed error, from the
one root `GatewayError`, whose message tells the fitter what happened and what to do:

    async with open_session(radio, registry, address=..., factory_authority_public_key=...)
            as session:                                  # connect + HELLO/HELLO_ACK
        client = session.command_client(staff_key, credential)   # checked locally first
        receipt = await session.run(client, Command.READ_BATTERY)  # nonce, command, receipt

A session fails closed: after any failure in the middle of an exchange (timeout, a frame that
does not verify, the link dropping) it refuses further use, because the encrypted channel's
counters can no longer be trusted; the caller reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final

from gateway.ble.connection import LockLink, LockRegistry, ProgressCallback
from gateway.ble.errors import BleTimeout, LinkLost
from gateway.ble.radio import Radio
from gateway.errors import GatewayError, LockError
from gateway.progress import Progress, Step
from gateway.refusals import (
    AccessDenied,
    ActuationFailed,
    BatteryTooLow,
    BoltJammed,
    LockNotPaired,
    LockRefused,
    MotorFault,
    PairingRefused,
    refusal_error,
)
from lock_protocol.client import CommandClient
from lock_protocol.codes import Command, MessageType
from lock_protocol.codes import StatusCode as S
from lock_protocol.credentials import FactoryCertificate, StaffCredential, peek_statement
from lock_protocol.crypto import RandomBytes, SigningKey, lock_id_for
from lock_protocol.encoding import Frame, Reader, Reassembler, fragment
from lock_protocol.errors import (
    CryptoError,
    PairingRejectedError,
    ProtocolError,
    ReceiptRejectedError,
)
from lock_protocol.gatt import CONTROL_POINT, EVENT, short_serial_for
from lock_protocol.messages import ErrorMessage, Receipt
from lock_protocol.pairing import PairingClient, VerifiedPairing, verify_pairing_receipt
from lock_protocol.session import ClientHandshake, SecureChannel
from lock_protocol.timing import ATT_HEADER_BYTES, CLOCK_SKEW_SECONDS

logger = logging.getLogger(__name__)

# How long the gateway waits for one answer from the lock. A healthy lock answers within a few
# connection intervals (tens of milliseconds on real radios, ~1 ms on the simulator); signing
# on the lock's microcontroller adds ~50 ms. 5 s tolerates a struggling lock (weak radio, cold
# battery) and is still well inside the 3 s nonce validity plus the time the fitter will wait.
ANSWER_TIMEOUT_S: Final = 5.0

Clock = Callable[[], float]


def _no_progress(_step: str) -> None:
    """Default progress sink: say nothing."""


# -- errors ---------------------------------------------------------------------------------


class LockNotGenuine(LockError):
    """The lock could not prove its identity (certificate, signature, or name do not match).

    Nothing was sent to it beyond the opening handshake, so nothing can have moved.
    """


class SessionBroken(LockError):
    """The encrypted session failed (a frame that does not verify, an unexpected answer)."""


class LockAnswerTimeout(LockError, BleTimeout):
    """The lock did not answer in time although the link stayed up."""

    def __init__(self, message: str, *, lock: str, command_sent: bool) -> None:
        super().__init__(message, lock=lock)
        self.command_sent = command_sent


class CommandInterrupted(LockError, LinkLost):
    """The link dropped during an exchange. ``command_sent`` tells whether the signed command
    had already left the gateway (then the lock may have run it: read its log to know)."""

    def __init__(self, message: str, *, lock: str, command_sent: bool) -> None:
        super().__init__(message, lock=lock)
        self.command_sent = command_sent


class CredentialProblem(LockError):
    """The staff credential does not fit this lock, this gateway, this time or this command.

    Found by the gateway before anything is sent, so the lock never saw the request.
    """


# The lock's own refusals (`LockRefused` and its subclasses) are `gateway.refusals`.


def raise_for_receipt(receipt: Receipt, *, lock: str) -> Receipt:
    """Return an accepted receipt; raise the typed refusal for any other."""
    if receipt.accepted:
        return receipt
    raise refusal_error(
        receipt.status, lock=lock, command=receipt.command, fault=receipt.fault, receipt=receipt
    )


# -- the session ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairingOutcome:
    """A completed pairing: what the gateway checked, and the receipt bytes for the server."""

    verified: VerifiedPairing
    receipt: bytes  # the PAIR_RECEIPT payload: certificate + lock-signed receipt
    ticket: bytes  # the ticket the lock paired under


class LockSession:
    """A secure session over one connected `LockLink`. One exchange at a time."""

    def __init__(
        self,
        link: LockLink,
        *,
        factory_authority_public_key: bytes,
        expected_short_serial: str | None = None,
        progress: ProgressCallback | None = None,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
        clock: Clock = time.time,
        rng: RandomBytes = os.urandom,
    ) -> None:
        self.link = link
        self._authority = factory_authority_public_key
        self._expected_short_serial = expected_short_serial
        self._progress = progress or _no_progress
        self.answer_timeout_s = answer_timeout_s
        self._clock = clock
        self._rng = rng
        self._reassembler = Reassembler()
        self._frames: asyncio.Queue[bytes | ProtocolError] = asyncio.Queue()
        self._busy = asyncio.Lock()
        self._channel: SecureChannel | None = None
        self._certificate: FactoryCertificate | None = None
        self._certificate_bytes = b""
        self._broken: str | None = None
        self._subscribed = False

    # -- identity -------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """How the lock is named to the fitter: its serial once known, else the link's name."""
        return self._certificate.serial if self._certificate is not None else self.link.label

    @property
    def certificate(self) -> FactoryCertificate:
        if self._certificate is None:
            raise SessionBroken(
                f"No secure session with lock {self.label} yet. Connect again.", lock=self.label
            )
        return self._certificate

    @property
    def certificate_bytes(self) -> bytes:
        """The lock's factory certificate exactly as the factory signed it (from HELLO_ACK)."""
        if not self._certificate_bytes:
            raise SessionBroken(
                f"No secure session with lock {self.label} yet. Connect again.", lock=self.label
            )
        return self._certificate_bytes

    @property
    def lock_id(self) -> bytes:
        return lock_id_for(self.certificate.public_key)

    # -- transport ------------------------------------------------------------------------

    def _on_notify(self, chunk: bytes) -> None:
        try:
            frame = self._reassembler.feed(chunk)
        except ProtocolError as exc:  # a garbled fragment: the waiting exchange must fail
            self._frames.put_nowait(exc)
            return
        if frame is not None:
            self._frames.put_nowait(frame)

    async def _send(self, frame_bytes: bytes) -> None:
        for chunk in fragment(frame_bytes, self.link.mtu_size - ATT_HEADER_BYTES):
            await self.link.write(str(CONTROL_POINT), chunk, action="send a request to the lock")

    async def _receive(self, timeout_s: float) -> bytes:
        """The next whole frame from the lock; a dropped link ends the wait at once."""
        async with asyncio.timeout(timeout_s):
            answer = asyncio.ensure_future(self._frames.get())
            lost = asyncio.ensure_future(self.link.wait_lost())
            try:
                await asyncio.wait({answer, lost}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                answer.cancel()
                lost.cancel()
        if answer.done() and not answer.cancelled():
            item = answer.result()
            if isinstance(item, ProtocolError):
                raise item
            return item
        raise LinkLost(f"The connection to lock {self.label} was lost.")

    def _fail(self, reason: str) -> None:
        self._broken = reason
        if self._channel is not None:
            self._channel.close()

    def _require_usable(self) -> SecureChannel:
        if self._broken is not None:
            raise SessionBroken(
                f"The session with lock {self.label} can no longer be used ({self._broken}). "
                "Connect again.",
                lock=self.label,
            )
        if self._channel is None:
            raise SessionBroken(
                f"No secure session with lock {self.label} yet. Connect again.", lock=self.label
            )
        return self._channel

    async def _round_trip(self, frame_bytes: bytes, timeout_s: float, command_sent: bool) -> bytes:
        """Send one frame, wait for one; link loss and timeouts become typed errors."""
        try:
            await self._send(frame_bytes)
            return await self._receive(timeout_s)
        except LinkLost as exc:
            self._fail("the link dropped")
            if command_sent:
                message = (
                    f"The connection to lock {self.label} was lost after the command was sent. "
                    "It is not known whether the lock ran it: wake the lock and read its event "
                    "log (lockwork-gateway log) before trying again."
                )
            else:
                message = (
                    f"The connection to lock {self.label} was lost before any command was "
                    "sent; nothing was done on the lock. Stay close to the door and try again."
                )
            raise CommandInterrupted(message, lock=self.label, command_sent=command_sent) from exc
        except TimeoutError as exc:
            self._fail("the lock stopped answering")
            if command_sent:
                message = (
                    f"Lock {self.label} did not answer within {timeout_s:g} s after the command "
                    "was sent. It is not known whether it ran it: read its event log "
                    "(lockwork-gateway log) before trying again."
                )
            else:
                message = (
                    f"Lock {self.label} did not answer within {timeout_s:g} s; no command was "
                    "sent, nothing was done on the lock. Move closer, wake it and try again; a "
                    "lock that is always this slow needs service."
                )
            raise LockAnswerTimeout(message, lock=self.label, command_sent=command_sent) from exc
        except ProtocolError as exc:
            self._fail("a garbled frame")
            raise SessionBroken(
                f"Lock {self.label} sent data that could not be read. Connect again; if it "
                "persists the lock needs service.",
                lock=self.label,
            ) from exc

    # -- session ----------------------------------------------------------------------------

    async def open(self) -> FactoryCertificate:
        """Subscribe, run the HELLO/HELLO_ACK handshake, check the lock's identity."""
        if self._channel is not None or self._broken is not None:
            raise SessionBroken(
                f"The session with lock {self.label} was already opened. Connect again.",
                lock=self.label,
            )
        self._progress(Progress.of(Step.SESSION_OPENING, lock=self.label))
        if not self._subscribed:
            await self.link.start_notify(str(EVENT), self._on_notify)
            self._subscribed = True
        handshake = ClientHandshake(self._rng, factory_authority_public_key=self._authority)
        answer = await self._round_trip(handshake.hello(), self.answer_timeout_s, False)
        try:
            channel, certificate = handshake.finish(answer)
        except CryptoError as exc:
            self._fail("the lock's identity did not verify")
            raise LockNotGenuine(
                f"Lock {self.label} could not prove that it is a genuine Lockwork lock: its "
                "signature does not match a factory certificate this gateway trusts. Do not "
                "pair or use it; report its serial to Lockwork support.",
                lock=self.label,
            ) from exc
        except ProtocolError as exc:
            self._fail("the handshake failed")
            raise SessionBroken(
                f"Lock {self.label} answered the session set-up with data that could not be "
                "read. Wake the lock and try again.",
                lock=self.label,
            ) from exc
        if (
            self._expected_short_serial is not None
            and short_serial_for(certificate.serial) != self._expected_short_serial
        ):
            channel.close()
            self._fail("the lock's serial is not the advertised one")
            raise LockNotGenuine(
                f"The lock advertising as {self.link.label} holds the certificate of serial "
                f"{certificate.serial}. Its name does not match its identity: do not use it, "
                "and report both to Lockwork support.",
                lock=self.link.label,
            )
        self._channel, self._certificate = channel, certificate
        self._certificate_bytes = handshake.certificate_bytes or b""
        self._progress(Progress.of(Step.SESSION_OPEN, lock=certificate.serial))
        return certificate

    async def close(self) -> None:
        """Forget the keys; the caller disconnects the link (or leaves `open_session`)."""
        self._fail("closed")
        if self._subscribed and self.link.is_connected:
            try:
                await self.link.stop_notify(str(EVENT))
            except GatewayError as exc:  # the link is going away anyway
                logger.debug("unsubscribe from %s failed: %r", self.label, exc)
        self._subscribed = False

    async def exchange(
        self, inner: Frame, *, timeout_s: float | None = None, command_sent: bool = False
    ) -> Frame:
        """Seal ``inner``, send it, open the lock's sealed answer. One at a time."""
        async with self._busy:
            channel = self._require_usable()
            sealed = channel.seal(inner)
            answer = await self._round_trip(
                sealed, timeout_s or self.answer_timeout_s, command_sent
            )
            try:
                return channel.open(answer)
            except ProtocolError as exc:
                self._fail("an answer did not verify")
                raise SessionBroken(
                    f"An answer from lock {self.label} did not verify (damaged or injected). "
                    "Nothing more is sent on this connection; connect again.",
                    lock=self.label,
                ) from exc

    # -- commands ---------------------------------------------------------------------------

    def command_client(self, staff_key: SigningKey, credential: bytes) -> CommandClient:
        """A signer for this lock, after the checks the gateway can make itself."""
        try:
            info = peek_statement(StaffCredential, credential)
        except ProtocolError as exc:
            raise CredentialProblem(
                "The credential file does not hold a staff credential. Fetch the credential "
                f"for lock {self.label} again.",
                lock=self.label,
            ) from exc
        if info.lock_id != self.lock_id:
            raise CredentialProblem(
                f"The credential is for another lock (lock id {info.lock_id.hex()}), not "
                f"{self.label} (lock id {self.lock_id.hex()}). Fetch the credential for this "
                "lock.",
                lock=self.label,
            )
        if info.staff_public_key != staff_key.public_key:
            raise CredentialProblem(
                "The credential was issued to another gateway's key. Fetch a credential for "
                f"this gateway's key {staff_key.public_key.hex()} (lockwork-gateway key).",
                lock=self.label,
            )
        now = self._clock()
        if now > info.valid_to + CLOCK_SKEW_SECONDS:
            raise CredentialProblem(
                f"The credential for lock {self.label} expired at "
                f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(info.valid_to))}. Fetch a "
                "new one for this visit.",
                lock=self.label,
            )
        if now < info.valid_from - CLOCK_SKEW_SECONDS:
            raise CredentialProblem(
                f"The credential for lock {self.label} is valid only from "
                f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(info.valid_from))}. Check "
                "the visit time.",
                lock=self.label,
            )
        try:
            return CommandClient(staff_key, credential, lock_public_key=self.certificate.public_key)
        except ProtocolError as exc:
            raise CredentialProblem(
                f"The credential for lock {self.label} cannot be read ({exc}). Fetch it again.",
                lock=self.label,
            ) from exc

    def require_allowed(self, client: CommandClient, command: Command) -> None:
        """Refuse locally, before the lock sees it, a command the credential does not allow."""
        if command not in client.allowed_commands:
            allowed = ", ".join(sorted(c.name for c in client.allowed_commands)) or "nothing"
            raise CredentialProblem(
                f"Your credential for lock {self.label} does not allow {command.name} (it "
                f"allows {allowed}). Ask the planner for a credential that includes it.",
                lock=self.label,
            )

    async def command(
        self,
        client: CommandClient,
        command: Command,
        args: bytes = b"",
        *,
        timeout_s: float | None = None,
    ) -> Receipt:
        """Nonce, signed command, verified receipt. A signed refusal is returned, not raised;
        see `run` for a call that raises on anything but OK."""
        receipt, _signed = await self._command(client, command, args, timeout_s)
        return receipt

    async def _command(
        self, client: CommandClient, command: Command, args: bytes, timeout_s: float | None
    ) -> tuple[Receipt, bytes]:
        self._progress(Progress.of(Step.ASKING_NONCE, lock=self.label))
        nonce = await self.exchange(client.nonce_request(), timeout_s=timeout_s)
        try:
            frame, pending = client.command(nonce, command, self._clock(), self._rng, args)
        except ReceiptRejectedError as exc:  # an ERROR frame instead of a nonce
            raise refusal_error(exc.status, lock=self.label, command=command) from exc
        except ProtocolError as exc:
            self._fail("the one-time code did not decode")
            raise SessionBroken(
                f"Lock {self.label} sent a one-time code that could not be read. Connect again.",
                lock=self.label,
            ) from exc
        self._progress(Progress.of(Step.SENDING_COMMAND, lock=self.label, command=command.name))
        answer = await self.exchange(frame, timeout_s=timeout_s, command_sent=True)
        try:
            receipt = client.verify_receipt(answer, pending)
        except ReceiptRejectedError as exc:
            if answer.type is MessageType.ERROR:
                raise refusal_error(exc.status, lock=self.label, command=command) from exc
            self._fail("a receipt did not verify")
            raise SessionBroken(
                f"The receipt from lock {self.label} did not verify, so the result of "
                f"{command.name} is unknown. Read the lock's event log before trying again.",
                lock=self.label,
            ) from exc
        except ProtocolError as exc:
            self._fail("a receipt did not decode")
            raise SessionBroken(
                f"The receipt from lock {self.label} could not be read, so the result of "
                f"{command.name} is unknown. Read the lock's event log before trying again.",
                lock=self.label,
            ) from exc
        return receipt, answer.payload

    async def run(
        self,
        client: CommandClient,
        command: Command,
        args: bytes = b"",
        *,
        timeout_s: float | None = None,
    ) -> Receipt:
        """Like `command`, but checked against the credential first and raising on refusal."""
        receipt, _signed = await self.run_signed(client, command, args, timeout_s=timeout_s)
        return receipt

    async def run_signed(
        self,
        client: CommandClient,
        command: Command,
        args: bytes = b"",
        *,
        timeout_s: float | None = None,
    ) -> tuple[Receipt, bytes]:
        """`run`, also returning the lock-signed receipt bytes (evidence for the server)."""
        self.require_allowed(client, command)
        receipt, signed = await self._command(client, command, args, timeout_s)
        raise_for_receipt(receipt, lock=self.label)
        self._progress(
            Progress.of(
                Step.COMMAND_CONFIRMED,
                lock=self.label,
                command=command.name,
                counter=receipt.counter,
            )
        )
        return receipt, signed

    # -- revocation ---------------------------------------------------------------------------

    async def set_min_epoch(self, update: bytes) -> int:
        """Push a server-signed minimum credential epoch (SET_MIN_EPOCH) before a command, so
        the lock refuses credentials the server has revoked; the lock only ever raises its own
        minimum. Returns the lock's minimum after it."""
        self._progress(Progress.of(Step.PUSHING_REVOCATIONS, lock=self.label))
        answer = await self.exchange(Frame(MessageType.SET_MIN_EPOCH, update))
        self._raise_if_error_frame(answer, MessageType.EPOCH_ACK)
        try:
            reader = Reader(answer.payload)
            epoch = reader.u32()
            reader.finish()
        except ProtocolError as exc:
            self._fail("the epoch acknowledgement did not decode")
            raise SessionBroken(
                f"Lock {self.label} sent an acknowledgement that could not be read. Connect again.",
                lock=self.label,
            ) from exc
        return epoch

    # -- pairing ------------------------------------------------------------------------------

    async def pair(self, ticket: bytes, *, timeout_s: float | None = None) -> PairingOutcome:
        """PAIR_BEGIN/CHALLENGE/FINISH/RECEIPT; the receipt is checked as the server will."""
        certificate = self.certificate
        client = PairingClient(
            ticket,
            factory_authority_public_key=self._authority,
            rng=self._rng,
            expected_serial=certificate.serial,  # the lock we have a session with, no other
        )
        self._progress(Progress.of(Step.PRESENTING_TICKET, lock=self.label))
        challenge = await self.exchange(
            Frame(MessageType.PAIR_BEGIN, client.begin()), timeout_s=timeout_s
        )
        if challenge.type is MessageType.PAIR_RECEIPT:
            return self._resent_receipt(challenge.payload, ticket, certificate)
        self._raise_if_error_frame(challenge, MessageType.PAIR_CHALLENGE)
        try:
            finish = client.on_challenge(challenge.payload)
        except PairingRejectedError as exc:
            self._fail("the lock's pairing challenge did not verify")
            raise LockNotGenuine(
                f"Lock {self.label} answered the pairing with a signature that does not "
                "verify. Do not pair it; report its serial to Lockwork support.",
                lock=self.label,
            ) from exc
        except ProtocolError as exc:
            self._fail("the pairing challenge did not decode")
            raise SessionBroken(
                f"Lock {self.label} sent a pairing challenge that could not be read. Press the "
                "pairing button and try again.",
                lock=self.label,
            ) from exc
        self._progress(Progress.of(Step.CONFIRMING_PAIRING, lock=self.label))
        answer = await self.exchange(
            Frame(MessageType.PAIR_FINISH, finish), timeout_s=timeout_s, command_sent=True
        )
        self._raise_if_error_frame(answer, MessageType.PAIR_RECEIPT)
        try:
            verified = client.on_receipt(answer.payload, self._clock())
        except ProtocolError as exc:
            self._fail("the pairing receipt did not verify")
            raise SessionBroken(
                f"The pairing receipt from lock {self.label} did not verify. The lock may "
                "consider itself paired: check it with lockwork-gateway scan before trying "
                "again.",
                lock=self.label,
            ) from exc
        self._progress(Progress.of(Step.LOCK_PAIRED, lock=self.label))
        return PairingOutcome(verified, answer.payload, ticket)

    def _resent_receipt(
        self, payload: bytes, ticket: bytes, certificate: FactoryCertificate
    ) -> PairingOutcome:
        """The lock is already paired under this very ticket (an earlier attempt lost its
        receipt, e.g. a gateway killed mid-pairing) and sent the stored receipt again. It is
        checked as the server will check it, and must come from the lock in this session."""
        try:
            verified = verify_pairing_receipt(
                payload,
                factory_authority_public_key=self._authority,
                ticket_bytes=ticket,
                now=self._clock(),
            )
        except ProtocolError as exc:
            self._fail("the resent pairing receipt did not verify")
            raise SessionBroken(
                f"Lock {self.label} says it is paired with this ticket, but its receipt does "
                "not verify. Do not use the lock; report its serial to Lockwork support.",
                lock=self.label,
            ) from exc
        if verified.certificate.public_key != certificate.public_key:
            self._fail("the resent pairing receipt is another lock's")
            raise LockNotGenuine(
                f"Lock {self.label} sent another lock's pairing receipt. Do not use it; report "
                "its serial to Lockwork support.",
                lock=self.label,
            )
        self._progress(Progress.of(Step.RECEIPT_RECOVERED, lock=self.label))
        return PairingOutcome(verified, payload, ticket)

    def _raise_if_error_frame(self, frame: Frame, expected: MessageType) -> None:
        if frame.type is expected:
            return
        if frame.type is MessageType.ERROR:
            try:
                status = ErrorMessage.decode(frame.payload).status
            except ProtocolError:
                status = S.MALFORMED
            raise refusal_error(status, lock=self.label)
        self._fail(f"unexpected {frame.type.name}")
        raise SessionBroken(
            f"Lock {self.label} answered with {frame.type.name} where {expected.name} was "
            "expected. Connect again.",
            lock=self.label,
        )


@asynccontextmanager
async def open_session(
    radio: Radio,
    registry: LockRegistry,
    *,
    factory_authority_public_key: bytes,
    address: str | None = None,
    name: str | None = None,
    expected_short_serial: str | None = None,
    progress: ProgressCallback | None = None,
    answer_timeout_s: float = ANSWER_TIMEOUT_S,
    clock: Clock = time.time,
    rng: RandomBytes = os.urandom,
) -> AsyncIterator[LockSession]:
    """Connect (holding the lock's registry entry) and open a secure session; close both."""
    async with LockLink(radio, registry, address=address, name=name, progress=progress) as link:
        session = LockSession(
            link,
            factory_authority_public_key=factory_authority_public_key,
            expected_short_serial=expected_short_serial,
            progress=progress,
            answer_timeout_s=answer_timeout_s,
            clock=clock,
            rng=rng,
        )
        try:
            await session.open()
            yield session
        finally:
            await session.close()


__all__ = [
    "ANSWER_TIMEOUT_S",
    "AccessDenied",
    "ActuationFailed",
    "BatteryTooLow",
    "BoltJammed",
    "CommandInterrupted",
    "CredentialProblem",
    "LockAnswerTimeout",
    "LockError",
    "LockNotGenuine",
    "LockNotPaired",
    "LockRefused",
    "LockSession",
    "MotorFault",
    "PairingOutcome",
    "PairingRefused",
    "SessionBroken",
    "open_session",
    "raise_for_receipt",
    "refusal_error",
]
