"""Hold until a date, optionally unassigning (seed 002), and the job that brings orders back.

The world's clock starts on Tuesday 10 March 2026, 10:30 in Sweden (UTC+1 in March).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from gateway.sync_client import SyncClient
from tests.integration.notify_helpers import services_of

pytestmark = pytest.mark.asyncio


def sync_for(client, actor) -> SyncClient:
    return SyncClient(http=client, headers=actor.headers, device=f"test-{actor.name}")


async def hold(client, actor, order_id: str, **body):
    return await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "put_on_hold", **body},
        headers=actor.headers,
    )


async def test_held_and_unassigned_until_a_saturday_back_in_the_queue_on_monday(
    client, world, clock
) -> None:
    from server.orders.holds import run_hold_resumptions

    order_id = world.ids["order_a"]
    phone = sync_for(client, world["fitter_1"])
    await phone.pull()
    assert order_id in phone.held("order")

    response = await hold(
        client, world["planner_1"], order_id, hold_until="2026-03-21", unassign=True
    )
    assert response.status_code == 201, response.text
    # The fitter's phone loses the order at its next sync; REST agrees.
    await phone.pull()
    assert order_id not in phone.held("order")
    assert world.ids["customer_a"] not in phone.held("customer")
    gone = await client.get(f"/api/orders/{order_id}", headers=world["fitter_1"].headers)
    assert gone.status_code == 404
    planner = world["planner_1"].headers
    order = (await client.get(f"/api/orders/{order_id}", headers=planner)).json()
    assert order["status"] == "on_hold" and order["assigned_fitter_id"] is None
    assert order["hold_until"] == "2026-03-21"
    events = (await client.get(f"/api/orders/{order_id}/events", headers=planner)).json()
    assert events[-1]["action"] == "put_on_hold"
    assert events[-1]["changes"] == {
        "hold_until": "2026-03-21",
        "unassigned": world["fitter_1"].user_id,
    }

    services = services_of(client)
    # Saturday 21 March is not a working day: still on hold all weekend.
    for moment in (
        datetime(2026, 3, 20, 23, 30, tzinfo=UTC),  # 00:30 Saturday in Sweden
        datetime(2026, 3, 22, 22, 59, tzinfo=UTC),  # 23:59 Sunday
    ):
        clock.set(moment)
        assert await run_hold_resumptions(services) == 0
    clock.set(datetime(2026, 3, 22, 23, 1, tzinfo=UTC))  # 00:01 Monday 23 March
    # Two instances at once: one of them resumes it.
    assert sorted(
        await asyncio.gather(run_hold_resumptions(services), run_hold_resumptions(services))
    ) == [0, 1]
    assert await run_hold_resumptions(services) == 0
    order = (await client.get(f"/api/orders/{order_id}", headers=planner)).json()
    assert order["status"] == "ordered"  # where it was held from
    assert order["assigned_fitter_id"] is None and order["hold_until"] is None
    events = (await client.get(f"/api/orders/{order_id}/events", headers=planner)).json()
    last = events[-1]
    assert (last["action"], last["from_status"], last["to_status"]) == (
        "resume",
        "on_hold",
        "ordered",
    )
    assert last["actor_name"] == "system" and last["changes"]["automatic"] is True
    # In the planner's queue: the unassigned open orders.
    queue = await client.get("/api/orders", params={"status": "ordered"}, headers=planner)
    assert [o["id"] for o in queue.json()["items"] if o["assigned_fitter_id"] is None] == [order_id]
    await phone.pull()
    assert order_id not in phone.held("order")


async def test_a_booked_order_held_and_unassigned_comes_back_as_new_to_the_queue(
    client, world, clock
) -> None:
    from server.orders.holds import run_hold_resumptions

    order_id = world.ids["order_a"]
    planner = world["planner_1"].headers
    booked = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={
            "action": "schedule",
            "planned_start": "2026-03-12T09:00:00Z",
            "estimate_minutes": 60,
        },
        headers=planner,
    )
    assert booked.status_code == 201, booked.text
    response = await hold(
        client, world["planner_1"], order_id, hold_until="2026-03-17", unassign=True
    )
    assert response.status_code == 201, response.text
    clock.set(datetime(2026, 3, 16, 23, 1, tzinfo=UTC))  # 00:01 Tuesday 17 March
    assert await run_hold_resumptions(services_of(client)) == 1
    order = (await client.get(f"/api/orders/{order_id}", headers=planner)).json()
    # Nobody is booked for it any more: not "scheduled" without a fitter, but new in the queue.
    assert order["status"] == "ordered", order
    assert order["assigned_fitter_id"] is None and order["planned_start"] is None


async def test_held_without_unassigning_comes_back_to_its_fitter(client, world, clock) -> None:
    from server.orders.holds import run_hold_resumptions

    order_id = world.ids["order_a"]
    fitter = world["fitter_1"]
    booked = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={
            "action": "schedule",
            "planned_start": "2026-03-12T09:00:00+01:00",
            "estimate_minutes": 60,
        },
        headers=fitter.headers,
    )
    assert booked.status_code == 201, booked.text
    response = await hold(client, fitter, order_id, hold_until="2026-03-16", reason="Sjukhus")
    assert response.status_code == 201, response.text
    phone = sync_for(client, fitter)
    await phone.pull()
    assert phone.held("order")[order_id]["status"] == "on_hold"
    clock.set(datetime(2026, 3, 15, 22, 59, tzinfo=UTC))  # 23:59 Sunday 15 March
    assert await run_hold_resumptions(services_of(client)) == 0
    clock.set(datetime(2026, 3, 15, 23, 0, tzinfo=UTC))  # 00:00 Monday 16 March
    assert await run_hold_resumptions(services_of(client)) == 1
    await phone.pull()
    back = phone.held("order")[order_id]
    assert back["status"] == "scheduled" and back["assigned_fitter_id"] == fitter.user_id


async def test_only_the_planner_unassigns_and_only_with_a_hold(client, world) -> None:
    order_id = world.ids["order_a"]
    refused = await hold(
        client, world["fitter_1"], order_id, hold_until="2026-03-21", unassign=True
    )
    assert refused.status_code == 403, refused.text
    wrong_action = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "cancel", "reason": "Flyttat", "unassign": True},
        headers=world["planner_1"].headers,
    )
    assert wrong_action.status_code == 400 and wrong_action.json()["field"] == "unassign"
    other = await hold(client, world["planner_2"], order_id, hold_until="2026-03-21", unassign=True)
    assert other.status_code == 404
    order = (await client.get(f"/api/orders/{order_id}", headers=world["admin"].headers)).json()
    assert order["status"] == "ordered" and order["assigned_fitter_id"] == world["fitter_1"].user_id


async def test_a_cancelled_hold_is_not_resumed(client, world, clock) -> None:
    from server.orders.holds import run_hold_resumptions

    order_id = world.ids["order_a"]
    assert (
        await hold(client, world["planner_1"], order_id, hold_until="2026-03-11")
    ).status_code == 201
    cancelled = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "cancel", "reason": "Flyttat"},
        headers=world["orderer_a"].headers,
    )
    assert cancelled.status_code == 201
    clock.set(datetime(2026, 3, 11, 8, 0, tzinfo=UTC))
    assert await run_hold_resumptions(services_of(client)) == 0
