"""The activity list (seed 001): prioritised, filtered, scoped; daily closed counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.notify_helpers import services_of, visit_and_complete
from tests.integration.world import make_world, place_order

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
