"""The back office's pushes (issue 11): the planners of the fitters' company that does an order
hear of a new order, an escalation and an order back from hold; nobody else does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.notify_helpers import (
    IDENTITY_DIGITS,
    give_customer_a_identity_number,
    services_of,
    worker_for,
)
from tests.integration.push_service import PushService
from tests.integration.world import GOOD_CHECKLIST

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def push_service(client):
    service = PushService(expected_public_key=services_of(client).vapid.public_key_b64)
    await service.start()
    yield service
    await service.stop()


async def subscribe(client, actor, service, name):
    url, endpoint = service.new_endpoint(name)
    response = await client.post(
        "/api/push/subscriptions",
        json={
            "endpoint": url,
            "keys": {"p256dh": endpoint.keys.p256dh, "auth": endpoint.keys.auth},
        },
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    return endpoint


def payloads(endpoint) -> list[dict]:
    return [r["payload"] for r in endpoint.received]


async def test_planners_hear_of_new_orders_and_escalations(
    client, world, clock, push_service
) -> None:
    from server.orders.escalation import run_escalations

    desk = await subscribe(client, world["planner_1"], push_service, "desk-1")
    other_company = await subscribe(client, world["planner_2"], push_service, "desk-2")
    fitter = await subscribe(client, world["fitter_1"], push_service, "phone")
    await give_customer_a_identity_number(client, world)

    # Placed at once, and a draft placed later: one push each to Fitters One's planner.
    placed = await client.post(
        "/api/orders",
        json={
            "kind": "battery",
            "customer_id": world.ids["customer_a"],
            "checklist": GOOD_CHECKLIST,
        },
        headers=world["orderer_a"].headers,
    )
    assert placed.status_code == 201, placed.text
    draft = await client.post(
        "/api/orders",
        json={"kind": "installation", "customer_id": world.ids["customer_a"], "draft": True},
        headers=world["orderer_a"].headers,
    )
    assert draft.status_code == 201, draft.text
    await worker_for(client).drain()
    assert [p["order_id"] for p in payloads(desk)] == [placed.json()["id"]]
    place = await client.post(
        f"/api/orders/{draft.json()['id']}/transitions",
        json={"action": "place", "checklist": GOOD_CHECKLIST},
        headers=world["orderer_a"].headers,
    )
    assert place.status_code == 201, place.text
    await worker_for(client).drain()
    new = payloads(desk)
    assert [p["order_id"] for p in new] == [placed.json()["id"], draft.json()["id"]]
    reference = placed.json()["reference"]
    assert new[0] == {
        "type": "order_new",
        "audience": "planner",
        "order_id": placed.json()["id"],
        "reference": reference,
        "title": "Ny order",
        "body": f"Order {reference} (batteribyte) är beställd.",
        "url": f"http://127.0.0.1:8000/orders/{placed.json()['id']}",
    }

    # Saturday 14 March: every open order of Tuesday escalates to level 1.
    clock.set(datetime(2026, 3, 13, 23, 1, tzinfo=UTC))
    assert await run_escalations(services_of(client)) == 4
    await worker_for(client).drain()
    escalated = [p for p in payloads(desk) if p["type"] == "order_escalated"]
    assert sorted(p["order_id"] for p in escalated) == sorted(
        [world.ids["order_a"], placed.json()["id"], draft.json()["id"]]
    )
    assert all(p["audience"] == "planner" for p in escalated)
    # Fitters Two's planner hears of its own order only; the fitter of neither.
    assert [(p["type"], p["order_id"]) for p in payloads(other_company)] == [
        ("order_escalated", world.ids["order_b"])
    ]
    assert [p for p in payloads(fitter) if p.get("audience") == "planner"] == []
    for payload in payloads(desk):
        assert "Customer A" not in str(payload) and "Storgatan" not in str(payload)
        assert not any(d in str(payload) for d in IDENTITY_DIGITS)


async def test_planners_hear_of_an_order_back_from_hold(client, world, clock, push_service) -> None:
    from server.orders.holds import run_hold_resumptions

    desk = await subscribe(client, world["planner_2"], push_service, "desk-2")
    other_company = await subscribe(client, world["planner_1"], push_service, "desk-1")
    order_id = world.ids["order_b"]
    held = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "put_on_hold", "hold_until": "2026-03-12", "unassign": True},
        headers=world["planner_2"].headers,
    )
    assert held.status_code == 201, held.text
    await worker_for(client).drain()
    assert payloads(desk) == []
    clock.set(datetime(2026, 3, 11, 23, 0, tzinfo=UTC))  # 00:00 Thursday 12 March
    assert await run_hold_resumptions(services_of(client)) == 1
    await worker_for(client).drain()
    assert [(p["type"], p["order_id"], p["title"]) for p in payloads(desk)] == [
        ("order_back_from_hold", order_id, "Tillbaka från vilande")
    ]
    assert payloads(other_company) == []
