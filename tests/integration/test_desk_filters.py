"""The order list's filters for the planner's desk (issue 11): the queue (no fitter, no time),
the board (visits planned on a range of local days) and the "due by" filter, on a real
database, within the caller's scope."""

from __future__ import annotations

import pytest

from tests.integration.world import assign, place_order

pytestmark = pytest.mark.asyncio


async def _ids(client, actor, **params) -> set[str]:
    response = await client.get("/api/orders", params=params, headers=actor.headers)
    assert response.status_code == 200, response.text
    return {o["id"] for o in response.json()["items"]}


async def _schedule(client, actor, order_id: str, planned_start: str) -> None:
    response = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "schedule", "planned_start": planned_start, "estimate_minutes": 60},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text


async def test_queue_and_board_filters(client, world) -> None:
    planner = world["planner_1"]
    customer, lock = world.ids["customer_a"], world.ids["lock_a"]
    # order_a (service) is assigned to fitter_1 and has no time yet.
    queued = (await place_order(client, world["orderer_a"], customer, kind="battery"))["id"]
    late_evening = (
        await place_order(client, world["orderer_a"], customer, kind="inspection", lock_id=lock)
    )["id"]
    after_midnight = (
        await place_order(client, world["orderer_a"], customer, kind="removal", lock_id=lock)
    )["id"]
    for order_id in (late_evening, after_midnight):
        await assign(client, planner, order_id, world["fitter_1"])
    # Wednesday 23:30 and Thursday 00:30 Swedish time: both Wednesday in UTC.
    await _schedule(client, planner, late_evening, "2026-03-11T23:30:00+01:00")
    await _schedule(client, planner, after_midnight, "2026-03-12T00:30:00+01:00")

    assert await _ids(client, planner, unassigned="true") == {queued}
    assert await _ids(client, planner, unassigned="false") == {
        world.ids["order_a"],
        late_evening,
        after_midnight,
    }
    assert await _ids(client, planner, planned="false") == {queued, world.ids["order_a"]}
    assert await _ids(client, planner, planned="true") == {late_evening, after_midnight}
    # The board's days are local days.
    wednesday = {"planned_from": "2026-03-11", "planned_to": "2026-03-11"}
    assert await _ids(client, planner, **wednesday) == {late_evening}
    thursday = {"planned_from": "2026-03-12", "planned_to": "2026-03-12"}
    assert await _ids(client, planner, **thursday) == {after_midnight}
    week = {"planned_from": "2026-03-09", "planned_to": "2026-03-13"}
    assert await _ids(client, planner, **week) == {late_evening, after_midnight}
    # Combined with the fitter filter, as the board asks per organisation and week.
    assert await _ids(client, planner, fitter_id=world["fitter_1b"].user_id, **week) == set()

    # Ordered on Tuesday 10 March 2026: due five working days later, on the 17th.
    assert await _ids(client, planner, due_to="2026-03-16") == set()
    assert len(await _ids(client, planner, due_to="2026-03-17")) == 4

    # The customer's area: customer A lives in Centrum.
    assert len(await _ids(client, planner, area="Centrum")) == 4
    assert await _ids(client, planner, area="Gottsunda") == set()

    # Another fitters' company sees none of this in its queue or on its board.
    other = world["planner_2"]
    assert await _ids(client, other, unassigned="true") == set()
    assert await _ids(client, other, **week) == set()


async def test_a_day_out_of_range_is_refused_with_its_name(client, world) -> None:
    response = await client.get(
        "/api/orders", params={"planned_from": "1900-01-01"}, headers=world["admin"].headers
    )
    assert response.status_code == 400
    assert "planned_from" in response.text


async def test_assign_and_plan_in_one_step_or_not_at_all(client, world) -> None:
    """The board's drop for a new fitter: assignment and plan in one transaction. A plan the
    life cycle refuses leaves the order as it was (not assigned without a time)."""
    planner = world["planner_1"]
    order_id = world.ids["order_a"]  # assigned to fitter_1, no time yet
    before = (await client.get(f"/api/orders/{order_id}", headers=planner.headers)).json()
    start = "2030-01-07T13:00:00+01:00"
    both = await client.post(
        f"/api/orders/{order_id}/assignment",
        json={
            "fitter_id": world["fitter_1b"].user_id,
            "expected_version": before["version"],
            "planned_start": start,
            "estimate_minutes": 90,
        },
        headers=planner.headers,
    )
    assert both.status_code == 201, both.text
    after = (await client.get(f"/api/orders/{order_id}", headers=planner.headers)).json()
    assert after["assigned_fitter_id"] == world["fitter_1b"].user_id
    assert after["status"] == "scheduled" and after["estimate_minutes"] == 90
    assert after["planned_start"].startswith("2030-01-07T12:00:00")
    actions = [
        e["action"]
        for e in (
            await client.get(f"/api/orders/{order_id}/events", headers=planner.headers)
        ).json()
    ]
    assert actions[-2:] == ["assign", "schedule"]

    # Once the visit has started it takes no new time: the new fitter with a new time is
    # refused as a whole, and the order keeps its fitter, time and version.
    confirmed = await client.post(
        f"/api/orders/{order_id}/transitions", json={"action": "confirm"}, headers=planner.headers
    )
    assert confirmed.status_code == 201, confirmed.text
    started = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "start"},
        headers=world["fitter_1b"].headers,
    )
    assert started.status_code == 201, started.text
    kept = started.json()
    refused = await client.post(
        f"/api/orders/{order_id}/assignment",
        json={"fitter_id": world["fitter_1"].user_id, "planned_start": start},
        headers=planner.headers,
    )
    assert refused.status_code == 409, refused.text
    now = (await client.get(f"/api/orders/{order_id}", headers=planner.headers)).json()
    assert now["assigned_fitter_id"] == world["fitter_1b"].user_id
    assert now["version"] == kept["version"] and now["planned_start"] == kept["planned_start"]

    # A plan without a fitter is refused before anything changes.
    nobody = await client.post(
        f"/api/orders/{order_id}/assignment",
        json={"fitter_id": None, "planned_start": start},
        headers=planner.headers,
    )
    assert nobody.status_code == 400 and nobody.json()["field"] == "planned_start"
