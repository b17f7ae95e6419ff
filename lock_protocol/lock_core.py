"""The lock's side of the protocol as a pure state machine.

No I/O, no clock, no randomness of its own: `now` (the lock's clock, Unix seconds) and `rng`
are parameters, and durable state leaves through the injected `persist(bytes)` callback, which
must write it durably before returning (a real lock: flash; the simulator: a file).

The firmware (the simulator) wraps this with a GATT server and a motor/battery model:

    reply = core.handle(inner_frame, now, rng)
    if isinstance(reply, Authorization):          # a command passed every check
        outcome = motor.run(...)                  # only now may the bolt move
        reply = core.complete(reply, now, actuation=outcome, motor_current_healthy=...)
    channel.seal(reply) -> notify

Invariants: nothing is authorised on any failure; the command counter is persisted before an
`Authorization` is returned; each lock nonce is single-use and burnt by any attempt.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import msgspec

from lock_protocol.codes import (
    Actuation,
    Command,
    FaultCode,
    MessageType,
    PairingState,
    StatusCode,
    classify_actuation,
)
from lock_protocol.credentials import (
    EpochUpdate,
    StaffCredential,
    check_credential,
    check_unbind_token,
    credential_hash,
    issue_factory_certificate,
    open_statement,
    sign_statement,
)
from lock_protocol.crypto import (
    NONCE_BYTES,
    EphemeralKey,
    RandomBytes,
    SigningKey,
    constant_time_equal,
    lock_id_for,
    take_random,
    verify_signature,
)
from lock_protocol.encoding import Frame, Reader, Writer, time_to_wire
from lock_protocol.errors import (
    CommandRejectedError,
    CryptoError,
    MalformedError,
    PairingRejectedError,
    ProtocolError,
    RejectedError,
)
from lock_protocol.messages import (
    ZERO_HASH,
    ZERO_NONCE,
    CommandRequest,
    CommandSigningBody,
    ErrorMessage,
    NonceChallenge,
    Receipt,
)
from lock_protocol.pairing import (
    PairBegin,
    PairChallenge,
    PairFinish,
    PairingReceipt,
    PairingTicket,
    check_confirmation,
    check_pairing_ticket,
    encode_pairing_receipt,
    sign_transcript,
    ticket_hash,
    transcript_hash,
)
from lock_protocol.reports import LockReport, ReportValues, sign_report
from lock_protocol.session import SecureChannel, accept_session
from lock_protocol.timing import (
    CLOCK_SKEW_SECONDS,
    EVENT_LOG_CAPACITY,
    MAX_OUTSTANDING_NONCES,
    NONCE_VALIDITY_SECONDS,
    PAIRING_WINDOW_SECONDS,
)

Persist = Callable[[bytes], None]

# Commands whose args the lock understands; any other args must be empty.
_EMPTY_ARGS: Final = frozenset(
    {
        Command.READ_STATUS,
        Command.READ_BATTERY,
        Command.OPERATE_TEST,
        Command.DIAGNOSE,
        Command.READ_EVENT_LOG,
    }
)


class EventLogEntry(msgspec.Struct, frozen=True):
    counter: int
    lock_time: int
    command: int
    status: int
    fault: int


class LockState(msgspec.Struct):
    """Everything the lock keeps across power cycles."""

    serial: str
    identity_seed: bytes  # Ed25519 seed; a real lock keeps it in a secure element
    certificate: bytes
    factory_authority_public_key: bytes  # vouches for the servers allowed to pair this lock
    pairing_state: PairingState = PairingState.FACTORY_NEW
    server_public_key: bytes = b""
    pairing_id: bytes = b""
    organisation_id: bytes = b""
    customer_id: bytes = b""
    # The current pairing's receipt (PAIR_RECEIPT payload) and its ticket's hash: a gateway
    # that lost the receipt (killed after the lock committed) gets it again with the same
    # ticket, so a lock is never bound with no evidence of it.
    pairing_receipt: bytes = b""
    pairing_ticket_hash: bytes = b""
    min_epoch: int = 0
    command_counter: int = 0  # authorised commands, ever; never decreases
    report_counter: int = 0  # signed reports, ever; never decreases (server checks growth)
    last_fault: FaultCode = FaultCode.NONE
    event_log: list[EventLogEntry] = msgspec.field(default_factory=list)

    def to_bytes(self) -> bytes:
        return msgspec.msgpack.encode(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> LockState:
        try:
            return msgspec.msgpack.decode(data, type=cls)
        except msgspec.DecodeError as exc:
            raise MalformedError(f"stored lock state does not decode: {exc}") from exc


def manufacture(serial: str, authority: SigningKey, rng: RandomBytes) -> LockState:
    """Factory step: a fresh identity key and its certificate. Nothing derived from the serial."""
    key = SigningKey.generate(rng)
    certificate = issue_factory_certificate(authority, serial, key.public_key)
    return LockState(
        serial=serial,
        identity_seed=key.seed,
        certificate=certificate,
        factory_authority_public_key=authority.public_key,
    )


@dataclass(frozen=True, slots=True)
class Authorization:
    """Proof that a command passed every check and its counter is persisted."""

    command: Command
    args: bytes
    counter: int
    lock_nonce: bytes
    client_nonce: bytes
    credential_hash: bytes
    credential: StaffCredential


@dataclass(slots=True)
class _PendingPairing:
    ticket_bytes: bytes
    ticket: PairingTicket
    client_ephemeral: bytes
    lock_ephemeral: bytes
    shared: bytes
    th: bytes


def encode_event_log(entries: list[EventLogEntry]) -> bytes:
    writer = Writer().u16(len(entries))
    for e in entries:
        writer.u64(e.counter).u64(e.lock_time).u8(e.command).u8(e.status).u8(e.fault)
    return writer.finish()


def decode_event_log(data: bytes) -> list[EventLogEntry]:
    reader = Reader(data)
    count = reader.u16()
    if count > EVENT_LOG_CAPACITY:
        raise MalformedError("event log longer than the lock keeps")
    out = [
        EventLogEntry(reader.u64(), reader.u64(), reader.u8(), reader.u8(), reader.u8())
        for _ in range(count)
    ]
    reader.finish()
    return out


class LockCore:
    """The lock's protocol state machine. One instance per lock."""

    def __init__(self, state: LockState, persist: Persist) -> None:
        self._state = state
        self._persist = persist
        self._key = SigningKey(state.identity_seed)
        self.lock_id = lock_id_for(self._key.public_key)
        self._nonces: OrderedDict[bytes, float] = OrderedDict()
        self._pending: dict[int, Authorization] = {}
        self._pairing_opened_at: float | None = None
        self._pending_pairing: _PendingPairing | None = None

    # --- state -------------------------------------------------------------------------

    @property
    def state(self) -> LockState:
        """A copy: callers cannot change the lock's state behind its back."""
        return msgspec.structs.replace(self._state, event_log=list(self._state.event_log))

    @property
    def public_key(self) -> bytes:
        return self._key.public_key

    @property
    def certificate(self) -> bytes:
        return self._state.certificate

    @property
    def paired(self) -> bool:
        return self._state.pairing_state is PairingState.PAIRED

    def _commit(self, new_state: LockState) -> None:
        """Persist first, then adopt; a failing store leaves the lock as it was."""
        try:
            self._persist(new_state.to_bytes())
        except Exception as exc:  # the store is foreign code: any failure means "not stored"
            raise CommandRejectedError(StatusCode.STORAGE_FAILURE, "state not persisted") from exc
        self._state = new_state

    # --- session -----------------------------------------------------------------------

    def accept_session(self, hello_frame: bytes, rng: RandomBytes) -> tuple[bytes, SecureChannel]:
        """Answer a HELLO: (HELLO_ACK frame bytes, channel for this connection)."""
        return accept_session(
            hello_frame, lock_key=self._key, certificate=self._state.certificate, rng=rng
        )

    def disconnected(self) -> None:
        """The link dropped: outstanding nonces and pairing attempts die with it."""
        self._nonces.clear()
        self._pending_pairing = None

    # --- dispatch ----------------------------------------------------------------------

    def handle(self, frame: Frame, now: float, rng: RandomBytes) -> Frame | Authorization:
        """One decrypted inner frame in, the reply (or an Authorization to actuate) out."""
        try:
            if frame.type is MessageType.NONCE_REQUEST:
                if frame.payload:
                    raise MalformedError("NONCE_REQUEST carries no payload")
                return Frame(MessageType.NONCE, self.issue_nonce(now, rng).encode())
            if frame.type is MessageType.COMMAND:
                try:
                    return self.authorize(frame.payload, now)
                except RejectedError as exc:
                    return self.reject(exc.status, now, frame.payload)
            if frame.type is MessageType.PAIR_BEGIN:
                return self.pair_begin(frame.payload, now, rng)
            if frame.type is MessageType.PAIR_FINISH:
                return self.pair_finish(frame.payload, now)
            if frame.type is MessageType.SET_MIN_EPOCH:
                return self.apply_epoch_update(frame.payload)
            raise MalformedError(f"{frame.type.name} is not a request")
        except RejectedError as exc:
            return _error(exc.status)
        except CryptoError:
            return _error(StatusCode.BAD_SIGNATURE)
        except ProtocolError:
            return _error(StatusCode.MALFORMED)

    # --- commands ----------------------------------------------------------------------

    def issue_nonce(self, now: float, rng: RandomBytes) -> NonceChallenge:
        if not self.paired:
            raise CommandRejectedError(StatusCode.NOT_PAIRED, "lock is not paired")
        nonce = take_random(rng, NONCE_BYTES)
        self._nonces[nonce] = now
        while len(self._nonces) > MAX_OUTSTANDING_NONCES:
            self._nonces.popitem(last=False)
        return NonceChallenge(self.lock_id, nonce, time_to_wire(now))

    def authorize(self, request_payload: bytes, now: float) -> Authorization:
        """Every check of a command, in order; raises `CommandRejectedError` on any failure."""
        if not self.paired:
            raise CommandRejectedError(StatusCode.NOT_PAIRED, "lock is not paired")
        try:
            request = CommandRequest.decode(request_payload)
        except MalformedError as exc:
            raise CommandRejectedError(StatusCode.MALFORMED, str(exc)) from exc
        # Single use: the nonce is burnt by this attempt whatever happens next.
        issued_at = self._nonces.pop(request.lock_nonce, None)
        if issued_at is None:
            raise CommandRejectedError(StatusCode.REPLAYED_NONCE, "unknown or used nonce")
        if not issued_at <= now <= issued_at + NONCE_VALIDITY_SECONDS:
            raise CommandRejectedError(StatusCode.NONCE_EXPIRED, "nonce expired")
        credential = check_credential(
            request.credential,
            server_public_key=self._state.server_public_key,
            lock_id=self.lock_id,
            min_epoch=self._state.min_epoch,
            now=now,
        )
        chash = credential_hash(request.credential)
        signed = CommandSigningBody(
            lock_id=self.lock_id,
            lock_nonce=request.lock_nonce,
            client_nonce=request.client_nonce,
            command=request.command,
            args=request.args,
            credential_hash=chash,
        )
        try:
            verify_signature(
                credential.staff_public_key, request.signature, signed.TAG, signed.encode_body()
            )
        except CryptoError as exc:
            raise CommandRejectedError(StatusCode.BAD_SIGNATURE, "staff signature") from exc
        if request.command not in credential.allowed_commands:
            raise CommandRejectedError(StatusCode.NOT_PERMITTED, "command not in credential")

        new_state = msgspec.structs.replace(
            self._state, command_counter=self._state.command_counter + 1
        )
        if request.command in _EMPTY_ARGS and request.args:
            raise CommandRejectedError(StatusCode.MALFORMED, "unexpected command arguments")
        if request.command is Command.READ_REPORT and len(request.args) != NONCE_BYTES:
            raise CommandRejectedError(StatusCode.MALFORMED, "READ_REPORT needs a server nonce")
        if request.command is Command.UNPAIR:
            check_unbind_token(
                request.args,
                server_public_key=self._state.server_public_key,
                lock_id=self.lock_id,
                pairing_id=self._state.pairing_id,
                now=now,
            )
            new_state = _unpaired(new_state)
        self._commit(new_state)  # persisted BEFORE anything is reported as authorised
        auth = Authorization(
            command=request.command,
            args=request.args,
            counter=new_state.command_counter,
            lock_nonce=request.lock_nonce,
            client_nonce=request.client_nonce,
            credential_hash=chash,
            credential=credential,
        )
        self._pending[auth.counter] = auth
        return auth

    def complete(
        self,
        auth: Authorization,
        now: float,
        *,
        actuation: Actuation = Actuation.NOT_ATTEMPTED,
        motor_current_healthy: bool = True,
        result: bytes = b"",
    ) -> Frame:
        """The signed RECEIPT for an authorised command, given what the motor did."""
        if self._pending.pop(auth.counter, None) is not auth:
            raise MalformedError("unknown or already completed authorization")
        if auth.command is Command.OPERATE_TEST and actuation is Actuation.NOT_ATTEMPTED:
            raise MalformedError("OPERATE_TEST needs the measured actuation outcome")
        status, fault = classify_actuation(actuation, motor_current_healthy=motor_current_healthy)
        entry = EventLogEntry(auth.counter, time_to_wire(now), int(auth.command), status, fault)
        log = [*self._state.event_log, entry][-EVENT_LOG_CAPACITY:]
        new_state = msgspec.structs.replace(self._state, event_log=log)
        if actuation is not Actuation.NOT_ATTEMPTED:
            new_state = msgspec.structs.replace(new_state, last_fault=fault)
        # The bolt already did what it did; the receipt must reach the client even if the log
        # write fails, so a failing store here keeps the entry in memory only.
        with contextlib.suppress(CommandRejectedError):
            self._commit(new_state)
        self._state = new_state
        if auth.command is Command.READ_EVENT_LOG and not result:
            result = encode_event_log(self._state.event_log)
        receipt = Receipt(
            lock_id=self.lock_id,
            counter=auth.counter,
            lock_time=time_to_wire(now),
            command=auth.command,
            status=status,
            fault=fault,
            lock_nonce=auth.lock_nonce,
            client_nonce=auth.client_nonce,
            credential_hash=auth.credential_hash,
            result=result,
        )
        return Frame(MessageType.RECEIPT, sign_statement(self._key, receipt))

    def reject(self, status: StatusCode, now: float, request_payload: bytes = b"") -> Frame:
        """A signed RECEIPT saying no; nonces echoed when the request decodes."""
        command: Command | None = None
        lock_nonce, client_nonce, chash = ZERO_NONCE, ZERO_NONCE, ZERO_HASH
        with contextlib.suppress(ProtocolError):
            request = CommandRequest.decode(request_payload)
            command, lock_nonce, client_nonce = (
                request.command,
                request.lock_nonce,
                request.client_nonce,
            )
            chash = credential_hash(request.credential)
        receipt = Receipt(
            lock_id=self.lock_id,
            counter=self._state.command_counter,
            lock_time=time_to_wire(now),
            command=command,
            status=status,
            fault=FaultCode.NONE,
            lock_nonce=lock_nonce,
            client_nonce=client_nonce,
            credential_hash=chash,
            result=b"",
        )
        return Frame(MessageType.RECEIPT, sign_statement(self._key, receipt))

    # --- revocation --------------------------------------------------------------------

    def apply_epoch_update(self, payload: bytes) -> Frame:
        """SET_MIN_EPOCH: a server-signed minimum epoch; only ever raises it."""
        if not self.paired:
            raise CommandRejectedError(StatusCode.NOT_PAIRED, "lock is not paired")
        try:
            update = open_statement(EpochUpdate, payload, self._state.server_public_key)
        except CryptoError as exc:
            raise CommandRejectedError(StatusCode.BAD_SIGNATURE, "epoch not signed") from exc
        if update.lock_id != self.lock_id:
            raise CommandRejectedError(StatusCode.WRONG_LOCK, "epoch update for another lock")
        if update.min_epoch > self._state.min_epoch:
            self._commit(msgspec.structs.replace(self._state, min_epoch=update.min_epoch))
        return Frame(MessageType.EPOCH_ACK, Writer().u32(self._state.min_epoch).finish())

    # --- pairing -----------------------------------------------------------------------

    def open_pairing_window(self, now: float) -> None:
        """The button on the lock was pressed (physical presence)."""
        self._pairing_opened_at = now
        self._pending_pairing = None

    def pairing_window_open(self, now: float) -> bool:
        opened = self._pairing_opened_at
        return opened is not None and opened <= now <= opened + PAIRING_WINDOW_SECONDS

    def _check_pairable(self, now: float) -> None:
        if self.paired:
            raise PairingRejectedError(StatusCode.ALREADY_PAIRED, "unpair first (signed unbind)")
        if not self.pairing_window_open(now):
            raise PairingRejectedError(StatusCode.NOT_IN_PAIRING_WINDOW, "press the button")

    def pair_begin(self, payload: bytes, now: float, rng: RandomBytes) -> Frame:
        self._pending_pairing = None
        resent = self._receipt_for_same_ticket(payload)
        if resent is not None:
            return resent
        self._check_pairable(now)
        begin = PairBegin.decode(payload)
        ticket = check_pairing_ticket(begin.ticket, now, self._state.factory_authority_public_key)
        ephemeral = EphemeralKey.generate(rng)
        shared = ephemeral.exchange(begin.client_ephemeral)
        th = transcript_hash(
            begin.ticket, begin.client_ephemeral, ephemeral.public_key, self._state.certificate
        )
        self._pending_pairing = _PendingPairing(
            begin.ticket, ticket, begin.client_ephemeral, ephemeral.public_key, shared, th
        )
        challenge = PairChallenge(
            ephemeral.public_key, self._state.certificate, sign_transcript(self._key, th)
        )
        return Frame(MessageType.PAIR_CHALLENGE, challenge.encode())

    def _receipt_for_same_ticket(self, payload: bytes) -> Frame | None:
        """Paired under exactly this ticket: the stored receipt again, changing nothing.

        The receipt is evidence meant for the server and holds no secret; a holder of the
        ticket (valid at most 10 minutes) learns nothing new from it. Any other ticket on a
        paired lock is refused as before (ALREADY_PAIRED).
        """
        if not self.paired or not self._state.pairing_receipt:
            return None
        try:
            begin = PairBegin.decode(payload)
        except ProtocolError:
            return None
        if not constant_time_equal(ticket_hash(begin.ticket), self._state.pairing_ticket_hash):
            return None
        return Frame(MessageType.PAIR_RECEIPT, self._state.pairing_receipt)

    def pair_finish(self, payload: bytes, now: float) -> Frame:
        pending, self._pending_pairing = self._pending_pairing, None  # one attempt only
        if pending is None:
            raise PairingRejectedError(StatusCode.NOT_IN_PAIRING_WINDOW, "no pairing under way")
        self._check_pairable(now)
        if now > pending.ticket.expires_at + CLOCK_SKEW_SECONDS:
            raise PairingRejectedError(StatusCode.TICKET_EXPIRED, "ticket expired")
        check_confirmation(pending.shared, pending.th, PairFinish.decode(payload).confirmation)
        ticket = pending.ticket
        pairing_id = pending.th[:16]
        receipt = PairingReceipt(
            lock_id=self.lock_id,
            pairing_id=pairing_id,
            transcript_hash=pending.th,
            ticket_hash=ticket_hash(pending.ticket_bytes),
            server_nonce=ticket.server_nonce,
            organisation_id=ticket.organisation_id,
            customer_id=ticket.customer_id,
            fitter_id=ticket.fitter_id,
            client_ephemeral=pending.client_ephemeral,
            lock_ephemeral=pending.lock_ephemeral,
            lock_time=time_to_wire(now),
        )
        payload_out = encode_pairing_receipt(
            self._state.certificate, sign_statement(self._key, receipt)
        )
        # One commit holds the pairing and its receipt: a lock that is paired can always
        # prove it (see `_receipt_for_same_ticket`).
        try:
            self._commit(
                msgspec.structs.replace(
                    self._state,
                    pairing_state=PairingState.PAIRED,
                    server_public_key=ticket.server_public_key,
                    pairing_id=pairing_id,
                    organisation_id=ticket.organisation_id,
                    customer_id=ticket.customer_id,
                    pairing_receipt=payload_out,
                    pairing_ticket_hash=ticket_hash(pending.ticket_bytes),
                )
            )
        except CommandRejectedError as exc:
            raise PairingRejectedError(exc.status, exc.message) from exc
        self._pairing_opened_at = None
        self._nonces.clear()
        return Frame(MessageType.PAIR_RECEIPT, payload_out)

    # --- evidence ----------------------------------------------------------------------

    def make_report(self, server_nonce: bytes, now: float, values: ReportValues) -> bytes:
        """A signed report; the report counter is persisted before the report exists."""
        if len(server_nonce) != NONCE_BYTES:
            raise MalformedError("server nonce must be 16 bytes")
        faults = values.faults
        if self._state.last_fault is not FaultCode.NONE and self._state.last_fault not in faults:
            faults = (*faults, self._state.last_fault)
        new_state = msgspec.structs.replace(
            self._state, report_counter=self._state.report_counter + 1
        )
        self._commit(new_state)
        report = LockReport(
            lock_id=self.lock_id,
            counter=new_state.report_counter,
            lock_time=time_to_wire(now),
            server_nonce=server_nonce,
            pairing_state=new_state.pairing_state,
            pairing_id=new_state.pairing_id or bytes(16),
            values=ReportValues(values.battery_mv, values.battery_percent, values.firmware, faults),
        )
        return sign_report(self._key, self._state.certificate, report)


def _unpaired(state: LockState) -> LockState:
    """Back to factory-new. Counters and the epoch floor survive: they must never go back."""
    return msgspec.structs.replace(
        state,
        pairing_state=PairingState.FACTORY_NEW,
        server_public_key=b"",
        pairing_id=b"",
        organisation_id=b"",
        customer_id=b"",
        pairing_receipt=b"",
        pairing_ticket_hash=b"",
    )


def _error(status: StatusCode) -> Frame:
    return Frame(MessageType.ERROR, ErrorMessage(status).encode())
