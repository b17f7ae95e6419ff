"""Every route × every role × own and other organisation.

The expectations are written out here by hand from the access rules of the issue, not derived
from server.accounts.permissions, so a wrong rule in the code shows up as a failure.
"""

from __future__ import annotations

import pytest

from tests.integration.world import GOOD_CHECKLIST

ACTORS = [
    "admin",
    "orderer_a",
    "orderer_b",
    "planner_1",
    "planner_2",
    "fitter_1",
    "fitter_1b",
    "fitter_2",
]

# Who may see each object of the world (everyone else gets 404).
VISIBLE = {
    "order_a": {"admin", "orderer_a", "planner_1", "fitter_1"},
    "order_b": {"admin", "orderer_b", "planner_2", "fitter_2"},
    "customer_a": {"admin", "orderer_a", "planner_1", "fitter_1"},
    "customer_b": {"admin", "orderer_b", "planner_2", "fitter_2"},
    "lock_a": {"admin", "orderer_a", "planner_1", "fitter_1"},
    "lock_b": {"admin", "orderer_b", "planner_2", "fitter_2"},
    "lock_stock": {"admin", "planner_1", "planner_2"},
    "provider_a": {"admin", "orderer_a"},
    "provider_b": {"admin", "orderer_b"},
    "fitters_1": {"admin", "planner_1", "fitter_1", "fitter_1b"},
    "fitters_2": {"admin", "planner_2", "fitter_2"},
}

READ_ROUTES = {
    "/api/orders/{order_id}": "order",
    "/api/orders/{order_id}/contact-attempts": "order",
    "/api/orders/{order_id}/events": "order",
    "/api/orders/{order_id}/next-call": "order",
    "/api/orders/{order_id}/messages": "order",
    "/api/customers/{customer_id}": "customer",
    "/api/locks/{lock_id}": "lock",
    "/api/locks/{lock_id}/reports": "lock",
    "/api/organisations/{organisation_id}": "organisation",
}
LIST_ROUTES = {
    "/api/orders": ("order", ["order_a", "order_b"]),
    "/api/activity": ("order", ["order_a", "order_b"]),
    "/api/customers": ("customer", ["customer_a", "customer_b"]),
    "/api/locks": ("lock", ["lock_a", "lock_b", "lock_stock"]),
    "/api/organisations": ("organisation", ["provider_a", "provider_b", "fitters_1", "fitters_2"]),
}

pytestmark = pytest.mark.asyncio


def _objects(kind: str) -> list[str]:
    prefix = {"order": "order_", "customer": "customer_", "lock": "lock_"}.get(kind)
    if prefix:
        return [k for k in VISIBLE if k.startswith(prefix)]
    return ["provider_a", "provider_b", "fitters_1", "fitters_2"]


async def test_every_read_route_answers_404_across_organisations(client, world) -> None:
    leaks = []
    for template, kind in READ_ROUTES.items():
        for obj in _objects(kind):
            path = template.split("{")[0] + world.ids[obj] + template.split("}")[1]
            for name in ACTORS:
                response = await client.get(path, headers=world[name].headers)
                expected = 200 if name in VISIBLE[obj] else 404
                if response.status_code != expected:
                    leaks.append((path, obj, name, response.status_code, expected))
    assert leaks == []


async def test_lists_hold_exactly_the_visible_objects(client, world) -> None:
    mismatches = []
    for path, (_, objects) in LIST_ROUTES.items():
        for name in ACTORS:
            response = await client.get(path, headers=world[name].headers, params={"limit": 200})
            assert response.status_code == 200, response.text
            got = {item["id"] for item in response.json()["items"]}
            want = {world.ids[o] for o in objects if name in VISIBLE[o]}
            # Lists may hold other rows only for admins (nothing else exists in this world).
            if got & {world.ids[o] for o in objects} != want:
                mismatches.append((path, name, sorted(got), sorted(want)))
    assert mismatches == []


async def test_users_are_seen_within_the_own_organisation(client, world) -> None:
    for viewer in ACTORS:
        for target in ACTORS:
            response = await client.get(
                f"/api/users/{world[target].user_id}", headers=world[viewer].headers
            )
            same_org = world[viewer].organisation_id == world[target].organisation_id
            expected = 200 if viewer == "admin" or same_org else 404
            assert response.status_code == expected, (viewer, target)


# Write routes: (method, path template, body factory, actors allowed among those who see it).
def _write_routes(world):
    fitter_1 = world["fitter_1"].user_id
    return [
        (
            "POST",
            "/api/orders/{order_a}/transitions",
            {"action": "cancel", "reason": "Moved away"},
            {"admin", "orderer_a", "planner_1"},
            "order_a",
        ),
        (
            "POST",
            "/api/orders/{order_a}/transitions",
            {"action": "schedule", "planned_start": "2026-03-12T09:00:00Z", "estimate_minutes": 60},
            {"admin", "planner_1", "fitter_1"},
            "order_a",
        ),
        (
            "POST",
            "/api/orders/{order_a}/messages",
            {"body": "Hej"},
            {"admin", "orderer_a", "planner_1", "fitter_1"},
            "order_a",
        ),
        (
            "POST",
            "/api/orders/{order_a}/assignment",
            {"fitter_id": fitter_1},
            {"admin", "planner_1"},
            "order_a",
        ),
        (
            "POST",
            "/api/orders/{order_a}/contact-attempts",
            {"to_whom": "customer", "outcome": "no_answer"},
            {"admin", "planner_1", "fitter_1"},
            "order_a",
        ),
        (
            "PATCH",
            "/api/customers/{customer_a}",
            {"best_times": "Mornings"},
            {"admin", "orderer_a"},
            "customer_a",
        ),
    ]


async def test_write_routes_404_when_invisible_and_403_when_forbidden(client, world) -> None:
    wrong = []
    for method, template, body, allowed, obj in _write_routes(world):
        path = template.replace("{" + obj + "}", world.ids[obj])
        for name in ACTORS:
            if name in allowed:
                continue  # allowed writes change state; they are exercised in the order tests
            response = await client.request(method, path, json=body, headers=world[name].headers)
            expected = 403 if name in VISIBLE[obj] else 404
            if response.status_code != expected:
                wrong.append((method, path, name, response.status_code, expected, response.text))
    assert wrong == []


async def test_allowed_writes_succeed(client, world) -> None:
    for method, template, body, allowed, obj in _write_routes(world):
        if "cancel" in str(body):
            continue  # cancelling ends the order; the other writes need it open
        path = template.replace("{" + obj + "}", world.ids[obj])
        for name in sorted(allowed):
            response = await client.request(method, path, json=body, headers=world[name].headers)
            assert response.status_code in {200, 201}, (method, path, name, response.text)


async def test_creating_objects_respects_organisations(client, world) -> None:
    customer = {"name": "New Customer", "street_address": "Vägen 2"}
    for name in ACTORS:
        response = await client.post(
            "/api/customers",
            json={**customer, "provider_id": world.ids["provider_a"]},
            headers=world[name].headers,
        )
        expected = 201 if name in {"admin", "orderer_a"} else 400
        # Others cannot even name provider A (it is not theirs to see): a 400 that says so.
        assert response.status_code == expected, (name, response.text)
    for name in ACTORS:
        response = await client.post(
            "/api/orders",
            json={
                "kind": "service",
                "customer_id": world.ids["customer_a"],
                "checklist": GOOD_CHECKLIST,
            },
            headers=world[name].headers,
        )
        if name in {"admin", "orderer_a"}:
            # The lock has an open service order already: refused with the reason, not a leak.
            assert response.status_code == 409, response.text
        else:
            assert response.status_code in {400, 403}, (name, response.text)
            assert response.status_code == (403 if name in VISIBLE["customer_a"] else 400), (
                name,
                response.text,
            )


async def test_only_admins_manage_accounts(client, world) -> None:
    for name in ACTORS:
        org = await client.post(
            "/api/organisations",
            json={"name": f"Org {name}", "kind": "home_care_provider"},
            headers=world[name].headers,
        )
        user = await client.post(
            "/api/users",
            json={
                "organisation_id": world.ids["provider_a"],
                "username": f"new_{name}",
                "full_name": "New",
                "password": "long enough password",
                "roles": ["orderer"],
            },
            headers=world[name].headers,
        )
        if name == "admin":
            assert org.status_code == 201 and user.status_code == 201
        else:
            assert org.status_code == 403 and user.status_code == 403


async def test_every_api_route_is_in_this_matrix_or_public(client, world) -> None:
    """A new route must be added to the matrix above (or be public on purpose)."""
    public = {"/api/health", "/api/auth/login"}
    covered = (
        set(READ_ROUTES)
        | set(LIST_ROUTES)
        | public
        | {
            "/api/orders/{order_id}/transitions",
            "/api/orders/{order_id}/assignment",
            "/api/orders/{order_id}/contact-attempts",
            "/api/customers/{customer_id}",
            "/api/users",
            "/api/users/{user_id}",
            "/api/auth/logout",
            # Sync routes answer only within the caller's own scope; tests/integration/test_sync.py
            # and test_sync_properties.py hold every client to exactly its scope.
            "/api/sync/register",
            "/api/sync/pull",
            "/api/sync/push",
            "/api/sync/checksums",
            "/api/sync/events",
            "/api/auth/me",
            "/api/devices",
            "/api/devices/{device_id}",
            # Notifications and the activity list: test_notification_and_activity_routes.
            "/api/push/public-key",
            "/api/push/subscriptions",
            "/api/push/subscriptions/{subscription_id}",
            "/api/admin/outbox",
            "/api/admin/outbox/summary",
            "/api/activity/closed-per-person",
            # The lock authority: test_lock_authority_routes below and test_lock_authority.py.
            "/api/lock-authority",
            "/api/orders/{order_id}/pairing-ticket",
            "/api/orders/{order_id}/staff-credential",
            "/api/orders/{order_id}/unbind-token",
            # Locks a hub gateway serves: tests/integration/test_gateway_scope.py.
            "/api/devices/{device_id}/locks",
            "/api/devices/{device_id}/locks/credential",
        }
    )
    app_paths = {
        route.path.replace(":uuid", "")
        for route in client.app.routes
        if route.path.startswith("/api")
    }
    assert app_paths - covered == set()
    # And every non-public API route refuses a caller without credentials.
    for path in sorted(app_paths - public):
        concrete = path
        for param in (
            "order_id",
            "customer_id",
            "lock_id",
            "organisation_id",
            "user_id",
            "device_id",
            "subscription_id",
        ):
            concrete = concrete.replace("{" + param + "}", world.ids["order_a"])
        response = await client.get(concrete)
        assert response.status_code in {401, 405}, (path, response.status_code)


async def test_notification_and_activity_routes(client, world) -> None:
    """The outbox is for admins only; push subscriptions belong to their person; everyone has
    the public key and an activity count over what they can see."""
    from tests.integration.push_keys import new_subscription_keys

    for name in ACTORS:
        headers = world[name].headers
        for path in ("/api/admin/outbox", "/api/admin/outbox/summary"):
            response = await client.get(path, headers=headers)
            assert response.status_code == (200 if name == "admin" else 403), (path, name)
        key = await client.get("/api/push/public-key", headers=headers)
        assert key.status_code == 200 and len(key.json()["public_key"]) == 87
        counts = await client.get(
            "/api/activity/closed-per-person", params={"day": "2026-03-10"}, headers=headers
        )
        assert counts.status_code == 200 and counts.json() == []
    subscriptions = {}
    for name in ACTORS:
        keys = new_subscription_keys()
        response = await client.post(
            "/api/push/subscriptions",
            json={
                "endpoint": f"https://push.example.org/send/{name}",
                "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
            },
            headers=world[name].headers,
        )
        assert response.status_code == 201, response.text
        subscriptions[name] = response.json()["id"]
    for owner, sub_id in subscriptions.items():
        for name in ACTORS:
            if name in {owner, "admin"}:
                continue
            response = await client.delete(
                f"/api/push/subscriptions/{sub_id}", headers=world[name].headers
            )
            assert response.status_code == 404, (owner, name)
        listed = await client.get("/api/push/subscriptions", headers=world[owner].headers)
        assert [s["id"] for s in listed.json()] == [sub_id]
        remover = "admin" if owner == "orderer_a" else owner
        response = await client.delete(
            f"/api/push/subscriptions/{sub_id}", headers=world[remover].headers
        )
        assert response.status_code == 204


async def test_lock_authority_routes(client, world) -> None:
    """Tickets, credentials and unbind tokens: only the fitter assigned to the order; everyone
    else who sees the order gets 403, everyone who does not 404. The key: not for orderers."""
    order_id = world.ids["order_a"]
    for path, body in (
        ("pairing-ticket", None),
        ("staff-credential", {"staff_public_key": "11" * 32, "serial": "LW-00A1"}),
        ("unbind-token", {"serial": "LW-00A1"}),
    ):
        for name in ACTORS:
            response = await client.post(
                f"/api/orders/{order_id}/{path}", json=body, headers=world[name].headers
            )
            if name == "fitter_1":
                # Allowed, but the order is not booked yet: refused with the reason.
                assert response.status_code == 409, (path, name, response.text)
            else:
                expected = 403 if name in VISIBLE["order_a"] else 404
                assert response.status_code == expected, (path, name, response.text)
    for name in ACTORS:
        response = await client.get("/api/lock-authority", headers=world[name].headers)
        expected = 403 if name.startswith("orderer") else 200
        assert response.status_code == expected, name
