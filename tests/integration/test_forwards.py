"""Forwarding an order to a colleague with a done-by date (seed 001's "Klar till")."""

from __future__ import annotations

import pytest

from tests.integration.world import PASSWORD, Actor, session_headers

pytestmark = pytest.mark.asyncio


async def second_planner(client, world) -> dict[str, str]:
    """A second planner of Fitters One, logged in; their session headers."""
    response = await client.post(
        "/api/users",
        json={
            "organisation_id": world.ids["fitters_1"],
            "username": "planner_1b",
            "full_name": "Planner 1b",
            "password": PASSWORD,
            "roles": ["planner"],
        },
        headers=world["admin"].headers,
    )
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    actor = Actor("planner_1b", user_id, world.ids["fitters_1"], ["planner"], token="")
    return {"id": user_id, **await session_headers(client, actor)}


async def forward(client, actor_headers, order_id: str, to: str, done_by: str, note: str = ""):
    return await client.post(
        f"/api/orders/{order_id}/forwards",
        json={"to_user_id": to, "done_by": done_by, "note": note},
        headers=actor_headers,
    )


async def activity_ids(client, headers, **params) -> dict[str, str | None]:
    response = await client.get("/api/activity", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"]: item["forwarded_done_by"] for item in response.json()["items"]}


async def test_a_forwarded_order_shows_on_the_colleagues_list_until_done(client, world) -> None:
    colleague = await second_planner(client, world)
    colleague_id = colleague.pop("id")
    order_id = world.ids["order_a"]
    planner = world["planner_1"].headers
    assert await activity_ids(client, colleague, forwarded_to_me="true") == {}

    sent = await forward(
        client, planner, order_id, colleague_id, "2026-03-12", "Ring kunden om nyckeln."
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["to_user_id"] == colleague_id and body["done_by"] == "2026-03-12"
    assert body["from_user_id"] == world["planner_1"].user_id and body["done_at"] is None

    assert await activity_ids(client, colleague, forwarded_to_me="true") == {order_id: "2026-03-12"}
    assert order_id not in await activity_ids(client, colleague, forwarded_to_me="false")
    # The sender's own list is not the colleague's.
    assert await activity_ids(client, planner, forwarded_to_me="true") == {}
    assert (await activity_ids(client, planner))[order_id] is None

    listed = await client.get(f"/api/orders/{order_id}/forwards", headers=planner)
    assert [f["id"] for f in listed.json()] == [body["id"]]
    assert listed.json()[0]["note"] == "Ring kunden om nyckeln."

    not_a_party = await client.post(
        f"/api/orders/{order_id}/forwards/{body['id']}/done", headers=world["orderer_a"].headers
    )
    assert not_a_party.status_code == 403
    done = await client.post(
        f"/api/orders/{order_id}/forwards/{body['id']}/done", headers=colleague
    )
    assert done.status_code == 201, done.text
    assert done.json()["done_at"] is not None and done.json()["done_by_user_id"] == colleague_id
    again = await client.post(
        f"/api/orders/{order_id}/forwards/{body['id']}/done", headers=colleague
    )
    assert again.status_code == 409
    assert await activity_ids(client, colleague, forwarded_to_me="true") == {}

    events = (await client.get(f"/api/orders/{order_id}/events", headers=planner)).json()
    assert [e["action"] for e in events][-2:] == ["forward", "forward_done"]
    assert events[-2]["changes"] == {"to": colleague_id, "done_by": "2026-03-12"}


async def test_forwards_stay_within_the_organisation(client, world) -> None:
    order_id = world.ids["order_a"]
    planner = world["planner_1"].headers
    refused = {
        "another organisation's planner": world["planner_2"].user_id,
        "the orderer (another organisation)": world["orderer_a"].user_id,
        "a colleague who cannot see the order": world["fitter_1b"].user_id,
        "oneself": world["planner_1"].user_id,
        "nobody": "00000000-0000-4000-8000-000000000000",
    }
    for why, to in refused.items():
        response = await forward(client, planner, order_id, to, "2026-03-20")
        assert response.status_code == 400, why
        assert response.json()["field"] == "to_user_id", why
    past = await forward(client, planner, order_id, world["fitter_1"].user_id, "2026-03-09")
    assert past.status_code == 400 and past.json()["field"] == "done_by"
    # The assigned fitter is a colleague who sees the order.
    ok = await forward(client, planner, order_id, world["fitter_1"].user_id, "2026-03-10")
    assert ok.status_code == 201
    assert order_id in await activity_ids(client, world["fitter_1"].headers, forwarded_to_me="true")
    # Only open orders.
    cancelled = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "cancel", "reason": "Flyttat"},
        headers=planner,
    )
    assert cancelled.status_code == 201
    closed = await forward(client, planner, order_id, world["fitter_1"].user_id, "2026-03-20")
    assert closed.status_code == 409
