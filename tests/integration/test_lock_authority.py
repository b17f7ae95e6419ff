"""The lock authority through the real HTTP and sync API: tickets and credentials for the
assigned fitter only, lock-signed evidence verified and stored once, the completion guard.

Locks are the real lock firmware core (tests/lock_helpers.py) from a test factory authority
the server is configured to trust; nothing of the server is mocked.
"""

from __future__ import annotations

import os
import uuid

import pytest

from gateway.sync_client import SyncClient
from lock_protocol.crypto import SigningKey, lock_id_for
from server.locks.authority import server_signing_key
from server.secrets_box import SecretBox
from tests.conftest import TEST_SECRET
from tests.integration.lock_visit import (
    COMPLETION,
    booked_order,
    credential,
    push_one,
    transition,
    trusting,
)
from tests.lock_helpers import SimulatedLock

pytestmark = pytest.mark.asyncio


@pytest.fixture
def factory() -> SigningKey:
    return SigningKey(os.urandom(32))


@pytest.fixture
def settings(settings, factory):  # type: ignore[no-untyped-def]
    return trusting(settings, factory)


def gateway_of(client, actor) -> SyncClient:  # type: ignore[no-untyped-def]
    return SyncClient(http=client, headers=actor.headers, device=f"gateway-{actor.name}")


def now_of(client) -> float:  # type: ignore[no-untyped-def]
    return client.app.state["services"].clock.now().timestamp()


async def test_lock_authority_names_the_keys(client, world, factory) -> None:
    response = await client.get("/api/lock-authority", headers=world["fitter_1"].headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["server_public_key"] == server_signing_key(SecretBox(TEST_SECRET)).public_key.hex()
    assert body["factory_authority_public_keys"] == [factory.public_key.hex()]
    assert body["operator_certificate"]
    for name in ("orderer_a", "orderer_b"):
        refused = await client.get("/api/lock-authority", headers=world[name].headers)
        assert refused.status_code == 403


async def test_installation_pairs_reports_and_completes_without_override(
    client, world, factory
) -> None:
    fitter = world["fitter_1"]
    order_id = await booked_order(client, world, "installation")
    ticket = await client.post(f"/api/orders/{order_id}/pairing-ticket", headers=fitter.headers)
    assert ticket.status_code == 201, ticket.text
    body = ticket.json()
    assert body["customer_id"] == world.ids["customer_a"] and body["order_id"] == order_id

    # Without lock evidence the order does not close.
    early = await transition(client, fitter, order_id, action="complete", completion=COMPLETION)
    assert early.status_code == 409, early.text

    lock = SimulatedLock(factory, "LW-NEW0001")
    now = now_of(client)
    receipt = lock.pair(bytes.fromhex(body["ticket"]), now)
    gateway = gateway_of(client, fitter)
    result = await push_one(
        gateway, lock.upload_args("pairing_receipt", receipt, ticket=bytes.fromhex(body["ticket"]))
    )
    assert result["status"] == "applied", result
    locks = await client.get(
        "/api/locks", params={"customer_id": world.ids["customer_a"]}, headers=fitter.headers
    )
    paired = next(item for item in locks.json()["items"] if item["serial"] == lock.serial)
    assert paired["state"] == "installed" and paired["customer_id"] == world.ids["customer_a"]
    assert paired["verified_by_lock"] is False  # paired, but no reading yet

    granted = await credential(client, fitter, order_id, lock.serial)
    assert granted.status_code == 201, granted.text
    grant = granted.json()
    assert grant["lock_id"] == lock.lock_id.hex() and "READ_REPORT" in grant["commands"]
    nonce = bytes.fromhex(grant["server_nonce"])
    report = lock.report(nonce, now, percent=93)
    result = await push_one(
        gateway, lock.upload_args("lock_report", report, server_nonce=nonce, ticket=None)
    )
    assert result["status"] == "applied", result
    shown = await client.get(f"/api/locks/{paired['id']}", headers=fitter.headers)
    assert shown.json()["verified_by_lock"] is True
    assert shown.json()["battery_percent"] == 93 and shown.json()["firmware"] == "2.1.0"
    reports = await client.get(f"/api/locks/{paired['id']}/reports", headers=fitter.headers)
    assert [r["kind"] for r in reports.json()["items"]] in (
        ["lock_report", "pairing_receipt"],
        ["pairing_receipt", "lock_report"],  # verified within the same (frozen) instant
    )
    reading = next(r for r in reports.json()["items"] if r["kind"] == "lock_report")
    assert reading["values"]["battery_percent"] == 93 and reading["order_id"] == order_id
    assert reading["received_via"] == "device:fitter_1-device"
    # The phone's copy (sync entity "lock") says the same.
    phone = gateway_of(client, fitter)
    await phone.pull()
    synced = phone.held("lock")[paired["id"]]
    assert synced["verified_by_lock"] is True and synced["battery_percent"] == 93
    assert synced["customer_id"] == world.ids["customer_a"]

    done = await transition(client, fitter, order_id, action="complete", completion=COMPLETION)
    assert done.status_code in {200, 201}, done.text
    order = await client.get(f"/api/orders/{order_id}", headers=fitter.headers)
    assert order.json()["status"] == "done"
    events = await client.get(f"/api/orders/{order_id}/events", headers=fitter.headers)
    actions = [event["action"] for event in events.json()]
    assert "lock_pairing_ticket" in actions and "lock_staff_credential" in actions
    assert "lock_pairing_receipt" in actions and "lock_lock_report" in actions
    assert not any(event["flagged"] for event in events.json())


async def test_a_battery_order_closes_on_a_report_from_its_own_lock(client, world, factory):
    fitter = world["fitter_1"]
    order_id = await booked_order(client, world, "battery", lock_id=world.ids["lock_a"])
    lock = SimulatedLock(factory, "LW-00A1")  # the lock at customer A, not yet known by key
    unknown = await credential(client, fitter, order_id, lock.serial)
    assert unknown.status_code == 409 and unknown.json()["code"] == "lock_identity_unknown"
    foreign = SimulatedLock(SigningKey(os.urandom(32)), "LW-00A1")
    forged = await credential(client, fitter, order_id, lock.serial, foreign.core.certificate)
    assert forged.status_code == 400
    granted = await credential(client, fitter, order_id, lock.serial, lock.core.certificate)
    assert granted.status_code == 201, granted.text
    assert granted.json()["lock_id"] == lock_id_for(lock.public_key).hex()
    nonce = bytes.fromhex(granted.json()["server_nonce"])
    gateway = gateway_of(client, fitter)
    report = lock.report(nonce, now_of(client), percent=12)
    args = lock.upload_args("lock_report", report, server_nonce=nonce, ticket=None)
    # A colleague's gateway cannot bring evidence for a nonce issued to fitter_1.
    colleague = await push_one(gateway_of(client, world["fitter_1b"]), dict(args))
    assert colleague["status"] == "rejected" and colleague["code"] == "lock_report_rejected"
    assert colleague["message_sv"]
    result = await push_one(gateway, {**args, "order_id": order_id})
    assert result["status"] == "applied", result
    done = await transition(client, fitter, order_id, action="complete", completion=COMPLETION)
    assert done.status_code in {200, 201}, done.text


async def test_issuance_is_for_the_assigned_fitter_on_a_booked_order(client, world) -> None:
    order_id = await booked_order(client, world, "installation", started=False)
    path = f"/api/orders/{order_id}/pairing-ticket"
    expected = {
        "fitter_1": 201,
        "fitter_1b": 404,  # a colleague does not see the order
        "fitter_2": 404,
        "orderer_a": 403,  # sees the order, may not pair locks
        "orderer_b": 404,
        "planner_1": 403,
        "planner_2": 404,
        "admin": 403,  # administrators do not stand at the door
    }
    got = {
        name: (await client.post(path, headers=world[name].headers)).status_code
        for name in expected
    }
    assert got == expected
    for body_path, body in (
        ("staff-credential", {"staff_public_key": "11" * 32, "serial": "LW-00A1"}),
        ("unbind-token", {"serial": "LW-00A1"}),
    ):
        for name in ("fitter_1b", "fitter_2", "orderer_b", "planner_2"):
            response = await client.post(
                f"/api/orders/{order_id}/{body_path}", json=body, headers=world[name].headers
            )
            assert response.status_code == 404, (body_path, name)
        for name in ("orderer_a", "planner_1", "admin"):
            response = await client.post(
                f"/api/orders/{order_id}/{body_path}", json=body, headers=world[name].headers
            )
            assert response.status_code == 403, (body_path, name)
    # Not for an order that is not booked, nor for another customer's lock.
    unbooked = await client.post(
        f"/api/orders/{world.ids['order_a']}/pairing-ticket", headers=world["fitter_1"].headers
    )
    assert unbooked.status_code == 409 and unbooked.json()["code"] == "order_not_ready"
    other_customer = await credential(client, world["fitter_1"], order_id, "LW-00B1")
    assert other_customer.status_code == 400 and other_customer.json()["field"] == "serial"
    # An installation order does not unpair locks.
    unbind = await client.post(
        f"/api/orders/{order_id}/unbind-token",
        json={"serial": "LW-00A1"},
        headers=world["fitter_1"].headers,
    )
    assert unbind.status_code == 409 and unbind.json()["code"] == "wrong_order_kind"


async def test_a_report_with_a_nonce_the_server_never_issued_is_refused(client, world, factory):
    lock = SimulatedLock(factory, "LW-00A1")
    nonce = os.urandom(16)
    report = lock.report(nonce, now_of(client))
    result = await push_one(
        gateway_of(client, world["fitter_1"]),
        {
            **lock.upload_args("lock_report", report, server_nonce=nonce, ticket=None),
            "order_id": str(uuid.uuid4()),
        },
    )
    assert result["status"] == "rejected" and "visit" in result["message"]


async def test_one_report_sent_by_two_gateways_at_once_is_stored_once(client, world, factory):
    """Two of the fitter's devices upload the same genuine report concurrently (different
    mutation ids, so the push deduplication does not apply): the nonce and the counter are
    claimed in the writing transaction, so exactly one gets in."""
    import asyncio

    from server.locks.tables import LockReport

    fitter = world["fitter_1"]
    order_id = await booked_order(client, world, "battery", lock_id=world.ids["lock_a"])
    lock = SimulatedLock(factory, "LW-00A1")
    granted = await credential(client, fitter, order_id, lock.serial, lock.core.certificate)
    nonce = bytes.fromhex(granted.json()["server_nonce"])
    args = lock.upload_args(
        "lock_report", lock.report(nonce, now_of(client)), server_nonce=nonce, ticket=None
    )
    phones = [gateway_of(client, fitter) for _ in range(4)]
    for phone in phones:
        await phone.register()
    results = await asyncio.gather(*(push_one(phone, dict(args)) for phone in phones))
    statuses = sorted(result["status"] for result in results)
    assert statuses == ["applied", "rejected", "rejected", "rejected"], results
    assert await LockReport.count().where(LockReport.order_id == order_id) == 1
