"""Every route × every role × own and other organisation.

The expectations are written out here by hand from the access rules of the issue, not derived
from server.accounts.permissions, so a wrong rule in the code shows up as a failure.
"""

from __future__ import annotations

import pytest

from tests.integration.world import GOOD_CHECKLIST, session_headers

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
    # The calendar feed: no login, the secret in its address is the credential (a wrong one is
    # 404: tests/integration/test_calendar_feed.py).
    # The booking reply page's answers: no login, rate-limited, the same answer for any code
    # (tests/integration/test_booking_reply_page_limits.py).
    public = {
        "/api/health",
        "/api/auth/login",
        "/api/calendar/{feed:str}",
        "/api/public/booking-replies",
        # Fault reports without login (issue 13): rate-limited, the form token, nothing about
        # customers or locks in any answer; the follow link's secret is its only key
        # (tests/integration/test_fault_reports.py).
        "/api/public/fault-reports",
        "/api/public/fault-reports/form",
        "/api/public/fault-reports/follow",
    }
    covered = (
        set(READ_ROUTES)
        | set(LIST_ROUTES)
        | public
        | {
            "/api/orders/{order_id}/transitions",
            "/api/orders/{order_id}/assignment",
            "/api/orders/{order_id}/contact-attempts",
            # Photos with an order: test_photos_api.py (who sees, who may add).
            "/api/orders/{order_id}/photos",
            "/api/orders/{order_id}/photos/{photo_id}",
            # Taking back a call: every actor of this world, test_call_withdrawal.py.
            "/api/orders/{order_id}/contact-attempts/{attempt_id}",
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
            # Device tokens: test_device_routes below.
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
            "/api/orders/{order_id}/lock-replacement",
            # The SMS provider's callbacks: no login, the callback secret instead
            # (tests/integration/test_notify_sms.py refuses every call without it).
            "/api/sms/46elks/delivery",
            "/api/sms/46elks/inbound",
            # Locks a hub gateway serves: tests/integration/test_gateway_scope.py.
            "/api/devices/{device_id}/locks",
            "/api/devices/{device_id}/locks/credential",
            # Administration (issue 11): test_administration_routes below.
            "/api/organisations/{organisation_id}",
            "/api/users/{user_id}/password",
            "/api/admin/outbox/{message_id}/resend",
            # The calendar feed's address, made and revoked by fitters: test_calendar_feed_routes.
            "/api/calendar-feed",
            # Forwarding an order to a colleague: test_forward_routes below.
            "/api/orders/{order_id}/forwards",
            "/api/orders/{order_id}/forwards/{forward_id}/done",
            # Booking letters and replies (seed 002): every actor of this world, in
            # tests/integration/test_booking_access.py.
            "/api/booking/lock",
            "/api/booking/letter-jobs",
            "/api/booking/letter-jobs/{job_id}",
            "/api/booking/orders/{order_id}/letter",
            "/api/booking/orders/{order_id}/confirmation-sms",
            "/api/booking/letters",
            "/api/booking/letters/{letter_id}/pdf",
            "/api/booking/letters/merged",
            "/api/booking/letters/printed",
            "/api/booking/sms",
            "/api/booking/replies",
            "/api/booking/replies/{reply_id}/handled",
            "/api/orders/{order_id}/booking",
            # Fault cases and QR labels (issue 13): every actor of this world, in
            # tests/integration/test_fault_reports.py (test_who_sees_and_handles_cases_and_labels).
            "/api/cases",
            "/api/cases/{case_id}",
            "/api/cases/{case_id}/photo",
            "/api/cases/{case_id}/close",
            "/api/cases/{case_id}/order",
            "/api/qr-tokens",
            "/api/qr-tokens/{token_id}",
            "/api/qr-labels.pdf",
            # Areas, groups, rules, schedules, the battery rule (issue 13): every actor, in
            # tests/integration/test_routing_access.py.
            "/api/routing/areas",
            "/api/routing/areas/{area_id}",
            "/api/routing/groups",
            "/api/routing/groups/{group_id}",
            "/api/routing/rules",
            "/api/routing/rules/{rule_id}",
            "/api/routing/rules/order",
            "/api/routing/schedules",
            "/api/routing/schedules/{schedule_id}",
            "/api/routing/battery-rule",
            "/api/routing/queue",
            "/api/routing/queue/{order_id}/take",
            "/api/routing/providers",
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
            "message_id",
            "forward_id",
            "attempt_id",
            "photo_id",
            "job_id",
            "letter_id",
            "reply_id",
            "case_id",
            "token_id",
            "area_id",
            "group_id",
            "rule_id",
            "schedule_id",
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
    """Tickets, credentials, unbind tokens and the lock replacement: only the fitter assigned to
    the order; everyone else who sees the order gets 403, everyone who does not 404. The key:
    not for orderers."""
    order_id = world.ids["order_a"]
    for path, body in (
        ("pairing-ticket", None),
        ("staff-credential", {"staff_public_key": "11" * 32, "serial": "LW-00A1"}),
        ("unbind-token", {"serial": "LW-00A1"}),
        ("lock-replacement", {"serial": "LW-00A1", "reason": "The motor is broken."}),
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


async def test_device_routes(client, world) -> None:
    """A person logged in makes, lists and revokes their own device tokens (an administrator
    any); no device token may do any of it (issue 17: tokens minted by a token outlived it)."""
    sessions = {name: await session_headers(client, world[name]) for name in ACTORS}
    made = {}
    for name in ACTORS:
        device = world[name].headers
        assert (await client.get("/api/devices", headers=device)).status_code == 403, name
        refused = await client.post("/api/devices", json={"name": "x"}, headers=device)
        assert refused.status_code == 403, name
        created = await client.post(
            "/api/devices", json={"name": f"{name}-gateway"}, headers=sessions[name]
        )
        assert created.status_code == 201, (name, created.text)
        made[name] = created.json()["device"]["id"]
    for owner, device_id in made.items():
        listed = await client.get("/api/devices", headers=sessions[owner])
        assert {d["name"] for d in listed.json()} == {f"{owner}-device", f"{owner}-gateway"}
        owner_id = world[owner].user_id
        for name in ACTORS:
            if name in {owner, "admin"}:
                continue
            response = await client.delete(f"/api/devices/{device_id}", headers=sessions[name])
            assert response.status_code == 404, (owner, name)
            # Nor may they list the owner's devices; only an administrator may.
            others = await client.get(
                "/api/devices", params={"user_id": owner_id}, headers=sessions[name]
            )
            assert others.status_code == 404, (owner, name)
        by_admin = await client.get(
            "/api/devices", params={"user_id": owner_id}, headers=sessions["admin"]
        )
        assert by_admin.status_code == 200
        assert {d["name"] for d in by_admin.json()} == {f"{owner}-device", f"{owner}-gateway"}
        assert (
            await client.delete(f"/api/devices/{device_id}", headers=world[owner].headers)
        ).status_code == 403
        remover = "admin" if owner == "orderer_a" else owner
        response = await client.delete(f"/api/devices/{device_id}", headers=sessions[remover])
        assert response.status_code == 204, (owner, remover)
        listed = await client.get("/api/devices", headers=sessions[owner])
        assert {d["name"]: d["revoked"] for d in listed.json()}[f"{owner}-gateway"] is True


async def test_administration_routes(client, world) -> None:
    """Changing organisations and users and resending outbox messages: administrators only.
    Others get 404 for what they cannot see (another organisation, its users) and 403 for what
    they can (their own organisation, its users); the outbox is 403 for all of them."""
    from server.notify.tables import OutboxMessage

    message = OutboxMessage(channel="email", dedupe_key="matrix:held", state="held")
    await message.save()
    for name in ACTORS:
        headers = world[name].headers
        for org in ("provider_a", "provider_b", "fitters_1", "fitters_2"):
            response = await client.patch(
                f"/api/organisations/{world.ids[org]}",
                json={"phone": "018-100 00 00"},
                headers=headers,
            )
            if name == "admin":
                expected = 200
            else:
                expected = 403 if world[name].organisation_id == world.ids[org] else 404
            assert response.status_code == expected, (name, org, response.text)
        for target in ("orderer_a", "planner_1", "fitter_1b", "fitter_2"):
            user_id = world[target].user_id
            same_org = world[name].organisation_id == world[target].organisation_id
            expected = 200 if name == "admin" else (403 if same_org else 404)
            changed = await client.patch(
                f"/api/users/{user_id}", json={"areas": ["Centrum"]}, headers=headers
            )
            assert changed.status_code == expected, (name, target, changed.text)
            reset = await client.post(
                f"/api/users/{user_id}/password",
                json={"password": "correct horse battery"},
                headers=headers,
            )
            assert reset.status_code == expected, (name, target, reset.text)
        resend = await client.post(f"/api/admin/outbox/{message.id}/resend", headers=headers)
        if name == "admin":
            assert resend.status_code == 200, resend.text
        else:
            assert resend.status_code == 403, (name, resend.text)


async def test_calendar_feed_routes(client, world) -> None:
    """Only fitters make and revoke a calendar feed (their own); everyone else is refused."""
    for name in ACTORS:
        headers = world[name].headers
        made = await client.post("/api/calendar-feed", headers=headers)
        revoked = await client.delete("/api/calendar-feed", headers=headers)
        if name.startswith("fitter"):
            assert (made.status_code, revoked.status_code) == (201, 204), (name, made.text)
        else:
            assert (made.status_code, revoked.status_code) == (403, 403), (name, made.text)


async def test_forward_routes(client, world) -> None:
    """Forwarding: the order's planner (and admins, to their own colleagues); marking done: the
    two people it concerns (and admins). Invisible orders are 404, visible ones 403."""
    order_id = world.ids["order_a"]
    body = {"to_user_id": world["fitter_1"].user_id, "done_by": "2026-03-20"}
    made = None
    for name in ACTORS:
        response = await client.post(
            f"/api/orders/{order_id}/forwards", json=body, headers=world[name].headers
        )
        if name == "planner_1":
            assert response.status_code == 201, response.text
            made = response.json()["id"]
        elif name == "admin":
            # Allowed, but fitter 1 is not a colleague of the administration's.
            assert response.status_code == 400, response.text
        else:
            expected = 403 if name in VISIBLE["order_a"] else 404
            assert response.status_code == expected, (name, response.text)
        listed = await client.get(f"/api/orders/{order_id}/forwards", headers=world[name].headers)
        assert listed.status_code == (200 if name in VISIBLE["order_a"] else 404), name
    assert made is not None
    for name in ACTORS:
        if name in {"planner_1", "fitter_1", "admin"}:
            continue
        response = await client.post(
            f"/api/orders/{order_id}/forwards/{made}/done", headers=world[name].headers
        )
        expected = 403 if name in VISIBLE["order_a"] else 404
        assert response.status_code == expected, (name, response.text)
    done = await client.post(
        f"/api/orders/{order_id}/forwards/{made}/done", headers=world["fitter_1"].headers
    )
    assert done.status_code == 201, done.text
