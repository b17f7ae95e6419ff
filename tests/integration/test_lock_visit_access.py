"""The server's half of "a key only for the visit, a pairing only for its order" (issue 18),
through the real HTTP and sync API on both engines:

- staff credentials are signed for the booked visit's window and in the lock's current
  revocation epoch, with a signed minimum epoch for the gateway to push; tickets and unbind
  tokens come only inside the window;
- cancelling, completing, rebooking or reassigning an order revokes what was issued for it:
  the lock's epoch rises in the same transaction, the audit trail says so, and evidence the
  lock signed afterwards is refused (what it signed before still counts);
- evidence and receipts for an order that is no longer a booked visit are refused;
- a lock is paired only on its own order: an installation pairs the lock it names (or a new
  one), a service visit pairs a new lock only after the explicit replacement step, which
  records the old lock's removal and unbinds it from the customer.

Locks are the real lock firmware core (tests/lock_helpers.py); nothing of the server is mocked.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.sync_client import SyncClient
from lock_protocol.credentials import EpochUpdate, StaffCredential, open_statement
from lock_protocol.crypto import SigningKey
from server.locks.authority import server_signing_key
from server.locks.tables import Lock, LockIssuance
from server.locks.visit_window import VISIT_MARGIN_S
from server.secrets_box import SecretBox
from tests.conftest import TEST_SECRET
from tests.integration.lock_visit import (
    booked_order,
    credential,
    push_one,
    transition,
    trusting,
)
from tests.integration.world import World, assign
from tests.lock_helpers import SimulatedLock

pytestmark = pytest.mark.asyncio

PLANNED = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # booked_order's default, 60 min
SERVER_KEY = server_signing_key(SecretBox(TEST_SECRET))


@pytest.fixture
def factory() -> SigningKey:
    return SigningKey(os.urandom(32))


@pytest.fixture
def settings(settings, factory):  # type: ignore[no-untyped-def]
    return trusting(settings, factory)


def gateway_of(client: Any, name: str, world: World) -> SyncClient:
    return SyncClient(http=client, headers=world[name].headers, device=f"gateway-{name}")


def now_of(client: Any) -> float:
    return float(client.app.state["services"].clock.now().timestamp())


async def events(client: Any, world: World, order_id: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/api/orders/{order_id}/events", headers=world["planner_1"].headers)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def book_service(
    client: Any, world: World, *, planned: datetime = PLANNED, start: bool = True
) -> str:
    """The world's service order on customer A's lock (order_a, fitter_1's), booked."""
    order_id = world.ids["order_a"]
    steps: list[dict[str, Any]] = [
        {"action": "schedule", "planned_start": planned.isoformat(), "estimate_minutes": 60},
        {"action": "confirm"},
    ]
    if start:
        steps.append({"action": "start"})
    for step in steps:
        answer = await transition(client, world["fitter_1"], order_id, **step)
        assert answer.status_code == 201, answer.text
    return str(order_id)


async def epoch_of(serial: str) -> int:
    row = await Lock.select(Lock.credential_epoch).where(Lock.serial == serial).first()
    assert row is not None
    return int(row["credential_epoch"])


async def test_credentials_are_signed_for_the_visit_window_in_the_locks_epoch(
    client, world, factory, clock
) -> None:
    lock = SimulatedLock(factory, "LW-00A1")
    order_id = await booked_order(client, world, "battery", lock_id=world.ids["lock_a"])
    granted = await credential(
        client, world["fitter_1"], order_id, lock.serial, lock.core.certificate
    )
    assert granted.status_code == 201, granted.text
    body = granted.json()
    signed = open_statement(
        StaffCredential, bytes.fromhex(body["credential"]), SERVER_KEY.public_key
    )
    start = int(PLANNED.timestamp())
    assert (signed.valid_from, signed.valid_to) == (
        start - VISIT_MARGIN_S,
        start + 60 * 60 + VISIT_MARGIN_S,
    )
    assert signed.epoch == body["epoch"] == 0
    update = open_statement(EpochUpdate, bytes.fromhex(body["epoch_update"]), SERVER_KEY.public_key)
    assert update.lock_id == lock.lock_id and update.min_epoch == 0

    # After the window: nothing more for this visit.
    clock.set(PLANNED + timedelta(minutes=60) + timedelta(seconds=VISIT_MARGIN_S + 1))
    late = await credential(client, world["fitter_1"], order_id, lock.serial)
    assert late.status_code == 409 and late.json()["code"] == "outside_visit_window"
    assert late.json()["message_sv"]

    # A visit later the same day: the credential may be fetched ahead (signed for its window,
    # which the lock enforces); a ticket (ten minutes) only inside it.
    clock.set(PLANNED)
    later = PLANNED + timedelta(hours=3)
    service = await book_service(client, world, planned=later, start=False)
    ahead = await credential(client, world["fitter_1"], service, lock.serial)
    assert ahead.status_code == 201, ahead.text
    signed = open_statement(
        StaffCredential, bytes.fromhex(ahead.json()["credential"]), SERVER_KEY.public_key
    )
    assert signed.valid_from == int(later.timestamp()) - VISIT_MARGIN_S > now_of(client)
    early = await client.post(
        f"/api/orders/{service}/pairing-ticket", headers=world["fitter_1"].headers
    )
    assert early.status_code == 409 and early.json()["code"] == "outside_visit_window"


async def test_cancel_complete_rebook_and_reassign_revoke_what_was_issued(
    client, world, factory, clock
) -> None:
    fitter = world["fitter_1"]
    lock = SimulatedLock(factory, "LW-00A1")
    cancelled = await booked_order(client, world, "battery", lock_id=world.ids["lock_a"])
    granted = await credential(client, fitter, cancelled, lock.serial, lock.core.certificate)
    assert granted.json()["epoch"] == 0
    refused = await transition(
        client, world["planner_1"], cancelled, action="cancel", reason="The customer moved."
    )
    assert refused.status_code == 201, refused.text
    assert await epoch_of(lock.serial) == 1
    revoked = [
        e for e in await events(client, world, cancelled) if e["action"] == "lock_access_revoked"
    ]
    assert [e["changes"] for e in revoked] == [{"serials": [lock.serial], "reason": "cancel"}]
    rows = await LockIssuance.select().where(LockIssuance.order_id == cancelled)
    assert rows and all(row["revoked_at"] is not None for row in rows)
    again = await credential(client, fitter, cancelled, lock.serial)
    assert again.status_code == 409 and again.json()["code"] == "order_not_ready"

    # The next visit's credential is in the new epoch; the update it brings revokes the old.
    service = await book_service(client, world)
    first = await credential(client, fitter, service, lock.serial)
    assert first.json()["epoch"] == 1
    update = open_statement(
        EpochUpdate, bytes.fromhex(first.json()["epoch_update"]), SERVER_KEY.public_key
    )
    assert update.min_epoch == 1
    nonce_before = bytes.fromhex(first.json()["server_nonce"])
    report_before = lock.report(nonce_before, now_of(client))
    second = await credential(client, fitter, service, lock.serial)
    nonce_after = bytes.fromhex(second.json()["server_nonce"])

    # Reassigned to a colleague: fitter_1's credentials are revoked.
    clock.set(PLANNED + timedelta(minutes=5))
    await assign(client, world["planner_1"], service, world["fitter_1b"])
    assert await epoch_of(lock.serial) == 2
    colleague = await credential(client, world["fitter_1b"], service, lock.serial)
    assert colleague.status_code == 201 and colleague.json()["epoch"] == 2
    gone = await credential(client, fitter, service, lock.serial)
    assert gone.status_code == 404
    # What the lock signed before the reassignment still counts; what it signed after does not.
    clock.set(PLANNED + timedelta(minutes=6))
    gateway = gateway_of(client, "fitter_1", world)
    before = await push_one(
        gateway,
        lock.upload_args("lock_report", report_before, server_nonce=nonce_before, ticket=None),
    )
    assert before["status"] == "applied", before
    after = await push_one(
        gateway,
        lock.upload_args(
            "lock_report",
            lock.report(nonce_after, now_of(client)),
            server_nonce=nonce_after,
            ticket=None,
        ),
    )
    assert after["status"] == "rejected" and after["message_sv"], after
    assert "revoked" in after["message"]

    # Rebooking the visit (a new time) and completing it revoke as well.
    await assign(client, world["planner_1"], service, fitter)
    rebooked = await booked_order(
        client, world, "inspection", lock_id=world.ids["lock_a"], started=False
    )
    await credential(client, fitter, rebooked, lock.serial)
    epoch = await epoch_of(lock.serial)
    moved = await transition(
        client, fitter, rebooked, action="schedule",
        planned_start=(PLANNED + timedelta(hours=2)).isoformat(),
    )  # fmt: skip
    # A confirmed visit moved to a new time (issue 16) takes its lock access with it.
    assert moved.status_code == 201, moved.text
    assert await epoch_of(lock.serial) == epoch + 1
    await credential(client, fitter, service, lock.serial)
    done = await transition(
        client,
        fitter,
        service,
        action="complete",
        completion={"work_done": "Serviced.", "minutes_spent": 30},
        override_reason="Test of the revocation on completion.",
    )
    assert done.status_code == 201, done.text
    assert await epoch_of(lock.serial) == epoch + 2


async def test_evidence_and_receipts_of_a_cancelled_order_are_refused(
    client, world, factory
) -> None:
    fitter = world["fitter_1"]
    order_id = await booked_order(client, world, "installation")
    issued = await client.post(f"/api/orders/{order_id}/pairing-ticket", headers=fitter.headers)
    assert issued.status_code == 201, issued.text
    ticket = bytes.fromhex(issued.json()["ticket"])
    lock = SimulatedLock(factory, "LW-NEW0001")
    receipt = lock.pair(ticket, now_of(client))  # paired offline, before the cancellation
    cancelled = await transition(
        client, world["planner_1"], order_id, action="cancel", reason="Ordered by mistake."
    )
    assert cancelled.status_code == 201, cancelled.text
    result = await push_one(
        gateway_of(client, "fitter_1", world),
        lock.upload_args("pairing_receipt", receipt, ticket=ticket),
    )
    assert result["status"] == "rejected" and result["code"] == "lock_report_rejected", result
    assert "no longer booked" in result["message"] and result["message_sv"]
    assert not await Lock.exists().where(Lock.serial == lock.serial)
    order = await client.get(f"/api/orders/{order_id}", headers=fitter.headers)
    assert order.json()["lock_id"] is None


async def test_an_installation_pairs_only_its_own_lock(client, world, factory) -> None:
    fitter = world["fitter_1"]
    # The unit to fit, already delivered to the customer (as the demo's installations).
    named = Lock(serial="LW-FIT01", model="D1", customer=world.ids["customer_a"])
    await named.save()
    order_id = await booked_order(client, world, "installation", lock_id=str(named.id))
    path = f"/api/orders/{order_id}/pairing-ticket"
    other = await client.post(path, json={"serial": "LW-OTHER1"}, headers=fitter.headers)
    assert other.status_code == 409 and other.json()["code"] == "wrong_lock_for_order"
    assert "LW-FIT01" in other.json()["message"] and other.json()["message_sv"]
    elsewhere = await booked_order(client, world, "installation")
    at_b = await client.post(
        f"/api/orders/{elsewhere}/pairing-ticket",
        json={"serial": "LW-00B1"},
        headers=fitter.headers,
    )
    assert at_b.status_code == 409 and at_b.json()["code"] == "lock_installed_elsewhere"

    # A ticket asked for without a serial names the order's lock; a receipt of another lock
    # is refused when it arrives, and the order keeps its lock.
    issued = await client.post(path, headers=fitter.headers)
    assert issued.status_code == 201, issued.text
    assert issued.json()["lock_serial"] == "LW-FIT01" and issued.json()["kind"] == "installation"
    ticket = bytes.fromhex(issued.json()["ticket"])
    intruder = SimulatedLock(factory, "LW-OTHER1")
    result = await push_one(
        gateway_of(client, "fitter_1", world),
        intruder.upload_args(
            "pairing_receipt", intruder.pair(ticket, now_of(client)), ticket=ticket
        ),
    )
    assert result["status"] == "rejected" and result["code"] == "wrong_lock_for_order", result
    order = await client.get(f"/api/orders/{order_id}", headers=fitter.headers)
    assert order.json()["lock_id"] == str(named.id)
    assert not await Lock.exists().where(Lock.serial == intruder.serial)


async def test_a_service_visit_pairs_a_new_lock_only_after_the_replacement_step(
    client, world, factory
) -> None:
    fitter = world["fitter_1"]
    order_id = await book_service(client, world)
    path = f"/api/orders/{order_id}/pairing-ticket"
    new = SimulatedLock(factory, "LW-NEW0002")
    refused = await client.post(path, json={"serial": new.serial}, headers=fitter.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "lock_replacement_required"
    # A receipt of another lock on the service order is refused too.
    issued = await client.post(path, headers=fitter.headers)
    ticket = bytes.fromhex(issued.json()["ticket"])
    gateway = gateway_of(client, "fitter_1", world)
    early = await push_one(
        gateway, new.upload_args("pairing_receipt", new.pair(ticket, now_of(client)), ticket=ticket)
    )
    assert early["status"] == "rejected" and early["code"] == "lock_replacement_required"

    # The replacement step: only the assigned fitter, naming the order's lock, with a reason.
    replace = f"/api/orders/{order_id}/lock-replacement"
    body = {"serial": "LW-00A1", "reason": "The motor is broken."}
    assert (
        await client.post(replace, json=body, headers=world["fitter_1b"].headers)
    ).status_code == 404
    assert (
        await client.post(replace, json=body, headers=world["planner_1"].headers)
    ).status_code == 403
    wrong = await client.post(replace, json={**body, "serial": "LW-00B1"}, headers=fitter.headers)
    assert wrong.status_code == 400 and wrong.json()["field"] == "serial"
    blank = await client.post(replace, json={**body, "reason": "  "}, headers=fitter.headers)
    assert blank.status_code == 400 and blank.json()["field"] == "reason"
    done = await client.post(replace, json=body, headers=fitter.headers)
    assert done.status_code == 201, done.text
    old = await client.get(f"/api/locks/{world.ids['lock_a']}", headers=world["planner_1"].headers)
    assert old.json()["state"] == "removed" and old.json()["customer_id"] is None
    replaced = [e for e in await events(client, world, order_id) if e["action"] == "lock_replaced"]
    assert len(replaced) == 1 and replaced[0]["changes"] == {"removed_serial": "LW-00A1"}
    assert replaced[0]["note"] == "The motor is broken."
    twice = await client.post(replace, json=body, headers=fitter.headers)
    assert twice.status_code == 409 and twice.json()["code"] == "lock_already_replaced"
    assert await epoch_of("LW-00A1") == 1

    # Now the new lock pairs on the order and becomes its lock, at the customer.
    issued = await client.post(path, json={"serial": new.serial}, headers=fitter.headers)
    assert issued.status_code == 201, issued.text
    assert issued.json()["lock_serial"] is None
    fresh = SimulatedLock(factory, new.serial)  # the same serial, factory-new: a spare unit
    ticket = bytes.fromhex(issued.json()["ticket"])
    paired = await push_one(
        gateway,
        fresh.upload_args("pairing_receipt", fresh.pair(ticket, now_of(client)), ticket=ticket),
    )
    assert paired["status"] == "applied", paired
    order = await client.get(f"/api/orders/{order_id}", headers=fitter.headers)
    lock = await client.get(f"/api/locks/{order.json()['lock_id']}", headers=fitter.headers)
    assert lock.json()["serial"] == new.serial
    assert lock.json()["customer_id"] == world.ids["customer_a"]
    assert lock.json()["state"] == "installed"
