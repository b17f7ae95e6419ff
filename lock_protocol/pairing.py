"""Pairing (provisioning a factory-new lock to a customer), both sides and the server check.

    (button on the lock opens a PAIRING_WINDOW_SECONDS window)
    client -> lock  PAIR_BEGIN      {server-signed PairingTicket, client X25519 public key}
    lock -> client  PAIR_CHALLENGE  {lock X25519 public key, factory certificate,
                                     lock signature over the transcript hash}
    client -> lock  PAIR_FINISH     {HMAC(confirm key, transcript hash)}
    lock -> client  PAIR_RECEIPT    {factory certificate, lock-signed PairingReceipt}

    transcript hash th = H(tag, ticket || client eph || lock eph || certificate)
    confirm key        = HKDF-SHA256(X25519(eph, eph), salt=th, info=tag)
    pairing id         = th[:16]  (binds later unbind tokens to this pairing)

The ticket carries the server's public key, an operator certificate in which the factory
authority vouches for that key, and is signed by that key. The lock (which knows the factory
authority's public key from manufacture) checks the chain, then adopts the server key as its
trust anchor; physical presence (the button window) is needed as well. The server then checks
the receipt: the lock's certificate chains to the factory authority, the lock signed
this very transcript and ticket, and the server nonce is the one it issued.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from lock_protocol.codes import StatusCode
from lock_protocol.credentials import (
    FactoryCertificate,
    Statement,
    open_statement,
    peek_statement,
    sign_statement,
    verify_factory_certificate,
    verify_operator_certificate,
)
from lock_protocol.crypto import (
    HASH_BYTES,
    LOCK_ID_BYTES,
    NONCE_BYTES,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
    EphemeralKey,
    RandomBytes,
    SigningKey,
    constant_time_equal,
    hkdf,
    hmac_sha256,
    tagged_hash,
    verify_signature,
)
from lock_protocol.encoding import Reader, Tag, Writer
from lock_protocol.errors import (
    CryptoError,
    MalformedError,
    PairingRejectedError,
    ProtocolError,
    ReportRejectedError,
)
from lock_protocol.timing import CLOCK_SKEW_SECONDS, PAIRING_TICKET_MAX_LIFETIME_SECONDS

PAIRING_ID_BYTES: Final = 16
MAX_TICKET_BYTES: Final = 512
MAX_CERTIFICATE_BYTES: Final = 256
MAX_RECEIPT_BYTES: Final = 1024

# Canonical UUID text only. A Swedish personnummer (YYMMDD-XXXX), a Norwegian fødselsnummer
# (11 digits) or any other readable identifier fails this, which is the point.
_UUID_TEXT = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def parse_opaque_id(value: str) -> bytes:
    """Validate an opaque id (customer, organisation, fitter) and return its 16 bytes.

    Only random-looking UUIDs pass: never a personal identity number, never a name.
    """
    if not _UUID_TEXT.fullmatch(value):
        raise MalformedError("id must be an opaque UUID, never a personal identity number")
    parsed = uuid.UUID(value)
    if parsed.int == 0:
        raise MalformedError("the nil UUID is not an id")
    return parsed.bytes


def opaque_id_text(raw: bytes) -> str:
    if len(raw) != 16:
        raise MalformedError("opaque ids are 16 bytes")
    return str(uuid.UUID(bytes=raw))


@dataclass(frozen=True, slots=True)
class PairingTicket(Statement):
    """Server-signed permission for one fitter to pair one lock to one customer, briefly."""

    TAG: ClassVar[bytes] = Tag.PAIRING_TICKET
    organisation_id: bytes
    customer_id: bytes  # opaque, 16 bytes; never a personal identity number
    fitter_id: bytes
    server_nonce: bytes
    issued_at: int
    expires_at: int
    server_public_key: bytes
    operator_certificate: bytes  # factory authority vouches for server_public_key

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.organisation_id, 16)
            .fixed(self.customer_id, 16)
            .fixed(self.fitter_id, 16)
            .fixed(self.server_nonce, NONCE_BYTES)
            .u64(self.issued_at)
            .u64(self.expires_at)
            .fixed(self.server_public_key, PUBLIC_KEY_BYTES)
            .bytes_(self.operator_certificate)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        out = cls(
            organisation_id=reader.fixed(16),
            customer_id=reader.fixed(16),
            fitter_id=reader.fixed(16),
            server_nonce=reader.fixed(NONCE_BYTES),
            issued_at=reader.u64(),
            expires_at=reader.u64(),
            server_public_key=reader.fixed(PUBLIC_KEY_BYTES),
            operator_certificate=reader.bytes_(MAX_CERTIFICATE_BYTES),
        )
        reader.finish()
        return out


def issue_pairing_ticket(
    server_key: SigningKey,
    *,
    operator_certificate: bytes,
    organisation_id: str,
    customer_id: str,
    fitter_id: str,
    server_nonce: bytes,
    issued_at: int,
    lifetime_seconds: int = int(PAIRING_TICKET_MAX_LIFETIME_SECONDS),
) -> bytes:
    """Server side: sign a ticket. Ids are validated as opaque UUIDs."""
    if not 0 < lifetime_seconds <= PAIRING_TICKET_MAX_LIFETIME_SECONDS:
        raise MalformedError("ticket lifetime must be 1..600 s")
    ticket = PairingTicket(
        organisation_id=parse_opaque_id(organisation_id),
        customer_id=parse_opaque_id(customer_id),
        fitter_id=parse_opaque_id(fitter_id),
        server_nonce=server_nonce,
        issued_at=issued_at,
        expires_at=issued_at + lifetime_seconds,
        server_public_key=server_key.public_key,
        operator_certificate=operator_certificate,
    )
    return sign_statement(server_key, ticket)


def check_pairing_ticket(
    ticket_bytes: bytes, now: float, factory_authority_public_key: bytes
) -> PairingTicket:
    """The lock's checks: the factory authority vouches for the server key, the server key
    signed the ticket, lifetime <= 10 min, and the lock's clock is within the ticket's window.
    """
    try:
        claimed = peek_statement(PairingTicket, ticket_bytes)
    except MalformedError as exc:
        raise PairingRejectedError(StatusCode.MALFORMED, str(exc)) from exc
    try:
        operator = verify_operator_certificate(
            claimed.operator_certificate, factory_authority_public_key
        )
    except ProtocolError as exc:
        raise PairingRejectedError(StatusCode.WRONG_CERTIFICATE, "server not vouched for") from exc
    if not constant_time_equal(operator.server_public_key, claimed.server_public_key):
        raise PairingRejectedError(StatusCode.WRONG_CERTIFICATE, "ticket key is not the vouched")
    try:
        ticket = open_statement(PairingTicket, ticket_bytes, operator.server_public_key)
    except CryptoError as exc:
        raise PairingRejectedError(StatusCode.BAD_SIGNATURE, "ticket signature") from exc
    except MalformedError as exc:
        raise PairingRejectedError(StatusCode.MALFORMED, str(exc)) from exc
    if not 0 < ticket.expires_at - ticket.issued_at <= PAIRING_TICKET_MAX_LIFETIME_SECONDS:
        raise PairingRejectedError(StatusCode.MALFORMED, "ticket lifetime out of bounds")
    if any(not any(raw) for raw in (ticket.organisation_id, ticket.customer_id, ticket.fitter_id)):
        raise PairingRejectedError(StatusCode.MALFORMED, "nil id in ticket")
    if now < ticket.issued_at - CLOCK_SKEW_SECONDS:
        raise PairingRejectedError(StatusCode.TICKET_EXPIRED, "ticket not yet valid")
    if now > ticket.expires_at + CLOCK_SKEW_SECONDS:
        raise PairingRejectedError(StatusCode.TICKET_EXPIRED, "ticket expired")
    return ticket


@dataclass(frozen=True, slots=True)
class PairBegin:
    ticket: bytes
    client_ephemeral: bytes

    def encode(self) -> bytes:
        return Writer().bytes_(self.ticket).fixed(self.client_ephemeral, PUBLIC_KEY_BYTES).finish()

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(reader.bytes_(MAX_TICKET_BYTES), reader.fixed(PUBLIC_KEY_BYTES))
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class PairChallenge:
    lock_ephemeral: bytes
    certificate: bytes
    signature: bytes  # lock's Ed25519 signature over the transcript hash

    def encode(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_ephemeral, PUBLIC_KEY_BYTES)
            .bytes_(self.certificate)
            .fixed(self.signature, SIGNATURE_BYTES)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(
            reader.fixed(PUBLIC_KEY_BYTES),
            reader.bytes_(MAX_CERTIFICATE_BYTES),
            reader.fixed(SIGNATURE_BYTES),
        )
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class PairFinish:
    confirmation: bytes

    def encode(self) -> bytes:
        return Writer().fixed(self.confirmation, HASH_BYTES).finish()

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(reader.fixed(HASH_BYTES))
        reader.finish()
        return out


def transcript_hash(
    ticket: bytes, client_ephemeral: bytes, lock_ephemeral: bytes, certificate: bytes
) -> bytes:
    body = (
        Writer()
        .bytes_(ticket)
        .fixed(client_ephemeral, PUBLIC_KEY_BYTES)
        .fixed(lock_ephemeral, PUBLIC_KEY_BYTES)
        .bytes_(certificate)
        .finish()
    )
    return tagged_hash(Tag.PAIRING_TRANSCRIPT, body)


def _th_body(th: bytes) -> bytes:
    return Writer().fixed(th, HASH_BYTES).finish()


def sign_transcript(lock_key: SigningKey, th: bytes) -> bytes:
    return lock_key.sign(Tag.PAIRING_CHALLENGE, _th_body(th))


def verify_transcript_signature(lock_public_key: bytes, signature: bytes, th: bytes) -> None:
    verify_signature(lock_public_key, signature, Tag.PAIRING_CHALLENGE, _th_body(th))


def confirmation_mac(shared_secret: bytes, th: bytes) -> bytes:
    key = hkdf(shared_secret, salt=th, info=Tag.PAIRING_CONFIRM, length=32)
    return hmac_sha256(key, Tag.PAIRING_CONFIRM, _th_body(th))


def check_confirmation(shared_secret: bytes, th: bytes, confirmation: bytes) -> None:
    if not constant_time_equal(confirmation_mac(shared_secret, th), confirmation):
        raise PairingRejectedError(StatusCode.BAD_SIGNATURE, "pairing confirmation mismatch")


@dataclass(frozen=True, slots=True)
class PairingReceipt(Statement):
    """The lock's signed statement that it is now paired under this ticket."""

    TAG: ClassVar[bytes] = Tag.PAIRING_RECEIPT
    lock_id: bytes
    pairing_id: bytes
    transcript_hash: bytes
    ticket_hash: bytes
    server_nonce: bytes
    organisation_id: bytes
    customer_id: bytes
    fitter_id: bytes
    client_ephemeral: bytes
    lock_ephemeral: bytes
    lock_time: int

    def encode_body(self) -> bytes:
        return (
            Writer()
            .fixed(self.lock_id, LOCK_ID_BYTES)
            .fixed(self.pairing_id, PAIRING_ID_BYTES)
            .fixed(self.transcript_hash, HASH_BYTES)
            .fixed(self.ticket_hash, HASH_BYTES)
            .fixed(self.server_nonce, NONCE_BYTES)
            .fixed(self.organisation_id, 16)
            .fixed(self.customer_id, 16)
            .fixed(self.fitter_id, 16)
            .fixed(self.client_ephemeral, PUBLIC_KEY_BYTES)
            .fixed(self.lock_ephemeral, PUBLIC_KEY_BYTES)
            .u64(self.lock_time)
            .finish()
        )

    @classmethod
    def decode_body(cls, body: bytes) -> Self:
        reader = Reader(body)
        out = cls(
            lock_id=reader.fixed(LOCK_ID_BYTES),
            pairing_id=reader.fixed(PAIRING_ID_BYTES),
            transcript_hash=reader.fixed(HASH_BYTES),
            ticket_hash=reader.fixed(HASH_BYTES),
            server_nonce=reader.fixed(NONCE_BYTES),
            organisation_id=reader.fixed(16),
            customer_id=reader.fixed(16),
            fitter_id=reader.fixed(16),
            client_ephemeral=reader.fixed(PUBLIC_KEY_BYTES),
            lock_ephemeral=reader.fixed(PUBLIC_KEY_BYTES),
            lock_time=reader.u64(),
        )
        reader.finish()
        return out


def ticket_hash(ticket_bytes: bytes) -> bytes:
    return tagged_hash(Tag.PAIRING_TICKET, ticket_bytes)


def encode_pairing_receipt(certificate: bytes, signed_receipt: bytes) -> bytes:
    return Writer().bytes_(certificate).bytes_(signed_receipt).finish()


def decode_pairing_receipt(data: bytes) -> tuple[bytes, bytes]:
    reader = Reader(data)
    certificate = reader.bytes_(MAX_CERTIFICATE_BYTES)
    receipt = reader.bytes_(MAX_RECEIPT_BYTES)
    reader.finish()
    return certificate, receipt


@dataclass(frozen=True, slots=True)
class VerifiedPairing:
    """What the server learns from a verified pairing receipt."""

    certificate: FactoryCertificate
    receipt: PairingReceipt


def verify_pairing_receipt(
    receipt_bytes: bytes,
    *,
    factory_authority_public_key: bytes,
    ticket_bytes: bytes,
    now: float,
) -> VerifiedPairing:
    """Server side: accept a pairing only if the genuine lock signed this ticket's transcript."""
    try:
        return _verify_pairing_receipt(
            receipt_bytes, factory_authority_public_key, ticket_bytes, now
        )
    except ReportRejectedError:
        raise
    except CryptoError as exc:
        raise ReportRejectedError(StatusCode.BAD_SIGNATURE, str(exc)) from exc
    except ProtocolError as exc:
        raise ReportRejectedError(StatusCode.MALFORMED, str(exc)) from exc


def _verify_pairing_receipt(
    receipt_bytes: bytes, authority: bytes, ticket_bytes: bytes, now: float
) -> VerifiedPairing:
    certificate_bytes, signed_receipt = decode_pairing_receipt(receipt_bytes)
    certificate = verify_factory_certificate(certificate_bytes, authority)
    receipt = open_statement(PairingReceipt, signed_receipt, certificate.public_key)
    ticket = PairingTicket.decode_body(_ticket_body(ticket_bytes))
    if receipt.lock_id != certificate.lock_id:
        raise ReportRejectedError(StatusCode.WRONG_LOCK, "receipt lock id is not the cert's")
    if not constant_time_equal(receipt.ticket_hash, ticket_hash(ticket_bytes)):
        raise ReportRejectedError(StatusCode.STALE_SERVER_NONCE, "receipt is for another ticket")
    if not constant_time_equal(receipt.server_nonce, ticket.server_nonce):
        raise ReportRejectedError(StatusCode.STALE_SERVER_NONCE, "server nonce mismatch")
    if (
        receipt.organisation_id != ticket.organisation_id
        or receipt.customer_id != ticket.customer_id
        or receipt.fitter_id != ticket.fitter_id
    ):
        raise ReportRejectedError(StatusCode.MALFORMED, "receipt ids differ from the ticket")
    th = transcript_hash(
        ticket_bytes, receipt.client_ephemeral, receipt.lock_ephemeral, certificate_bytes
    )
    if not constant_time_equal(th, receipt.transcript_hash) or receipt.pairing_id != th[:16]:
        raise ReportRejectedError(StatusCode.BAD_SIGNATURE, "transcript hash mismatch")
    if not (
        ticket.issued_at - CLOCK_SKEW_SECONDS
        <= receipt.lock_time
        <= ticket.expires_at + CLOCK_SKEW_SECONDS
    ):
        raise ReportRejectedError(StatusCode.LOCK_TIME_OUT_OF_RANGE, "lock time outside ticket")
    if now > ticket.expires_at + CLOCK_SKEW_SECONDS + _RECEIPT_UPLOAD_GRACE_SECONDS:
        raise ReportRejectedError(StatusCode.TICKET_EXPIRED, "receipt uploaded too late")
    return VerifiedPairing(certificate, receipt)


# The gateway may be offline when pairing completes; it uploads the receipt when it can.
# Freshness comes from the server nonce; this only bounds how long a receipt stays usable.
_RECEIPT_UPLOAD_GRACE_SECONDS: Final = 14 * 24 * 3600.0


def _ticket_body(ticket_bytes: bytes) -> bytes:
    reader = Reader(ticket_bytes)
    body = reader.bytes_()
    reader.fixed(SIGNATURE_BYTES)
    reader.finish()
    return body


class PairingClient:
    """The gateway's side of pairing; one instance per attempt."""

    def __init__(
        self,
        ticket: bytes,
        *,
        factory_authority_public_key: bytes,
        rng: RandomBytes,
        expected_serial: str | None = None,
    ) -> None:
        self._ticket = ticket
        self._authority = factory_authority_public_key
        self._expected_serial = expected_serial
        self._ephemeral = EphemeralKey.generate(rng)
        self._th: bytes | None = None
        self.certificate: FactoryCertificate | None = None

    def begin(self) -> bytes:
        """PAIR_BEGIN payload."""
        return PairBegin(self._ticket, self._ephemeral.public_key).encode()

    def on_challenge(self, payload: bytes) -> bytes:
        """Check the lock (certificate, transcript signature); return PAIR_FINISH payload."""
        challenge = PairChallenge.decode(payload)
        try:
            certificate = verify_factory_certificate(challenge.certificate, self._authority)
        except CryptoError as exc:
            raise PairingRejectedError(StatusCode.WRONG_CERTIFICATE, "not a genuine lock") from exc
        if self._expected_serial is not None and certificate.serial != self._expected_serial:
            raise PairingRejectedError(StatusCode.WRONG_LOCK, "lock serial is not the expected")
        th = transcript_hash(
            self._ticket,
            self._ephemeral.public_key,
            challenge.lock_ephemeral,
            challenge.certificate,
        )
        try:
            verify_transcript_signature(certificate.public_key, challenge.signature, th)
        except CryptoError as exc:
            raise PairingRejectedError(StatusCode.BAD_SIGNATURE, "transcript signature") from exc
        shared = self._ephemeral.exchange(challenge.lock_ephemeral)
        self._th = th
        self.certificate = certificate
        return PairFinish(confirmation_mac(shared, th)).encode()

    def on_receipt(self, payload: bytes, now: float) -> VerifiedPairing:
        """Check the lock's receipt as the server will (so a bad one fails on the doorstep)."""
        if self._th is None:
            raise PairingRejectedError(StatusCode.MALFORMED, "receipt before challenge")
        verified = verify_pairing_receipt(
            payload,
            factory_authority_public_key=self._authority,
            ticket_bytes=self._ticket,
            now=now,
        )
        if verified.receipt.transcript_hash != self._th:
            raise PairingRejectedError(StatusCode.BAD_SIGNATURE, "receipt for another transcript")
        return verified
