"""The per-command challenge-response: nonce challenge, command request, signed receipt.

client -> lock  NONCE_REQUEST   (empty)
lock -> client  NONCE           NonceChallenge {lock id, 16-byte lock nonce, lock time}
client -> lock  COMMAND         CommandRequest {credential, command, args, lock nonce,
                                client nonce, staff signature over CommandSigningBody}
lock -> client  RECEIPT         signed Receipt {lock id, counter, lock time, command,
                                status, fault, both nonces, credential hash, result}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Self

from lock_protocol.codes import Command, FaultCode, StatusCode
from lock_protocol.credentials import Statement
from lock_protocol.crypto import HASH_BYTES, LOCK_ID_BYTES, NONCE_BYTES, SIGNATURE_BYTES
from lock_protocol.encoding import Reader, Tag, Writer

MAX_CREDENTIAL_BYTES: Final = 512
MAX_ARGS_BYTES: Final = 1024
MAX_RESULT_BYTES: Final = 3072
ZERO_NONCE: Final = bytes(NONCE_BYTES)
ZERO_HASH: Final = bytes(HASH_BYTES)


@dataclass(frozen=True, slots=True)
class NonceChallenge:
    lock_id: bytes
    lock_nonce: bytes
    lock_time: int

    def encode(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .fixed(self.lock_nonce, NONCE_BYTES)
            .u64(self.lock_time)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(reader.fixed(LOCK_ID_BYTES), reader.fixed(NONCE_BYTES), reader.u64())
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class CommandSigningBody(Statement):
    """What the staff device signs: binds lock, both nonces, command, args and credential."""

    TAG: ClassVar[bytes] = Tag.COMMAND
    lock_id: bytes
    lock_nonce: bytes
    client_nonce: bytes
    command: Command
    args: bytes
    credential_hash: bytes

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .fixed(self.lock_nonce, NONCE_BYTES)
            .fixed(self.client_nonce, NONCE_BYTES)
            .u8(int(self.command))
            .bytes_(self.args)
            .fixed(self.credential_hash, HASH_BYTES)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        out = cls(
            lock_id=reader.fixed(LOCK_ID_BYTES),
            lock_nonce=reader.fixed(NONCE_BYTES),
            client_nonce=reader.fixed(NONCE_BYTES),
            command=Command.parse(reader.u8()),
            args=reader.bytes_(MAX_ARGS_BYTES),
            credential_hash=reader.fixed(HASH_BYTES),
        )
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class CommandRequest:
    credential: bytes  # the server-signed StaffCredential, as issued
    command: Command
    args: bytes
    lock_nonce: bytes
    client_nonce: bytes
    signature: bytes

    def encode(self) -> bytes:
        return (
            Writer()
            .bytes_(self.credential)
            .u8(int(self.command))
            .bytes_(self.args)
            .fixed(self.lock_nonce, NONCE_BYTES)
            .fixed(self.client_nonce, NONCE_BYTES)
            .fixed(self.signature, SIGNATURE_BYTES)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(
            credential=reader.bytes_(MAX_CREDENTIAL_BYTES),
            command=Command.parse(reader.u8()),
            args=reader.bytes_(MAX_ARGS_BYTES),
            lock_nonce=reader.fixed(NONCE_BYTES),
            client_nonce=reader.fixed(NONCE_BYTES),
            signature=reader.fixed(SIGNATURE_BYTES),
        )
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class Receipt(Statement):
    """The lock's signed answer to a command, accepted or not.

    `counter` is the lock's command counter after this command (unchanged when rejected);
    `command` is None when the request could not be decoded. Zero nonces/hash mean unknown.
    """

    TAG: ClassVar[bytes] = Tag.RECEIPT
    lock_id: bytes
    counter: int
    lock_time: int
    command: Command | None
    status: StatusCode
    fault: FaultCode
    lock_nonce: bytes
    client_nonce: bytes
    credential_hash: bytes
    result: bytes

    @property
    def accepted(self) -> bool:
        return self.status is StatusCode.OK

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .u64(self.counter)
            .u64(self.lock_time)
            .u8(0 if self.command is None else int(self.command))
            .u8(int(self.status))
            .u8(int(self.fault))
            .fixed(self.lock_nonce, NONCE_BYTES)
            .fixed(self.client_nonce, NONCE_BYTES)
            .fixed(self.credential_hash, HASH_BYTES)
            .bytes_(self.result)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        lock_id = reader.fixed(LOCK_ID_BYTES)
        counter = reader.u64()
        lock_time = reader.u64()
        command_byte = reader.u8()
        out = cls(
            lock_id=lock_id,
            counter=counter,
            lock_time=lock_time,
            command=None if command_byte == 0 else Command.parse(command_byte),
            status=StatusCode.parse(reader.u8()),
            fault=FaultCode.parse(reader.u8()),
            lock_nonce=reader.fixed(NONCE_BYTES),
            client_nonce=reader.fixed(NONCE_BYTES),
            credential_hash=reader.fixed(HASH_BYTES),
            result=reader.bytes_(MAX_RESULT_BYTES),
        )
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class ErrorMessage:
    """ERROR frame: a refusal before any signed receipt can be made (e.g. not paired)."""

    status: StatusCode

    def encode(self) -> bytes:
        return Writer().u8(int(self.status)).finish()

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(StatusCode.parse(reader.u8()))
        reader.finish()
        return out
