"""The server's verifiers: lock reports and pairing receipts under forgery and tampering."""

from __future__ import annotations

import pytest

from lock_protocol.codes import FaultCode, PairingState, StatusCode
from lock_protocol.credentials import issue_factory_certificate, verify_factory_certificate
from lock_protocol.crypto import lock_id_for
from lock_protocol.errors import ProtocolError, ReportRejectedError
from lock_protocol.lock_core import LockCore, manufacture
from lock_protocol.pairing import PairingClient, issue_pairing_ticket, verify_pairing_receipt
from lock_protocol.reports import LockReport, ReportValues, sign_report, verify_report
from lock_protocol.timing import CLOCK_SKEW_SECONDS, REPORT_MAX_AGE_SECONDS
from tests.unit.protocol.protocol_world import (
    CUSTOMER_ID,
    FITTER_ID,
    ORG_ID,
    T0,
    DeterministicRandom,
    World,
    key,
)

VALUES = ReportValues(battery_mv=2950, battery_percent=61, firmware="1.4.2")


@pytest.fixture
def world() -> World:
    return World("reports")


def _verify(world: World, report: bytes, nonce: bytes, last: int | None = None, now: float = T0):
    return verify_report(
        report, world.authority.public_key, world.core.public_key, last, nonce, now
    )


def _rejected(call: object) -> StatusCode:
    assert callable(call)
    with pytest.raises(ReportRejectedError) as info:
        call()
    return info.value.status


def test_genuine_report_is_verified_by_lock(world: World) -> None:
    nonce = world.rng(16)
    verified = _verify(world, world.core.make_report(nonce, T0, VALUES), nonce)
    assert verified.serial == "LW2026A0001F"
    assert verified.report.values == VALUES
    assert verified.report.pairing_state is PairingState.PAIRED
    assert verified.counter == 1


def test_expected_lock_may_be_given_as_certificate(world: World) -> None:
    nonce = world.rng(16)
    report = world.core.make_report(nonce, T0, VALUES)
    certificate = verify_factory_certificate(world.core.certificate, world.authority.public_key)
    args = (world.authority.public_key,)
    assert verify_report(report, *args, certificate, None, nonce, T0).counter == 1
    assert verify_report(report, *args, world.core.certificate, None, nonce, T0).counter == 1


def test_every_mutated_byte_is_rejected(world: World) -> None:
    nonce = world.rng(16)
    report = world.core.make_report(nonce, T0, VALUES)
    for index in range(len(report)):
        for mask in (0x01, 0xFF):
            mutated = bytearray(report)
            mutated[index] ^= mask
            with pytest.raises(ReportRejectedError):
                _verify(world, bytes(mutated), nonce)
    for cut in range(len(report)):
        with pytest.raises(ReportRejectedError):
            _verify(world, report[:cut], nonce)
    with pytest.raises(ReportRejectedError):
        _verify(world, report + b"\x00", nonce)


def test_replayed_report_counter_must_grow(world: World) -> None:
    nonce = world.rng(16)
    first = world.core.make_report(nonce, T0, VALUES)
    second = world.core.make_report(nonce, T0 + 5, VALUES)
    assert _verify(world, first, nonce).counter == 1
    assert _rejected(lambda: _verify(world, first, nonce, last=1)) is (
        StatusCode.COUNTER_NOT_INCREASING
    )
    assert _verify(world, second, nonce, last=1).counter == 2
    assert _rejected(lambda: _verify(world, first, nonce, last=2)) is (
        StatusCode.COUNTER_NOT_INCREASING
    )


def test_stale_server_nonce_is_rejected(world: World) -> None:
    old_nonce, new_nonce = world.rng(16), world.rng(16)
    report = world.core.make_report(old_nonce, T0, VALUES)
    assert _rejected(lambda: _verify(world, report, new_nonce)) is StatusCode.STALE_SERVER_NONCE


def test_report_from_another_lock_is_rejected(world: World) -> None:
    other = World("other-lock", serial="LW2026B0002X")
    nonce = world.rng(16)
    report = other.core.make_report(nonce, T0, VALUES)
    assert _rejected(lambda: _verify(world, report, nonce)) is StatusCode.WRONG_LOCK


def test_report_signed_by_a_key_with_a_self_made_certificate_is_rejected(world: World) -> None:
    mallory_authority = key("mallory-factory")
    forged_state = manufacture("LW2026A0001F", mallory_authority, DeterministicRandom("m"))
    forged = LockCore(forged_state, lambda _data: None).make_report(bytes(16), T0, VALUES)
    assert _rejected(lambda: _verify(world, forged, bytes(16))) is StatusCode.BAD_SIGNATURE


def test_report_with_the_genuine_certificate_but_a_foreign_signature_is_rejected(
    world: World,
) -> None:
    nonce = world.rng(16)
    body = LockReport(
        lock_id=world.lock_id,
        counter=99,
        lock_time=int(T0),
        server_nonce=nonce,
        pairing_state=PairingState.PAIRED,
        pairing_id=bytes(16),
        values=ReportValues(3600, 100, "9.9.9", (FaultCode.NONE,)),
    )
    forged = sign_report(key("mallory"), world.core.certificate, body)
    assert _rejected(lambda: _verify(world, forged, nonce)) is StatusCode.BAD_SIGNATURE


def test_report_naming_another_lock_id_is_rejected(world: World) -> None:
    # A genuine certificate for a key the attacker holds cannot exist; but even a correctly
    # signed report must name the lock id of its own certificate.
    authority = world.authority
    lock_key = key("some-lock")
    certificate = issue_factory_certificate(authority, "LW2026C0003Y", lock_key.public_key)
    nonce = bytes(16)
    body = LockReport(
        lock_id=world.lock_id,  # claims to be the victim lock
        counter=1,
        lock_time=int(T0),
        server_nonce=nonce,
        pairing_state=PairingState.PAIRED,
        pairing_id=bytes(16),
        values=VALUES,
    )
    report = sign_report(lock_key, certificate, body)
    status = _rejected(
        lambda: verify_report(report, authority.public_key, lock_key.public_key, None, nonce, T0)
    )
    assert status is StatusCode.WRONG_LOCK
    assert lock_id_for(lock_key.public_key) != world.lock_id


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (CLOCK_SKEW_SECONDS - 1, True),
        (CLOCK_SKEW_SECONDS + 1, False),
        (-REPORT_MAX_AGE_SECONDS + 1, True),
        (-REPORT_MAX_AGE_SECONDS - 1, False),
    ],
)
def test_report_lock_time_bounds(world: World, offset: float, accepted: bool) -> None:
    nonce = world.rng(16)
    report = world.core.make_report(nonce, T0 + offset, VALUES)
    if accepted:
        assert _verify(world, report, nonce).counter == 1
    else:
        assert _rejected(lambda: _verify(world, report, nonce)) is (
            StatusCode.LOCK_TIME_OUT_OF_RANGE
        )


def _pair(world: World) -> tuple[bytes, bytes]:
    ticket = world.ticket(T0)
    world.core.open_pairing_window(T0)
    client = PairingClient(
        ticket, factory_authority_public_key=world.authority.public_key, rng=world.rng
    )
    challenge = world.core.pair_begin(client.begin(), T0, world.rng)
    receipt = world.core.pair_finish(client.on_challenge(challenge.payload), T0)
    return ticket, receipt.payload


def test_pairing_receipt_verifies_and_every_mutation_is_rejected() -> None:
    world = World("pairing-receipt", paired=False)
    ticket, receipt = _pair(world)
    authority = world.authority.public_key
    verified = verify_pairing_receipt(
        receipt, factory_authority_public_key=authority, ticket_bytes=ticket, now=T0
    )
    assert verified.certificate.public_key == world.core.public_key
    for index in range(len(receipt)):
        mutated = bytearray(receipt)
        mutated[index] ^= 0x01
        with pytest.raises(ReportRejectedError):
            verify_pairing_receipt(
                bytes(mutated), factory_authority_public_key=authority, ticket_bytes=ticket, now=T0
            )


def test_pairing_receipt_for_another_ticket_is_rejected() -> None:
    world = World("pairing-receipt-2", paired=False)
    _ticket, receipt = _pair(world)
    other_ticket = issue_pairing_ticket(
        world.server,
        operator_certificate=b"",
        organisation_id=ORG_ID,
        customer_id=CUSTOMER_ID,
        fitter_id=FITTER_ID,
        server_nonce=bytes(range(16)),
        issued_at=int(T0),
    )
    with pytest.raises(ReportRejectedError):
        verify_pairing_receipt(
            receipt,
            factory_authority_public_key=world.authority.public_key,
            ticket_bytes=other_ticket,
            now=T0,
        )


def test_verifiers_raise_only_protocol_errors_on_garbage(world: World) -> None:
    rng = DeterministicRandom("garbage")
    for size in range(0, 400, 7):
        blob = rng(size)
        with pytest.raises(ProtocolError):
            _verify(world, blob, bytes(16))
        with pytest.raises(ProtocolError):
            verify_pairing_receipt(
                blob,
                factory_authority_public_key=world.authority.public_key,
                ticket_bytes=blob,
                now=T0,
            )
