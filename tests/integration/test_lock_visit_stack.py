"""Issue 18, the door half, through the real processes: simulator, server (demo data) and
`lockwork-gateway serve` on loopback, the app's requests over HTTP.

- No booked visit, no door: an operation without an order, on a cancelled order (online, and
  offline afterwards), or before its visit's window is refused and the lock never moves.
- A revoked credential is refused by the lock once it has learnt the new minimum epoch: the
  order is reassigned, the new fitter's gateway pushes the epoch at its contact, and the old
  fitter's gateway, offline with the credential it cached, is refused by the lock itself.
- A cancelled order does not pair a lock online; a receipt from a pairing made offline with a
  ticket fetched before the cancellation is refused by the server.
- A lock is paired only on its own order: not on another lock's installation (the server
  refuses the ticket; offline the gateway refuses with its cached ticket), and on a service
  visit only after the explicit replacement step, which records the old lock's removal.

The door must not move in any refused case: every refusal checks the lock's command counter,
bolt and bolt movements (and its pairing state) from the simulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.demo import GOOD_CHECKLIST, SIMULATED_LOCK_SERIALS
from tests.integration.lock_stack_world import (
    FITTER,
    Api,
    Gateway,
    Stack,
    installation_order,
    lock_stack,
    lock_status,
    sim,
)

pytestmark = [pytest.mark.slow, pytest.mark.ble]

FIRST, SECOND, THIRD = SIMULATED_LOCK_SERIALS
PLANNER = "planerare"
ORDERERS = ("nord1", "syd1")  # one of them orders for each demo customer


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with lock_stack(tmp_path, SIMULATED_LOCK_SERIALS) as built:
        yield built


def door(stack: Stack, serial: str) -> dict[str, Any]:
    """What must not change when the lock refuses: its counters, bolt and pairing."""
    status = lock_status(stack.sim_dir, serial)
    return {
        key: status[key]
        for key in ("command_counter", "bolt", "bolt_movements", "motor_runs", "paired")
    }


def refused(record: dict[str, Any]) -> dict[str, Any]:
    assert record["state"] == "failed", record
    error: dict[str, Any] = record["error"]
    assert error["message_sv"] and error["message_en"], error
    return error


def paired_and_read(stack: Stack, gateway: Gateway, order_id: str, serial: str) -> None:
    """The fitter pairs the lock on its installation and reads its battery; both uploaded."""
    sim(stack.sim_dir, "pair-button", serial)
    paired = gateway.run("pair", order_id, serial)
    assert paired["state"] == "succeeded", paired["error"]
    sim(stack.sim_dir, "touch", serial)
    battery = gateway.run("battery", order_id, serial)
    assert battery["state"] == "succeeded", battery["error"]
    gateway.wait_uploaded()


def transition(api: Api, order_id: str, **body: Any) -> None:
    api.post(f"/api/orders/{order_id}/transitions", body, expect_status=201)


def cancel(stack: Stack, order_id: str) -> None:
    transition(Api(stack.server_url, PLANNER), order_id, action="cancel", reason="Avbokad.")


def service_order(stack: Stack, lock_id: str, planned: datetime) -> str:
    """A service order on the lock (at its customer), montor1's, booked at ``planned``."""
    fitter = Api(stack.server_url, FITTER)
    customer = fitter.get(f"/api/locks/{lock_id}")["customer_id"]
    body = {
        "kind": "service",
        "customer_id": customer,
        "lock_id": lock_id,
        "checklist": GOOD_CHECKLIST,
        "description": "Låset går inte att öppna från telefonen.",
    }
    for name in ORDERERS:  # the one of the customer's home-care provider may order
        orderer = Api(stack.server_url, name)
        placed = httpx.post(
            stack.server_url + "/api/orders",
            json=body,
            cookies=orderer.cookies,
            headers=orderer.headers,
        )
        if placed.status_code == 201:
            break
    assert placed.status_code == 201, placed.text
    order_id = str(placed.json()["id"])
    Api(stack.server_url, PLANNER).post(
        f"/api/orders/{order_id}/assignment", {"fitter_id": fitter.user["id"]}, expect_status=201
    )
    transition(
        fitter, order_id, action="schedule", planned_start=planned.isoformat(), estimate_minutes=60
    )
    transition(fitter, order_id, action="confirm")
    return order_id


def test_no_booked_visit_no_door(stack: Stack) -> None:
    fitter = Api(stack.server_url, FITTER)
    order_id, lock_id = installation_order(fitter, FIRST)
    _child, gateway = stack.gateway("montor1", serial=FIRST)
    paired_and_read(stack, gateway, order_id, FIRST)
    before = door(stack, FIRST)

    # A visit booked for later today: the key is not for now, online or with what is cached.
    later = service_order(stack, lock_id, datetime.now(UTC) + timedelta(hours=3))
    prepared = gateway.prepare(later)
    assert prepared.status_code == 200, prepared.text
    sim(stack.sim_dir, "touch", FIRST)
    assert refused(gateway.run("test", later))["code"] == "outside_visit_window"
    assert door(stack, FIRST) == before

    # No order named: nothing, whatever the gateway holds for the lock.
    for kind in ("test", "log", "diagnose"):
        sim(stack.sim_dir, "touch", FIRST)
        assert refused(gateway.run(kind))["code"] == "order_required"
    assert door(stack, FIRST) == before

    # The installation is cancelled: refused online; and the gateway forgot what it had cached
    # for it, so it is refused offline too.
    cancel(stack, order_id)
    sim(stack.sim_dir, "touch", FIRST)
    online = refused(gateway.run("test", order_id))
    assert online["code"] == "server_refused" and "booked" in online["message_en"]
    stack.server.kill()
    sim(stack.sim_dir, "touch", FIRST)
    assert refused(gateway.run("test", order_id))["code"] == "server_unreachable"
    assert refused(gateway.run("test", later))["code"] == "outside_visit_window"
    assert door(stack, FIRST) == before


def test_the_lock_refuses_a_revoked_credential_once_a_gateway_told_it(stack: Stack) -> None:
    fitter = Api(stack.server_url, FITTER)
    order_id, _lock_id = installation_order(fitter, FIRST)
    _first, first = stack.gateway("montor1", serial=FIRST)
    paired_and_read(stack, first, order_id, FIRST)  # montor1's gateway caches the credential

    # The planner gives the visit to montor2, whose gateway reads the lock: its credential is
    # in the lock's new epoch and the lock learns the new minimum at that contact.
    montor2 = Api(stack.server_url, "montor2")
    Api(stack.server_url, PLANNER).post(
        f"/api/orders/{order_id}/assignment", {"fitter_id": montor2.user["id"]}, expect_status=201
    )
    _second, second = stack.gateway("montor2", "montor2", serial=FIRST)
    sim(stack.sim_dir, "touch", FIRST)
    reading = second.run("battery", order_id)
    assert reading["state"] == "succeeded", reading["error"]

    # montor1's gateway, offline, still holds the old credential: the lock refuses it.
    stack.server.kill()
    before = door(stack, FIRST)
    sim(stack.sim_dir, "touch", FIRST)
    revoked = refused(first.run("test", order_id))
    assert revoked["code"] == "credential_revoked", revoked
    assert door(stack, FIRST) == before
    assert "pushing_revocations" in {p["step"] for p in reading["progress"]}
    assert lock_status(stack.sim_dir, FIRST)["min_epoch"] == 1
    # montor2's own credential still opens it, within the visit.
    sim(stack.sim_dir, "touch", FIRST)
    works = second.run("test", order_id)
    assert works["state"] == "succeeded", works["error"]
    assert door(stack, FIRST)["command_counter"] == before["command_counter"] + 1


def test_a_cancelled_order_pairs_no_lock(stack: Stack) -> None:
    fitter = Api(stack.server_url, FITTER)
    _child, gateway = stack.gateway("montor1", serial=FIRST)

    # Online: the server is asked first and refuses; the ticket cached in the car park is not
    # used.
    order_id, _lock_id = installation_order(fitter, FIRST)
    assert gateway.prepare(order_id).status_code == 200
    cancel(stack, order_id)
    before = door(stack, FIRST)
    sim(stack.sim_dir, "pair-button", FIRST)
    error = refused(gateway.run("pair", order_id))
    assert error["code"] == "server_refused" and "booked" in error["message_en"]
    assert door(stack, FIRST) == before and before["paired"] is False

    # Offline with a ticket fetched before the cancellation, the lock pairs (it cannot know);
    # the server refuses the receipt, so the lock is not installed at the customer.
    other_order, other_lock = installation_order(fitter, SECOND)
    assert gateway.prepare(other_order).status_code == 200
    cancel(stack, other_order)
    stack.server.kill()
    sim(stack.sim_dir, "pair-button", SECOND)
    offline = gateway.run("pair", other_order, SECOND)
    assert offline["state"] == "succeeded", offline["error"]
    stack.restart_server()
    # The next operation uploads what is queued first (the receipt: refused), then asks for
    # its credential (refused: the order is cancelled).
    sim(stack.sim_dir, "touch", SECOND)
    assert refused(gateway.run("test", other_order, SECOND))["code"] == "server_refused"
    gateway.wait_uploaded()
    row = fitter.get(f"/api/locks/{other_lock}")
    assert row["state"] == "in_stock" and row["customer_id"] is None
    assert not fitter.get(f"/api/locks/{other_lock}/reports")["items"]


def test_a_lock_is_paired_only_on_its_own_order(stack: Stack) -> None:
    fitter = Api(stack.server_url, FITTER)
    _child, gateway = stack.gateway("montor1")
    first_order, first_lock = installation_order(fitter, FIRST)
    second_order, _second_lock = installation_order(fitter, SECOND)
    paired_and_read(stack, gateway, first_order, FIRST)

    # THIRD on SECOND's installation: refused by the server before the lock is touched.
    before = door(stack, THIRD)
    sim(stack.sim_dir, "pair-button", THIRD)
    error = refused(gateway.run("pair", second_order, THIRD))
    assert error["code"] == "server_refused" and SECOND in error["message_en"]
    assert door(stack, THIRD) == before and before["paired"] is False

    # THIRD on a service visit to FIRST: refused until the fitter records the replacement.
    service = service_order(stack, first_lock, datetime.now(UTC))
    sim(stack.sim_dir, "pair-button", THIRD)
    error = refused(gateway.run("pair", service, THIRD))
    assert "replace" in error["message_en"]
    assert door(stack, THIRD) == before
    fitter.post(
        f"/api/orders/{service}/lock-replacement",
        {"serial": FIRST, "reason": "Motorn är trasig."},
        expect_status=201,
    )
    sim(stack.sim_dir, "pair-button", THIRD)
    paired = gateway.run("pair", service, THIRD)
    assert paired["state"] == "succeeded", paired["error"]
    gateway.wait_uploaded()
    order = fitter.get(f"/api/orders/{service}")
    assert fitter.get(f"/api/locks/{order['lock_id']}")["serial"] == THIRD
    old = fitter.get(f"/api/locks/{first_lock}")
    assert old["state"] == "removed" and old["customer_id"] is None
    events = fitter.get(f"/api/orders/{service}/events")
    assert any(e["action"] == "lock_replaced" for e in events)

    # Offline, the gateway itself refuses: the ticket it cached for SECOND's order names it.
    assert gateway.prepare(second_order).status_code == 200
    stack.server.kill()
    before = door(stack, FIRST)
    sim(stack.sim_dir, "touch", FIRST)
    wrong = refused(gateway.run("pair", second_order, FIRST))
    assert wrong["code"] == "wrong_lock_for_order" and SECOND in wrong["message_en"]
    assert door(stack, FIRST) == before
