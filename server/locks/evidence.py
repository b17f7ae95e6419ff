"""Checking lock-signed evidence before the server believes a word of it (pure, no I/O).

A gateway uploads what a lock signed (``lock_report.add``): a report (battery, firmware,
faults), a pairing receipt, or the receipt of an accepted unpair. The caller looks up what the
server itself recorded (the server nonce it issued, the lock as it knows it) and hands both to
the functions here, which accept the evidence only if every one of these holds:

- the lock's factory certificate chains to a factory authority the server trusts, and names
  the serial and lock id the upload claims (a report of lock A is never booked on lock B);
- the lock's own key signed it, and it is the key on record for that serial;
- the counter grew past the last one accepted for that lock (no replay of an old report);
- the server nonce is one this server issued, for this lock, not used before, and the lock's
  clock was inside the nonce's validity window when it signed (no stale or foreign nonce);
- for a pairing receipt, the ticket is one this server signed with its own key.

Time is a parameter (Unix seconds); the protocol's own verifiers (``lock_protocol``) do the
cryptography, so the wire format has one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lock_protocol.codes import Command, PairingState, StatusCode
from lock_protocol.credentials import (
    FactoryCertificate,
    open_statement,
    peek_statement,
    verify_factory_certificate,
)
from lock_protocol.crypto import NONCE_BYTES, constant_time_equal
from lock_protocol.errors import CryptoError, ProtocolError, RejectedError
from lock_protocol.messages import Receipt
from lock_protocol.pairing import (
    PairingTicket,
    decode_pairing_receipt,
    ticket_hash,
    verify_pairing_receipt,
)
from lock_protocol.reports import split_report, verify_report
from lock_protocol.timing import CLOCK_SKEW_SECONDS, REPORT_MAX_AGE_SECONDS
from server.errors import ValidationFailed

LOCK_REPORT: Final = "lock_report"
PAIRING_RECEIPT: Final = "pairing_receipt"
UNPAIR_RECEIPT: Final = "unpair_receipt"
KINDS: Final = (LOCK_REPORT, PAIRING_RECEIPT, UNPAIR_RECEIPT)

# What a server nonce was handed out with.
PURPOSE_PAIRING_TICKET: Final = "pairing_ticket"
PURPOSE_STAFF_CREDENTIAL: Final = "staff_credential"
PURPOSE_UNBIND_TOKEN: Final = "unbind_token"  # noqa: S105 - a purpose name, not a secret

# A gateway may be offline for a while after the visit; its evidence stays usable this long
# after the nonce's window closed (the protocol bounds a report's age the same way).
UPLOAD_GRACE_SECONDS: Final = REPORT_MAX_AGE_SECONDS

# reason -> (English, Swedish): what the fitter reads next to the refused upload.
_REASONS: Final[dict[str, tuple[str, str]]] = {
    "unknown_kind": (
        "The gateway sent evidence of a kind the server does not know. Update the gateway.",
        "Gatewayen skickade ett bevis av en sort som servern inte känner till. Uppdatera "
        "gatewayen.",
    ),
    "malformed": (
        "The lock's signed data is damaged or incomplete. Read the lock again.",
        "Låsets signerade data är skadade eller ofullständiga. Läs av låset igen.",
    ),
    "untrusted_lock": (
        "The lock's certificate is not from a factory this server trusts: it is not a genuine "
        "lock, or the server lacks its factory authority. Nothing was stored.",
        "Låsets certifikat kommer inte från en fabrik som servern litar på: låset är inte "
        "äkta, eller servern saknar fabrikens nyckel. Inget sparades.",
    ),
    "bad_signature": (
        "The lock's signature does not match the data: it was changed on the way. Read the "
        "lock again.",
        "Låsets signatur stämmer inte med datan: den har ändrats på vägen. Läs av låset igen.",
    ),
    "wrong_lock": (
        "The evidence comes from another lock than the one named. Check the serial on the "
        "lock and read it again.",
        "Beviset kommer från ett annat lås än det angivna. Kontrollera serienumret på låset "
        "och läs av det igen.",
    ),
    "counter_replayed": (
        "This lock reading is not newer than one already received: an old reading cannot be "
        "sent again. Read the lock again.",
        "Avläsningen är inte nyare än en som redan tagits emot: en gammal avläsning kan inte "
        "skickas igen. Läs av låset igen.",
    ),
    "unknown_nonce": (
        "The reading was not made with a code issued by this server for a visit. Fetch a "
        "credential for the order, then read the lock again.",
        "Avläsningen gjordes inte med en kod som servern lämnat ut för ett besök. Hämta "
        "behörighet för ordern och läs av låset igen.",
    ),
    "nonce_reused": (
        "The visit code of this reading was used already; each reading needs a fresh one. "
        "Fetch a new credential for the order and read the lock again.",
        "Besökskoden för avläsningen är redan använd; varje avläsning behöver en ny. Hämta ny "
        "behörighet för ordern och läs av låset igen.",
    ),
    "nonce_expired": (
        "The reading was made outside the validity of its visit code (or uploaded too late). "
        "Fetch a new credential for the order and read the lock again.",
        "Avläsningen gjordes utanför besökskodens giltighetstid (eller laddades upp för sent). "
        "Hämta ny behörighet för ordern och läs av låset igen.",
    ),
    "lock_time": (
        "The lock's clock puts this reading in the future or too far in the past. Read the "
        "lock again; if it repeats, the lock's clock needs service.",
        "Låsets klocka anger en tid i framtiden eller för länge sedan. Läs av låset igen; om "
        "det upprepas behöver låsets klocka service.",
    ),
    "ticket_not_ours": (
        "The pairing ticket was not issued by this server. Fetch a pairing ticket for the "
        "order from this server and pair again.",
        "Parkopplingsbiljetten kommer inte från den här servern. Hämta en biljett för ordern "
        "från den här servern och parkoppla igen.",
    ),
    "order_not_in_visit": (
        "The order is no longer booked (cancelled, completed or paused), so its visit takes no "
        "more lock evidence. Nothing was stored.",
        "Ordern är inte längre bokad (avbokad, klar eller pausad), så besöket tar inte emot "
        "fler bevis från låset. Inget sparades.",
    ),
    "credential_revoked": (
        "The lock signed this after the order's lock access was revoked (the order was "
        "reassigned or rebooked). Nothing was stored.",
        "Låset signerade detta efter att orderns tillgång till låset återkallades (ordern fick "
        "en annan montör eller ny tid). Inget sparades.",
    ),
    "not_unpaired": (
        "The lock did not accept the unpairing, so it is still paired.",
        "Låset godtog inte avkopplingen, så det är fortfarande parkopplat.",
    ),
}
_STATUS_REASONS: Final[dict[StatusCode, str]] = {
    StatusCode.BAD_SIGNATURE: "bad_signature",
    StatusCode.WRONG_CERTIFICATE: "untrusted_lock",
    StatusCode.WRONG_LOCK: "wrong_lock",
    StatusCode.COUNTER_NOT_INCREASING: "counter_replayed",
    StatusCode.STALE_SERVER_NONCE: "unknown_nonce",
    StatusCode.LOCK_TIME_OUT_OF_RANGE: "lock_time",
    StatusCode.TICKET_EXPIRED: "nonce_expired",
}


class LockEvidenceRejected(ValidationFailed):
    """The upload is not believed; ``reason`` says which check failed (for tests and logs)."""

    code = "lock_report_rejected"

    def __init__(self, reason: str, detail: str = "") -> None:
        english, swedish = _REASONS[reason]
        super().__init__(english)
        self.reason = reason
        self.detail = detail  # the verifier's technical words, for the server log only
        self.message_sv = swedish


@dataclass(frozen=True)
class Upload:
    """What the gateway claims (``lock_report.add`` arguments, hex already decoded)."""

    kind: str
    serial: str
    lock_id: bytes
    data: bytes
    server_nonce: bytes | None = None
    ticket: bytes | None = None


@dataclass(frozen=True)
class IssuedNonce:
    """A server nonce as the server recorded it when it handed it out."""

    nonce: bytes
    purpose: str
    order_id: str
    customer_id: str | None
    lock_serial: str | None  # None for a pairing ticket: the lock is not known yet
    issued_at: float
    expires_at: float
    used: bool
    ticket_hash: bytes = b""
    credential_hash: bytes = b""
    revoked_at: float | None = None  # the order's access was revoked then (revocation)


@dataclass(frozen=True)
class KnownLock:
    """The lock as the server knows it (None fields: not learnt from the lock yet)."""

    serial: str
    public_key: bytes | None = None
    report_counter: int | None = None
    command_counter: int | None = None
    pairing_id: bytes | None = None


@dataclass(frozen=True)
class Evidence:
    """Accepted evidence: only these values may be shown as "verified by lock"."""

    kind: str
    serial: str
    lock_id: bytes
    public_key: bytes
    lock_time: int
    server_nonce: bytes
    counter: int | None = None  # report counter (reports), command counter (unpair receipts)
    values: dict[str, Any] = field(default_factory=dict)
    pairing_id: bytes | None = None
    customer_id: bytes | None = None


def upload_nonce(upload: Upload) -> bytes | None:
    """The server nonce the upload is about, to look up what was issued. Never trusted as is:
    the verifiers compare it with what the lock signed."""
    if upload.kind == PAIRING_RECEIPT and upload.ticket:
        try:
            return peek_statement(PairingTicket, upload.ticket).server_nonce
        except ProtocolError:
            return None
    if upload.kind == UNPAIR_RECEIPT:
        return None
    return upload.server_nonce


def unpair_credential_hash(upload: Upload) -> bytes | None:
    """The hash of the credential an unpair receipt names, to look up its issuance."""
    try:
        return peek_statement(Receipt, upload.data).credential_hash
    except ProtocolError:
        return None


def _trusted_certificate(
    certificate_bytes: bytes, authorities: Sequence[bytes]
) -> tuple[FactoryCertificate, bytes]:
    for authority in authorities:
        try:
            return verify_factory_certificate(certificate_bytes, authority), authority
        except ProtocolError:
            continue
    raise LockEvidenceRejected("untrusted_lock")


def _check_claim(upload: Upload, certificate: FactoryCertificate, known: KnownLock | None) -> None:
    if certificate.serial != upload.serial or not constant_time_equal(
        certificate.lock_id, upload.lock_id
    ):
        raise LockEvidenceRejected("wrong_lock", "certificate names another serial or lock id")
    if (
        known is not None
        and known.public_key is not None
        and (
            known.serial != certificate.serial
            or not constant_time_equal(known.public_key, certificate.public_key)
        )
    ):
        raise LockEvidenceRejected("wrong_lock", "not the key on record for this serial")


def _check_nonce(
    nonce: IssuedNonce | None, purposes: frozenset[str], serial: str | None, now: float
) -> IssuedNonce:
    if nonce is None or nonce.purpose not in purposes or len(nonce.nonce) != NONCE_BYTES:
        raise LockEvidenceRejected("unknown_nonce")
    if nonce.lock_serial is not None and serial is not None and nonce.lock_serial != serial:
        raise LockEvidenceRejected("wrong_lock", "the nonce was issued for another lock")
    if nonce.used:
        raise LockEvidenceRejected("nonce_reused")
    if now > nonce.expires_at + UPLOAD_GRACE_SECONDS:
        raise LockEvidenceRejected("nonce_expired", "uploaded after the grace period")
    return nonce


def _check_lock_time(lock_time: float, nonce: IssuedNonce) -> None:
    if not (
        nonce.issued_at - CLOCK_SKEW_SECONDS <= lock_time <= nonce.expires_at + CLOCK_SKEW_SECONDS
    ):
        raise LockEvidenceRejected("nonce_expired", "signed outside the nonce's window")


def _check_not_revoked(lock_time: float, nonce: IssuedNonce) -> None:
    """Evidence signed after the issuance was revoked is refused; what the lock signed before
    (a reading uploaded late, an unpair just before a replacement) still counts. A lock clock
    off by up to the skew it tolerates can shift that moment a little either way."""
    if nonce.revoked_at is not None and lock_time > nonce.revoked_at:
        raise LockEvidenceRejected("credential_revoked")


def _rejected(exc: ProtocolError) -> LockEvidenceRejected:
    if isinstance(exc, CryptoError):
        return LockEvidenceRejected("bad_signature", str(exc))
    if isinstance(exc, RejectedError):
        return LockEvidenceRejected(_STATUS_REASONS.get(exc.status, "malformed"), str(exc))
    return LockEvidenceRejected("malformed", str(exc))


def verify_lock_report(
    upload: Upload,
    *,
    authorities: Sequence[bytes],
    known: KnownLock | None,
    nonce: IssuedNonce | None,
    now: float,
) -> Evidence:
    """A battery/firmware/fault report: see the module docstring for what is checked."""
    if upload.kind != LOCK_REPORT:
        raise LockEvidenceRejected("unknown_kind")
    try:
        certificate_bytes, _signed = split_report(upload.data)
    except ProtocolError as exc:
        raise _rejected(exc) from exc
    certificate, authority = _trusted_certificate(certificate_bytes, authorities)
    _check_claim(upload, certificate, known)
    issued = _check_nonce(nonce, frozenset({PURPOSE_STAFF_CREDENTIAL}), certificate.serial, now)
    try:
        verified = verify_report(
            upload.data,
            authority,
            certificate,
            known.report_counter if known is not None else None,
            issued.nonce,
            now,
        )
    except ProtocolError as exc:
        raise _rejected(exc) from exc
    report = verified.report
    _check_lock_time(report.lock_time, issued)
    _check_not_revoked(report.lock_time, issued)
    return Evidence(
        kind=LOCK_REPORT,
        serial=certificate.serial,
        lock_id=certificate.lock_id,
        public_key=certificate.public_key,
        lock_time=report.lock_time,
        server_nonce=report.server_nonce,
        counter=report.counter,
        values={
            "battery_millivolts": report.values.battery_mv,
            "battery_percent": report.values.battery_percent,
            "firmware": report.values.firmware,
            "faults": [fault.name for fault in report.values.faults],
            "paired": report.pairing_state is PairingState.PAIRED,
        },
    )


def verify_pairing(
    upload: Upload,
    *,
    authorities: Sequence[bytes],
    server_public_key: bytes,
    known: KnownLock | None,
    nonce: IssuedNonce | None,
    now: float,
) -> Evidence:
    """A pairing receipt: the genuine lock paired under a ticket this server signed."""
    if upload.kind != PAIRING_RECEIPT or not upload.ticket:
        raise LockEvidenceRejected(
            "unknown_kind" if upload.kind != PAIRING_RECEIPT else "malformed"
        )
    try:
        ticket = open_statement(PairingTicket, upload.ticket, server_public_key)
    except ProtocolError as exc:
        raise LockEvidenceRejected("ticket_not_ours", str(exc)) from exc
    issued = _check_nonce(nonce, frozenset({PURPOSE_PAIRING_TICKET}), None, now)
    if not constant_time_equal(issued.ticket_hash, ticket_hash(upload.ticket)) or (
        not constant_time_equal(issued.nonce, ticket.server_nonce)
    ):
        raise LockEvidenceRejected("ticket_not_ours", "not the ticket issued with this nonce")
    try:
        certificate_bytes, _receipt = decode_pairing_receipt(upload.data)
    except ProtocolError as exc:
        raise _rejected(exc) from exc
    certificate, authority = _trusted_certificate(certificate_bytes, authorities)
    _check_claim(upload, certificate, known)
    try:
        verified = verify_pairing_receipt(
            upload.data, factory_authority_public_key=authority, ticket_bytes=upload.ticket, now=now
        )
    except ProtocolError as exc:
        raise _rejected(exc) from exc
    receipt = verified.receipt
    _check_lock_time(receipt.lock_time, issued)
    _check_not_revoked(receipt.lock_time, issued)
    return Evidence(
        kind=PAIRING_RECEIPT,
        serial=certificate.serial,
        lock_id=certificate.lock_id,
        public_key=certificate.public_key,
        lock_time=receipt.lock_time,
        server_nonce=receipt.server_nonce,
        pairing_id=receipt.pairing_id,
        customer_id=receipt.customer_id,
    )


def verify_unpair(
    upload: Upload,
    *,
    known: KnownLock | None,
    credential: IssuedNonce | None,
    now: float,
) -> Evidence:
    """An unpair receipt: signed by the key on record, for a credential this server issued
    for this lock, with a command counter that grew. The lock is factory-new afterwards."""
    if upload.kind != UNPAIR_RECEIPT:
        raise LockEvidenceRejected("unknown_kind")
    if known is None or known.public_key is None or known.serial != upload.serial:
        raise LockEvidenceRejected("wrong_lock", "no key on record for this serial")
    try:
        receipt = open_statement(Receipt, upload.data, known.public_key)
    except ProtocolError as exc:
        raise _rejected(exc) from exc
    if not constant_time_equal(receipt.lock_id, upload.lock_id):
        raise LockEvidenceRejected("wrong_lock", "receipt names another lock id")
    if receipt.command is not Command.UNPAIR or not receipt.accepted:
        raise LockEvidenceRejected("not_unpaired")
    if credential is None or credential.purpose != PURPOSE_STAFF_CREDENTIAL:
        raise LockEvidenceRejected("unknown_nonce", "credential not issued by this server")
    if credential.lock_serial != known.serial or not constant_time_equal(
        credential.credential_hash, receipt.credential_hash
    ):
        raise LockEvidenceRejected("wrong_lock", "credential issued for another lock")
    if known.command_counter is not None and receipt.counter <= known.command_counter:
        raise LockEvidenceRejected("counter_replayed")
    if now > credential.expires_at + UPLOAD_GRACE_SECONDS:
        raise LockEvidenceRejected("nonce_expired", "uploaded after the grace period")
    _check_lock_time(receipt.lock_time, credential)
    _check_not_revoked(receipt.lock_time, credential)
    return Evidence(
        kind=UNPAIR_RECEIPT,
        serial=known.serial,
        lock_id=receipt.lock_id,
        public_key=known.public_key,
        lock_time=receipt.lock_time,
        server_nonce=receipt.client_nonce,
        counter=receipt.counter,
    )
