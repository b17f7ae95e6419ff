"""Who may keep areas, groups, rules, schedules and the battery rule (issue 13): every actor.

The planner keeps their own company's; an administrator any company's (naming it); nobody
else reads or changes them, and one company's ids are not found from the other.
"""

from __future__ import annotations

import pytest

from tests.integration.test_access_matrix import ACTORS

pytestmark = pytest.mark.asyncio

LISTS = ["areas", "groups", "rules", "schedules", "battery-rule"]


async def test_routing_settings_for_every_actor(client, world) -> None:
    planner = world["planner_1"]
    made = {}
    bodies = {
        "areas": {"name": "Centrum", "kind": "district", "values": ["Centrum"]},
        "groups": {"name": "Laget", "members": [world["fitter_1"].user_id]},
        "schedules": {
            "name": "Årlig kontroll",
            "kind": "inspection",
            "first_day": "2026-04-01",
            "interval_months": 12,
        },
    }
    for kind, body in bodies.items():
        answer = await client.post(f"/api/routing/{kind}", json=body, headers=planner.headers)
        assert answer.status_code == 201, answer.text
        made[kind] = answer.json()["id"]
    rule = await client.post(
        "/api/routing/rules",
        json={"name": "Centrum", "area_id": made["areas"], "group_id": made["groups"]},
        headers=planner.headers,
    )
    assert rule.status_code == 201, rule.text
    made["rules"] = rule.json()["id"]
    battery = await client.put(
        "/api/routing/battery-rule",
        json={"below_percent": 20, "stale_after_days": 90},
        headers=planner.headers,
    )
    assert battery.status_code == 200
    own = world.ids["fitters_1"]
    for name in ACTORS:
        headers = world[name].headers
        params = {"organisation_id": own} if name == "admin" else {}
        for kind in LISTS:
            answer = await client.get(f"/api/routing/{kind}", params=params, headers=headers)
            if name in {"admin", "planner_1"}:
                assert answer.status_code == 200, (name, kind)
                assert answer.json(), (name, kind)  # they see what the planner made
            elif name == "planner_2":
                assert answer.status_code == 200, (name, kind)
                assert answer.json() in ([], None), (name, kind)  # their own: nothing yet
            else:
                assert answer.status_code == 403, (name, kind)
        for kind in ("areas", "groups", "rules", "schedules"):
            body = {**bodies.get(kind, {}), "name": "Ändrad"}
            if kind == "rules":
                body = {"name": "Ändrad", "group_id": made["groups"]}
            changed = await client.put(
                f"/api/routing/{kind}/{made[kind]}", json=body, params=params, headers=headers
            )
            expected = (
                200 if name in {"admin", "planner_1"} else 404 if name == "planner_2" else 403
            )
            assert changed.status_code == expected, (name, kind, changed.text)
        if name not in {"admin", "planner_1"}:
            deleted = await client.delete(
                f"/api/routing/schedules/{made['schedules']}", params=params, headers=headers
            )
            assert deleted.status_code == (404 if name == "planner_2" else 403), name
    deleted = await client.delete(
        f"/api/routing/schedules/{made['schedules']}", headers=planner.headers
    )
    assert deleted.status_code == 204
    # An administrator must say which company.
    unnamed = await client.get("/api/routing/rules", headers=world["admin"].headers)
    assert unnamed.status_code == 400


async def test_a_groups_queue_is_its_fitters_and_one_takes_an_order(client, world) -> None:
    """An order a rule sent to a group: its members see it in brief and one takes it; the
    others, another company and home care do not; taken, it is the taker's like any other."""
    planner = world["planner_1"]
    group = await client.post(
        "/api/routing/groups",
        json={"name": "Laget", "members": [world["fitter_1"].user_id, world["fitter_1b"].user_id]},
        headers=planner.headers,
    )
    rule = await client.post(
        "/api/routing/rules",
        json={"name": "Allt till laget", "group_id": group.json()["id"]},
        headers=planner.headers,
    )
    assert rule.status_code == 201
    from tests.integration.world import place_order

    order = await place_order(
        client, world["orderer_a"], world.ids["customer_a"], kind="installation", checklist={}
    )
    for name in ACTORS:
        queue = await client.get("/api/routing/queue", headers=world[name].headers)
        if name in {"fitter_1", "fitter_1b"}:
            assert [q["order_id"] for q in queue.json()] == [order["id"]], name
            assert "Customer A" not in queue.text  # not theirs yet: no resident's name
        elif name in {"fitter_2"}:
            assert queue.json() == [], name
        else:
            assert queue.status_code == 403, name
    for name in ("fitter_2", "planner_1", "orderer_a"):
        taken = await client.post(
            f"/api/routing/queue/{order['id']}/take", headers=world[name].headers
        )
        assert taken.status_code in {403, 404}, name
    taken = await client.post(
        f"/api/routing/queue/{order['id']}/take", headers=world["fitter_1b"].headers
    )
    assert taken.status_code == 204, taken.text
    again = await client.post(
        f"/api/routing/queue/{order['id']}/take", headers=world["fitter_1"].headers
    )
    assert again.status_code == 404 and "tagit" in again.json()["message_sv"]
    mine = await client.get(f"/api/orders/{order['id']}", headers=world["fitter_1b"].headers)
    assert (
        mine.status_code == 200 and mine.json()["assigned_fitter_id"] == world["fitter_1b"].user_id
    )
    assert mine.json()["assigned_group_id"] is None


async def test_the_providers_a_rule_may_name(client, world) -> None:
    """Each planner sees the home-care providers their own company serves (ids and names
    only, for the rule form); an administrator names the company; nobody else asks."""
    for name in ACTORS:
        params = {"organisation_id": world.ids["fitters_1"]} if name == "admin" else {}
        answer = await client.get(
            "/api/routing/providers", params=params, headers=world[name].headers
        )
        if name in {"admin", "planner_1"}:
            assert answer.status_code == 200, (name, answer.text)
            assert answer.json() == [{"id": world.ids["provider_a"], "name": "Provider A"}]
        elif name == "planner_2":
            assert answer.status_code == 200, (name, answer.text)
            assert [p["id"] for p in answer.json()] == [world.ids["provider_b"]]
        else:
            assert answer.status_code == 403, (name, answer.text)
