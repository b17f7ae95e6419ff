"""The activity list (seed 001): prioritised, filtered, scoped; daily closed counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.notify_helpers import services_of, visit_and_complete
from tests.integration.world import assign, make_world, place_order

pytestmark = pytest.mark.asyncio


async def test_escalated_first_then_oldest_and_filters(client, clock) -> None:
    from server.orders.escalation import escalate

    world = await make_world()
    orderer, planner = world["orderer_a"], world["planner_1"]
    ids = []
    for day, kind in ((9, "service"), (10, "battery"), (11, "inspection")):
        clock.set(datetime(2026, 3, day, 9, 0, tzinfo=UTC))
        order = await place_order(client, orderer, world.ids["customer_a"], kind=kind)
        ids.append(order["id"])
    other = await place_order(client, world["orderer_b"], world.ids["customer_b"])
    oldest, middle, newest = ids
    services = services_of(client)
    assert await escalate(services, newest, 0, 1)
    assert await escalate(services, middle, 0, 1)
    assert await escalate(services, middle, 1, 2)
    assert not await escalate(services, middle, 1, 2)  # compare-and-set: already there

    async def listed(actor, **params):
        response = await client.get("/api/activity", params=params, headers=actor.headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await listed(orderer) == [middle, newest, oldest]
    assert await listed(world["admin"]) == [middle, newest, oldest, other["id"]]
    assert await listed(orderer, escalated="false") == [oldest]
    assert await listed(orderer, kind="battery") == [middle]
    assert await listed(world["admin"], organisation_id=world.ids["provider_b"]) == [other["id"]]
    assert await listed(planner, organisation_id=world.ids["fitters_1"]) == [
        middle,
        newest,
        oldest,
    ]
    assert await listed(world["orderer_b"]) == [other["id"]]
    # The desk's "newest first": by when they were ordered only, escalation aside.
    assert await listed(orderer, sort="newest") == [newest, middle, oldest]
    assert (
        await client.get("/api/activity", params={"sort": "x"}, headers=orderer.headers)
    ).status_code == 400
    page = await client.get(
        "/api/activity", params={"limit": 1, "offset": 1}, headers=orderer.headers
    )
    assert page.json()["total"] == 3 and [i["id"] for i in page.json()["items"]] == [newest]
    # Thursday 12 March: the oldest (due Monday 16) is not at risk yet; on Friday 13 it is.
    clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=UTC))
    assert await listed(orderer, at_risk="true") == [oldest]
    clock.set(datetime(2026, 3, 17, 9, 0, tzinfo=UTC))
    assert await listed(orderer, overdue="true") == [oldest]


async def test_closed_per_person_counts_the_day_in_scope(client, world, clock) -> None:
    for name, order in (("fitter_1", "order_a"), ("fitter_2", "order_b")):
        await visit_and_complete(client, world[name], world.ids[order])
    day = clock.today().isoformat()

    async def counts(actor, when=day):
        response = await client.get(
            "/api/activity/closed-per-person", params={"day": when}, headers=actor.headers
        )
        assert response.status_code == 200
        return [(c["name"], c["closed"]) for c in response.json()]

    assert await counts(world["admin"]) == [("Fitter_1", 1), ("Fitter_2", 1)]
    assert await counts(world["orderer_a"]) == [("Fitter_1", 1)]
    assert await counts(world["planner_2"]) == [("Fitter_2", 1)]
    assert await counts(world["admin"], "2026-03-11") == []
    # Closed orders leave the default (open) activity list.
    done = await client.get("/api/activity", headers=world["admin"].headers)
    assert done.json()["items"] == []
    closed = await client.get(
        "/api/activity", params={"status": "done"}, headers=world["admin"].headers
    )
    assert closed.json()["total"] == 2


async def test_days_without_a_call_attempt_and_what_to_do_next(client, clock) -> None:
    """Seed 001's filter "days without a call attempt", in working days, and each row's next
    step: the unassigned order is to be assigned, the assigned one to be called."""
    world = await make_world()
    orderer, planner, fitter = world["orderer_a"], world["planner_1"], world["fitter_1"]
    clock.set(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))  # Monday
    called = await place_order(client, orderer, world.ids["customer_a"], kind="service")
    # Placed a little later: the list's order (oldest first) is then the same on every run.
    clock.set(datetime(2026, 3, 9, 8, 5, tzinfo=UTC))
    silent = await place_order(client, orderer, world.ids["customer_a"], kind="battery")
    await assign(client, planner, called["id"], fitter)
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))  # Tuesday: one call attempt
    response = await client.post(
        f"/api/orders/{called['id']}/contact-attempts",
        json={"to_whom": "customer", "outcome": "no_answer"},
        headers=fitter.headers,
    )
    assert response.status_code == 201, response.text
    clock.set(datetime(2026, 3, 13, 8, 0, tzinfo=UTC))  # Friday

    async def listed(**params):
        response = await client.get("/api/activity", params=params, headers=planner.headers)
        assert response.status_code == 200, response.text
        return {i["id"]: (i["days_without_call"], i["next_step"]) for i in response.json()["items"]}

    assert await listed() == {called["id"]: (3, "call"), silent["id"]: (4, "assign")}
    assert list(await listed(days_without_call=3)) == [called["id"], silent["id"]]
    assert list(await listed(days_without_call=4)) == [silent["id"]]
    assert await listed(days_without_call=5) == {}
    # Over a weekend no working day passes: Monday is the fifth for the silent one.
    clock.set(datetime(2026, 3, 16, 8, 0, tzinfo=UTC))
    assert list(await listed(days_without_call=5)) == [silent["id"]]
    refused = await client.get(
        "/api/activity", params={"days_without_call": 0}, headers=planner.headers
    )
    assert refused.status_code == 400


async def test_closed_per_person_per_shift(client, world, clock) -> None:
    """The default shifts (Dag 07-16, Kväll 16-22, Natt 22-07, local time)."""
    clock.set(datetime(2026, 3, 10, 6, 30, tzinfo=UTC))  # 07:30 in Sweden: Dag
    await visit_and_complete(client, world["fitter_1"], world.ids["order_a"])
    clock.set(datetime(2026, 3, 10, 15, 30, tzinfo=UTC))  # 16:30 in Sweden: Kväll
    await visit_and_complete(client, world["fitter_2"], world.ids["order_b"])
    response = await client.get(
        "/api/activity/closed-per-person",
        params={"day": "2026-03-10"},
        headers=world["admin"].headers,
    )
    assert response.status_code == 200, response.text
    per_shift = {
        c["name"]: {s["shift"]: s["closed"] for s in c["per_shift"]} for c in response.json()
    }
    assert per_shift == {
        "Fitter_1": {"Dag": 1, "Kväll": 0, "Natt": 0},
        "Fitter_2": {"Dag": 0, "Kväll": 1, "Natt": 0},
    }
