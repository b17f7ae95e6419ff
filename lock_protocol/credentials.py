"""Signed statements: the factory certificate and the server's credentials and tokens.

Every statement is a canonical body signed under its own domain tag; on the wire it is
`encode_signed(body, signature)`. `open_statement` verifies before it decodes, so an unverified
body is never interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self, TypeVar

from lock_protocol.codes import Command, StatusCode, commands_from_mask, commands_mask
from lock_protocol.crypto import (
    LOCK_ID_BYTES,
    NONCE_BYTES,
    PUBLIC_KEY_BYTES,
    SigningKey,
    lock_id_for,
    tagged_hash,
    verify_signature,
)
from lock_protocol.encoding import Reader, Tag, Writer, decode_signed, encode_signed
from lock_protocol.errors import CommandRejectedError, CryptoError, MalformedError
from lock_protocol.timing import (
    CLOCK_SKEW_SECONDS,
    CREDENTIAL_MAX_LIFETIME_SECONDS,
    UNBIND_TOKEN_MAX_LIFETIME_SECONDS,
)

SERIAL_MAX_CHARS = 32


def validate_serial(serial: str) -> str:
    """Serials are 1-32 printable ASCII characters without spaces."""
    if not 1 <= len(serial) <= SERIAL_MAX_CHARS or not all("!" <= ch <= "~" for ch in serial):
        raise MalformedError("serial must be 1-32 printable ASCII characters")
    return serial


class Statement:
    """A signable statement: a domain tag and a canonical body."""

    TAG: ClassVar[bytes]

    def encode_body(self) -> bytes:
        raise NotImplementedError

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        raise NotImplementedError


S = TypeVar("S", bound=Statement)


def sign_statement(key: SigningKey, statement: Statement) -> bytes:
    body = statement.encode_body()
    return encode_signed(body, key.sign(statement.TAG, body))


def open_statement(cls: type[S], data: bytes, public_key: bytes) -> S:
    """Verify `data` with `public_key` under `cls.TAG`, then decode it."""
    body, signature = decode_signed(data)
    verify_signature(public_key, signature, cls.TAG, body)
    return cls.decode_body(body)


def peek_statement(cls: type[S], data: bytes) -> S:
    """Decode WITHOUT verifying, to learn which key should verify it. Never act on the result."""
    body, _signature = decode_signed(data)
    return cls.decode_body(body)


@dataclass(frozen=True, slots=True)
class FactoryCertificate(Statement):
    """The factory authority's statement: this serial owns this Ed25519 public key."""

    TAG: ClassVar[bytes] = Tag.FACTORY_CERTIFICATE
    serial: str
    public_key: bytes

    @property
    def lock_id(self) -> bytes:
        return lock_id_for(self.public_key)

    def encode_body(self) -> bytes:
        return (
            Writer()
            .text(validate_serial(self.serial))
            .fixed(self.public_key, PUBLIC_KEY_BYTES)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        serial = validate_serial(reader.text(SERIAL_MAX_CHARS))
        public_key = reader.fixed(PUBLIC_KEY_BYTES)
        reader.finish()
        return cls(serial, public_key)


def issue_factory_certificate(authority: SigningKey, serial: str, lock_public_key: bytes) -> bytes:
    return sign_statement(authority, FactoryCertificate(serial, lock_public_key))


def verify_factory_certificate(data: bytes, authority_public_key: bytes) -> FactoryCertificate:
    return open_statement(FactoryCertificate, data, authority_public_key)


@dataclass(frozen=True, slots=True)
class OperatorCertificate(Statement):
    """The factory authority's statement: this server key may pair our locks.

    Without it a factory-new lock would have to trust whatever key a ticket carries, and
    anyone in radio range during the button window could bind the lock to their own server.
    """

    TAG: ClassVar[bytes] = Tag.OPERATOR_CERTIFICATE
    server_public_key: bytes
    operator: str  # a name for the audit trail, e.g. the fitters' company

    def encode_body(self) -> bytes:
        return Writer().fixed(self.server_public_key, PUBLIC_KEY_BYTES).text(self.operator).finish()

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        out = cls(reader.fixed(PUBLIC_KEY_BYTES), reader.text(OPERATOR_MAX_CHARS))
        reader.finish()
        return out


OPERATOR_MAX_CHARS = 64


def issue_operator_certificate(
    authority: SigningKey, server_public_key: bytes, operator: str
) -> bytes:
    if not 1 <= len(operator) <= OPERATOR_MAX_CHARS:
        raise MalformedError("operator name must be 1..64 characters")
    return sign_statement(authority, OperatorCertificate(server_public_key, operator))


def verify_operator_certificate(data: bytes, authority_public_key: bytes) -> OperatorCertificate:
    return open_statement(OperatorCertificate, data, authority_public_key)


@dataclass(frozen=True, slots=True)
class StaffCredential(Statement):
    """Server-signed: this staff device may run these commands on this lock in this window."""

    TAG: ClassVar[bytes] = Tag.STAFF_CREDENTIAL
    credential_id: bytes  # 16 random bytes, for the audit trail
    lock_id: bytes
    staff_public_key: bytes
    valid_from: int
    valid_to: int
    allowed_commands: frozenset[Command]
    epoch: int

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.credential_id, NONCE_BYTES)
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .fixed(self.staff_public_key, PUBLIC_KEY_BYTES)
            .u64(self.valid_from)
            .u64(self.valid_to)
            .u32(commands_mask(self.allowed_commands))
            .u32(self.epoch)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        out = cls(
            credential_id=reader.fixed(NONCE_BYTES),
            lock_id=reader.fixed(LOCK_ID_BYTES),
            staff_public_key=reader.fixed(PUBLIC_KEY_BYTES),
            valid_from=reader.u64(),
            valid_to=reader.u64(),
            allowed_commands=commands_from_mask(reader.u32()),
            epoch=reader.u32(),
        )
        reader.finish()
        return out


def credential_hash(credential_bytes: bytes) -> bytes:
    """Hash of the signed credential as sent; it binds a command signature to one credential."""
    return tagged_hash(Tag.CREDENTIAL_HASH, credential_bytes)


def issue_staff_credential(server_key: SigningKey, credential: StaffCredential) -> bytes:
    if credential.valid_to < credential.valid_from:
        raise MalformedError("credential ends before it starts")
    if credential.valid_to - credential.valid_from > CREDENTIAL_MAX_LIFETIME_SECONDS:
        raise MalformedError("credential lifetime exceeds the maximum")
    return sign_statement(server_key, credential)


def check_credential(
    credential_bytes: bytes,
    *,
    server_public_key: bytes,
    lock_id: bytes,
    min_epoch: int,
    now: float,
) -> StaffCredential:
    """The lock's checks of a credential; raises `CommandRejectedError` with the reason."""
    try:
        credential = open_statement(StaffCredential, credential_bytes, server_public_key)
    except CryptoError as exc:
        raise CommandRejectedError(
            StatusCode.BAD_SIGNATURE, "credential not signed by server"
        ) from exc
    except MalformedError as exc:
        raise CommandRejectedError(StatusCode.MALFORMED, str(exc)) from exc
    if credential.lock_id != lock_id:
        raise CommandRejectedError(StatusCode.WRONG_LOCK, "credential is for another lock")
    if (
        credential.valid_to < credential.valid_from
        or credential.valid_to - credential.valid_from > CREDENTIAL_MAX_LIFETIME_SECONDS
    ):
        raise CommandRejectedError(StatusCode.MALFORMED, "credential window out of bounds")
    if now < credential.valid_from - CLOCK_SKEW_SECONDS:
        raise CommandRejectedError(StatusCode.CREDENTIAL_NOT_YET_VALID, "credential not yet valid")
    if now > credential.valid_to + CLOCK_SKEW_SECONDS:
        raise CommandRejectedError(StatusCode.CREDENTIAL_EXPIRED, "credential expired")
    if credential.epoch < min_epoch:
        raise CommandRejectedError(StatusCode.CREDENTIAL_REVOKED, "credential epoch revoked")
    return credential


@dataclass(frozen=True, slots=True)
class EpochUpdate(Statement):
    """Server-signed: credentials for this lock with an epoch below `min_epoch` are revoked.

    Only ever raises the lock's epoch, so a replayed old update is harmless.
    """

    TAG: ClassVar[bytes] = Tag.EPOCH_UPDATE
    lock_id: bytes
    min_epoch: int
    issued_at: int

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .u32(self.min_epoch)
            .u64(self.issued_at)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        out = cls(reader.fixed(LOCK_ID_BYTES), reader.u32(), reader.u64())
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class UnbindToken(Statement):
    """Server-signed permission to unpair one specific pairing of one lock.

    Bound to `pairing_id`, so a token for an earlier pairing cannot undo a later one.
    """

    TAG: ClassVar[bytes] = Tag.UNBIND
    lock_id: bytes
    pairing_id: bytes
    issued_at: int
    expires_at: int

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .fixed(self.pairing_id, NONCE_BYTES)
            .u64(self.issued_at)
            .u64(self.expires_at)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        out = cls(
            reader.fixed(LOCK_ID_BYTES), reader.fixed(NONCE_BYTES), reader.u64(), reader.u64()
        )
        reader.finish()
        return out


def check_unbind_token(
    token_bytes: bytes,
    *,
    server_public_key: bytes,
    lock_id: bytes,
    pairing_id: bytes,
    now: float,
) -> UnbindToken:
    """The lock's checks of an unbind token; raises `CommandRejectedError`."""
    try:
        token = open_statement(UnbindToken, token_bytes, server_public_key)
    except CryptoError as exc:
        raise CommandRejectedError(StatusCode.BAD_SIGNATURE, "unbind not signed by server") from exc
    except MalformedError as exc:
        raise CommandRejectedError(StatusCode.MALFORMED, str(exc)) from exc
    if token.lock_id != lock_id:
        raise CommandRejectedError(StatusCode.WRONG_LOCK, "unbind is for another lock")
    if token.pairing_id != pairing_id:
        raise CommandRejectedError(StatusCode.WRONG_PAIRING, "unbind is for another pairing")
    if not 0 < token.expires_at - token.issued_at <= UNBIND_TOKEN_MAX_LIFETIME_SECONDS:
        raise CommandRejectedError(StatusCode.MALFORMED, "unbind lifetime out of bounds")
    if now < token.issued_at - CLOCK_SKEW_SECONDS or now > token.expires_at + CLOCK_SKEW_SECONDS:
        raise CommandRejectedError(StatusCode.TICKET_EXPIRED, "unbind token expired")
    return token


def issue_epoch_update(
    server_key: SigningKey, lock_id: bytes, min_epoch: int, issued_at: int
) -> bytes:
    """Server side: the SET_MIN_EPOCH payload pushed to the lock at every contact."""
    return sign_statement(server_key, EpochUpdate(lock_id, min_epoch, issued_at))


def issue_unbind_token(
    server_key: SigningKey,
    lock_id: bytes,
    pairing_id: bytes,
    issued_at: int,
    lifetime_seconds: int = int(UNBIND_TOKEN_MAX_LIFETIME_SECONDS),
) -> bytes:
    """Server side: the UNPAIR command's argument."""
    if not 0 < lifetime_seconds <= UNBIND_TOKEN_MAX_LIFETIME_SECONDS:
        raise MalformedError("unbind lifetime must be 1..600 s")
    token = UnbindToken(lock_id, pairing_id, issued_at, issued_at + lifetime_seconds)
    return sign_statement(server_key, token)
