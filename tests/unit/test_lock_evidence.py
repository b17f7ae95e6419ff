"""server.locks.evidence: what the server believes of lock-signed uploads (pure, no I/O)."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lock_protocol.codes import Command
from lock_protocol.credentials import (
    StaffCredential,
    credential_hash,
    issue_staff_credential,
    issue_unbind_token,
)
from lock_protocol.crypto import SigningKey
from lock_protocol.pairing import issue_pairing_ticket, ticket_hash
from server.locks.evidence import (
    LOCK_REPORT,
    PAIRING_RECEIPT,
    PURPOSE_PAIRING_TICKET,
    PURPOSE_STAFF_CREDENTIAL,
    UNPAIR_RECEIPT,
    IssuedNonce,
    KnownLock,
    LockEvidenceRejected,
    Upload,
    upload_nonce,
    verify_lock_report,
    verify_pairing,
    verify_unpair,
)
from tests.lock_helpers import SimulatedLock, operator_certificate

NOW = 1_790_000_000.0
VISIT_S = 8 * 3600
AUTHORITY = SigningKey(bytes(range(32)))
OTHER_AUTHORITY = SigningKey(bytes(range(1, 33)))
SERVER = SigningKey(bytes(range(2, 34)))
ORDER_ID = str(uuid.uuid4())
CUSTOMER_ID = str(uuid.uuid4())


def nonce_for(lock: SimulatedLock, **changes: object) -> IssuedNonce:
    issued = IssuedNonce(
        nonce=os.urandom(16),
        purpose=PURPOSE_STAFF_CREDENTIAL,
        order_id=ORDER_ID,
        customer_id=CUSTOMER_ID,
        lock_serial=lock.serial,
        issued_at=NOW - 60,
        expires_at=NOW - 60 + VISIT_S,
        used=False,
    )
    return replace(issued, **changes)  # type: ignore[arg-type]


def report_upload(lock: SimulatedLock, issued: IssuedNonce, at: float = NOW) -> Upload:
    data = lock.report(issued.nonce, at)
    return Upload(LOCK_REPORT, lock.serial, lock.lock_id, data, server_nonce=issued.nonce)


def check(upload: Upload, issued: IssuedNonce | None, known: KnownLock | None = None, **kw):
    return verify_lock_report(
        upload,
        authorities=[OTHER_AUTHORITY.public_key, AUTHORITY.public_key],
        known=known,
        nonce=issued,
        now=kw.get("now", NOW),
    )


def reason(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(LockEvidenceRejected) as refused:
        call()
    assert refused.value.message and refused.value.message_sv
    return refused.value.reason


def test_a_genuine_report_is_believed() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    issued = nonce_for(lock)
    upload = report_upload(lock, issued)
    assert upload_nonce(upload) == issued.nonce
    evidence = check(upload, issued, KnownLock(lock.serial))
    assert evidence.serial == lock.serial and evidence.counter == 1
    assert evidence.values["battery_percent"] == 80 and evidence.values["firmware"] == "2.1.0"
    assert evidence.public_key == lock.public_key


def test_forged_replayed_cross_lock_and_stale_reports_are_refused() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    other = SimulatedLock(AUTHORITY, "LW-B0002")
    forger = SimulatedLock(SigningKey(os.urandom(32)), "LW-A0001")
    issued = nonce_for(lock)
    good = report_upload(lock, issued)
    known = KnownLock(lock.serial, lock.public_key, report_counter=None)

    assert reason(lambda: check(report_upload(forger, issued), issued)) == "untrusted_lock"
    # Replays: the same counter again, and the nonce once used.
    evidence = check(good, issued, known)
    after = replace(known, report_counter=evidence.counter)
    assert reason(lambda: check(good, issued, after)) == "counter_replayed"
    assert reason(lambda: check(good, replace(issued, used=True), known)) == "nonce_reused"
    # Lock A's report claimed as lock B (serial, lock id, or B's key on record).
    as_b = replace(good, serial=other.serial)
    assert reason(lambda: check(as_b, issued)) == "wrong_lock"
    assert reason(lambda: check(replace(good, lock_id=other.lock_id), issued)) == "wrong_lock"
    b_key = KnownLock(lock.serial, other.public_key)
    assert reason(lambda: check(good, issued, b_key)) == "wrong_lock"
    # A nonce issued for another lock's visit.
    assert reason(lambda: check(good, replace(issued, lock_serial=other.serial))) == "wrong_lock"
    # Nonces the server never issued, or issued for something else.
    assert reason(lambda: check(good, None)) == "unknown_nonce"
    foreign = replace(issued, nonce=os.urandom(16))
    assert reason(lambda: check(good, foreign)) == "unknown_nonce"
    assert reason(lambda: check(good, replace(issued, purpose=PURPOSE_PAIRING_TICKET))) == (
        "unknown_nonce"
    )


@pytest.mark.parametrize(
    ("signed_at", "expected"),
    [
        (NOW - 60 - 121, "nonce_expired"),  # before the nonce was issued (beyond clock skew)
        (NOW - 60 + VISIT_S + 121, "nonce_expired"),  # after its window closed
    ],
)
def test_a_report_signed_outside_the_nonce_window_is_stale(signed_at: float, expected: str) -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    issued = nonce_for(lock)
    upload = report_upload(lock, issued, at=signed_at)
    assert reason(lambda: check(upload, issued, now=max(NOW, signed_at))) == expected


def test_the_window_edges_are_inclusive_within_clock_skew() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    issued = nonce_for(lock)
    for at in (NOW - 60 - 119, NOW - 60 + VISIT_S + 119):
        check(report_upload(lock, issued, at=at), issued, now=at)


def test_evidence_signed_after_the_revocation_is_refused_and_before_it_counts() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    revoked = nonce_for(lock, revoked_at=NOW)
    # Signed at the moment of the revocation or before (uploaded later): believed.
    check(report_upload(lock, revoked, at=NOW), revoked, now=NOW + 3600)
    check(report_upload(lock, revoked, at=NOW - 1), revoked, now=NOW + 3600)
    # Signed a second after: refused, with the reason in both languages.
    after = report_upload(lock, revoked, at=NOW + 1)
    assert reason(lambda: check(after, revoked, now=NOW + 2)) == "credential_revoked"


def test_uploads_after_the_grace_period_are_refused() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    issued = nonce_for(lock)
    upload = report_upload(lock, issued)
    late = NOW + VISIT_S + 15 * 24 * 3600
    assert reason(lambda: check(upload, issued, now=late)) == "nonce_expired"


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_changed_byte_is_refused(data: st.DataObject) -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    issued = nonce_for(lock)
    upload = report_upload(lock, issued)
    position = data.draw(st.integers(0, len(upload.data) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = bytearray(upload.data)
    tampered[position] ^= flip
    with pytest.raises(LockEvidenceRejected):
        check(replace(upload, data=bytes(tampered)), issued, KnownLock(lock.serial))


def ticket_and_nonce(server: SigningKey = SERVER) -> tuple[bytes, IssuedNonce]:
    nonce = os.urandom(16)
    ticket = issue_pairing_ticket(
        server,
        operator_certificate=operator_certificate(AUTHORITY, server.public_key),
        organisation_id=str(uuid.uuid4()),
        customer_id=CUSTOMER_ID,
        fitter_id=str(uuid.uuid4()),
        server_nonce=nonce,
        issued_at=int(NOW - 30),
        lifetime_seconds=600,
    )
    issued = IssuedNonce(
        nonce=nonce,
        purpose=PURPOSE_PAIRING_TICKET,
        order_id=ORDER_ID,
        customer_id=CUSTOMER_ID,
        lock_serial=None,
        issued_at=NOW - 30,
        expires_at=NOW - 30 + 600,
        used=False,
        ticket_hash=ticket_hash(ticket),
    )
    return ticket, issued


def pair_check(upload: Upload, issued: IssuedNonce | None, known: KnownLock | None = None):
    return verify_pairing(
        upload,
        authorities=[AUTHORITY.public_key],
        server_public_key=SERVER.public_key,
        known=known,
        nonce=issued,
        now=NOW,
    )


def test_a_genuine_pairing_receipt_binds_the_lock_to_the_ticket_customer() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    ticket, issued = ticket_and_nonce()
    receipt = lock.pair(ticket, NOW)
    upload = Upload(PAIRING_RECEIPT, lock.serial, lock.lock_id, receipt, ticket=ticket)
    assert upload_nonce(upload) == issued.nonce
    evidence = pair_check(upload, issued, KnownLock(lock.serial))
    assert evidence.customer_id == uuid.UUID(CUSTOMER_ID).bytes
    assert evidence.public_key == lock.public_key and evidence.pairing_id is not None


def test_pairing_receipts_under_foreign_tickets_or_reused_nonces_are_refused() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    ticket, issued = ticket_and_nonce()
    receipt = lock.pair(ticket, NOW)
    upload = Upload(PAIRING_RECEIPT, lock.serial, lock.lock_id, receipt, ticket=ticket)
    assert reason(lambda: pair_check(upload, replace(issued, used=True))) == "nonce_reused"
    assert reason(lambda: pair_check(upload, None)) == "unknown_nonce"
    other_hash = replace(issued, ticket_hash=os.urandom(32))
    assert reason(lambda: pair_check(upload, other_hash)) == "ticket_not_ours"
    assert reason(lambda: pair_check(replace(upload, serial="LW-B0002"), issued)) == "wrong_lock"
    # A ticket from another server (vouched for by the same factory) is not ours.
    stranger = SigningKey(os.urandom(32))
    foreign_ticket, foreign_issued = ticket_and_nonce(stranger)
    other_lock = SimulatedLock(AUTHORITY, "LW-C0003")
    foreign = Upload(
        PAIRING_RECEIPT,
        other_lock.serial,
        other_lock.lock_id,
        other_lock.pair(foreign_ticket, NOW),
        ticket=foreign_ticket,
    )
    assert reason(lambda: pair_check(foreign, foreign_issued)) == "ticket_not_ours"
    # A receipt for one ticket presented with another of our tickets.
    second_ticket, second_issued = ticket_and_nonce()
    swapped = replace(upload, ticket=second_ticket)
    assert reason(lambda: pair_check(swapped, second_issued)) in {"unknown_nonce", "bad_signature"}


def test_unpair_receipts_are_believed_only_from_the_key_on_record_once() -> None:
    lock = SimulatedLock(AUTHORITY, "LW-A0001")
    ticket, _issued = ticket_and_nonce()
    lock.pair(ticket, NOW)
    staff = SigningKey(os.urandom(32))
    credential = issue_staff_credential(
        SERVER,
        StaffCredential(
            credential_id=os.urandom(16),
            lock_id=lock.lock_id,
            staff_public_key=staff.public_key,
            valid_from=int(NOW - 60),
            valid_to=int(NOW + 3600),
            allowed_commands=frozenset({Command.UNPAIR}),
            epoch=0,
        ),
    )
    token = issue_unbind_token(SERVER, lock.lock_id, lock.core.state.pairing_id, int(NOW), 600)
    receipt = lock.unpair(staff, credential, token, NOW)
    upload = Upload(UNPAIR_RECEIPT, lock.serial, lock.lock_id, receipt)
    issued = nonce_for(lock, credential_hash=credential_hash(credential))
    known = KnownLock(lock.serial, lock.public_key, command_counter=None)

    def unpair(upload: Upload, known: KnownLock | None, issued: IssuedNonce | None):
        return verify_unpair(upload, known=known, credential=issued, now=NOW)

    evidence = unpair(upload, known, issued)
    assert evidence.counter == 1 and evidence.public_key == lock.public_key
    replayed = replace(known, command_counter=evidence.counter)
    assert reason(lambda: unpair(upload, replayed, issued)) == "counter_replayed"
    impostor = KnownLock(lock.serial, SigningKey(os.urandom(32)).public_key)
    assert reason(lambda: unpair(upload, impostor, issued)) == "bad_signature"
    assert reason(lambda: unpair(upload, None, issued)) == "wrong_lock"
    other_credential = replace(issued, credential_hash=os.urandom(32))
    assert reason(lambda: unpair(upload, known, other_credential)) == "wrong_lock"
    assert reason(lambda: unpair(upload, known, None)) == "unknown_nonce"
    tampered = bytearray(receipt)
    tampered[-70] ^= 0x01
    assert reason(lambda: unpair(replace(upload, data=bytes(tampered)), known, issued)) in {
        "bad_signature",
        "malformed",
    }
