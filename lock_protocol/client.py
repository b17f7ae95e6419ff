"""The gateway's side of commands: sign requests, verify receipts, read results and reports.

Session set-up is `session.ClientHandshake`; pairing is `pairing.PairingClient`. This module
holds no connection: the BLE layer moves the frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import msgspec

from lock_protocol.codes import Command, MessageType, StatusCode
from lock_protocol.credentials import (
    StaffCredential,
    credential_hash,
    open_statement,
    peek_statement,
)
from lock_protocol.crypto import NONCE_BYTES, RandomBytes, SigningKey, take_random
from lock_protocol.encoding import Frame
from lock_protocol.errors import CryptoError, ReceiptRejectedError
from lock_protocol.messages import (
    CommandRequest,
    CommandSigningBody,
    ErrorMessage,
    NonceChallenge,
    Receipt,
)
from lock_protocol.reports import LockReport, split_report
from lock_protocol.timing import CLOCK_SKEW_SECONDS

NONCE_REQUEST: Final = Frame(MessageType.NONCE_REQUEST, b"")


class CredentialRequest(msgspec.Struct, frozen=True):
    """What the gateway asks the server for before a visit (sync API body).

    The server decides: it checks the fitter's order and permissions, may narrow the commands
    and the window, and signs a `StaffCredential` with `credentials.issue_staff_credential`.
    """

    lock_id: bytes
    staff_public_key: bytes
    commands: list[str]
    valid_from: int
    valid_to: int


def build_credential_request(
    staff_key: SigningKey,
    lock_id: bytes,
    commands: set[Command],
    valid_from: int,
    valid_to: int,
) -> CredentialRequest:
    return CredentialRequest(
        lock_id=lock_id,
        staff_public_key=staff_key.public_key,
        commands=sorted(c.name for c in commands),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def sign_command(
    staff_key: SigningKey,
    credential: bytes,
    *,
    lock_id: bytes,
    lock_nonce: bytes,
    client_nonce: bytes,
    command: Command,
    args: bytes = b"",
) -> CommandRequest:
    """The COMMAND payload: the staff signature over the domain-tagged signing body."""
    body = CommandSigningBody(
        lock_id=lock_id,
        lock_nonce=lock_nonce,
        client_nonce=client_nonce,
        command=command,
        args=args,
        credential_hash=credential_hash(credential),
    )
    signature = staff_key.sign(body.TAG, body.encode_body())
    return CommandRequest(credential, command, args, lock_nonce, client_nonce, signature)


@dataclass(frozen=True, slots=True)
class PendingCommand:
    """What the client remembers to check the receipt against."""

    command: Command
    lock_nonce: bytes
    client_nonce: bytes
    credential_hash: bytes
    lock_time: int
    clock_offset: float  # lock clock minus ours, for a "lock clock is off" diagnosis

    @property
    def lock_clock_suspect(self) -> bool:
        return abs(self.clock_offset) > CLOCK_SKEW_SECONDS


class CommandClient:
    """Signs commands for one lock with one staff key and credential."""

    def __init__(self, staff_key: SigningKey, credential: bytes, *, lock_public_key: bytes) -> None:
        self._staff_key = staff_key
        self._credential = credential
        self._lock_public_key = lock_public_key
        info: StaffCredential = peek_statement(StaffCredential, credential)
        self.lock_id = info.lock_id
        self.allowed_commands = info.allowed_commands

    def nonce_request(self) -> Frame:
        return NONCE_REQUEST

    def command(
        self,
        nonce_frame: Frame,
        command: Command,
        now: float,
        rng: RandomBytes,
        args: bytes = b"",
    ) -> tuple[Frame, PendingCommand]:
        """Answer a NONCE frame with a signed COMMAND frame."""
        _raise_if_error(nonce_frame)
        if nonce_frame.type is not MessageType.NONCE:
            raise ReceiptRejectedError(StatusCode.MALFORMED, "expected NONCE")
        challenge = NonceChallenge.decode(nonce_frame.payload)
        if challenge.lock_id != self.lock_id:
            # Never sign a challenge from a lock our credential is not for.
            raise ReceiptRejectedError(StatusCode.WRONG_LOCK, "challenge from another lock")
        client_nonce = take_random(rng, NONCE_BYTES)
        request = sign_command(
            self._staff_key,
            self._credential,
            lock_id=self.lock_id,
            lock_nonce=challenge.lock_nonce,
            client_nonce=client_nonce,
            command=command,
            args=args,
        )
        pending = PendingCommand(
            command=command,
            lock_nonce=challenge.lock_nonce,
            client_nonce=client_nonce,
            credential_hash=credential_hash(self._credential),
            lock_time=challenge.lock_time,
            clock_offset=challenge.lock_time - now,
        )
        return Frame(MessageType.COMMAND, request.encode()), pending

    def verify_receipt(self, receipt_frame: Frame, pending: PendingCommand) -> Receipt:
        """Check the lock signed this receipt for exactly this request; OK or not."""
        _raise_if_error(receipt_frame)
        if receipt_frame.type is not MessageType.RECEIPT:
            raise ReceiptRejectedError(StatusCode.MALFORMED, "expected RECEIPT")
        try:
            receipt = open_statement(Receipt, receipt_frame.payload, self._lock_public_key)
        except CryptoError as exc:
            raise ReceiptRejectedError(StatusCode.BAD_SIGNATURE, "receipt signature") from exc
        if (
            receipt.lock_id != self.lock_id
            or receipt.lock_nonce != pending.lock_nonce
            or receipt.client_nonce != pending.client_nonce
            or receipt.credential_hash != pending.credential_hash
            or receipt.command is not pending.command
        ):
            raise ReceiptRejectedError(StatusCode.MALFORMED, "receipt for another request")
        return receipt


def _raise_if_error(frame: Frame) -> None:
    if frame.type is MessageType.ERROR:
        status = ErrorMessage.decode(frame.payload).status
        raise ReceiptRejectedError(status, f"lock refused: {status.name}")


def parse_report_unverified(report_bytes: bytes) -> LockReport:
    """Read a report for display on the gateway. NOT evidence: only `verify_report` is."""
    _certificate, signed = split_report(report_bytes)
    return peek_statement(LockReport, signed)
