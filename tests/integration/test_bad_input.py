"""Issue 17, point 4: input the server cannot use is a 400 that says what to do, never a 500,
and saves nothing. On SQLite and PostgreSQL (the ``client`` fixture runs on both)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.routes import HTTPRoute

from gateway.sync_client import SyncClient

pytestmark = pytest.mark.asyncio

# msgspec gives up on nesting at Python's recursion limit (about 1,000 levels); far beyond it.
DEEP = 100_000
NAIVE = "2026-03-10T10:00:00"
YEAR_ONE = "0001-01-01T00:00:00+01:00"  # before year 1 in UTC
YEAR_9999 = "9999-12-31T23:30:00-01:00"  # after 9999 in UTC
OUT_OF_RANGE = [NAIVE, YEAR_ONE, YEAR_9999, "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"]
BAD_DAYS = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"]
BODY_METHODS = {"POST", "PUT", "PATCH"}


def readable(response: Any) -> str:
    assert response.status_code == 400, (response.status_code, response.text)
    body = response.json()
    assert isinstance(body["message"], str) and len(body["message"]) > 20, body
    return str(body["message"])


async def _order_state(client: Any, world: Any) -> tuple[int, int]:
    order_id = world.ids["order_a"]
    headers = world["planner_1"].headers
    order = (await client.get(f"/api/orders/{order_id}", headers=headers)).json()
    attempts = await client.get(f"/api/orders/{order_id}/contact-attempts", headers=headers)
    return order["version"], len(attempts.json())


async def test_naive_and_extreme_date_times_on_rest_routes_are_400(client, world) -> None:
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    before = await _order_state(client, world)
    for at in OUT_OF_RANGE:
        message = readable(
            await client.post(
                f"/api/orders/{order_id}/contact-attempts",
                json={"to_whom": "customer", "outcome": "no_answer", "at": at},
                headers=fitter.headers,
            )
        )
        assert "offset" in message or "timezone" in message or "2099-12-31" in message, message
        readable(
            await client.post(
                f"/api/orders/{order_id}/transitions",
                json={"action": "schedule", "planned_start": at},
                headers=fitter.headers,
            )
        )
    for day in BAD_DAYS:
        readable(
            await client.post(
                f"/api/orders/{order_id}/transitions",
                json={"action": "put_on_hold", "hold_until": day},
                headers=fitter.headers,
            )
        )
        readable(
            await client.post(
                f"/api/orders/{order_id}/transitions",
                json={
                    "action": "complete",
                    "completion": {"work_done": "x", "minutes_spent": 5, "visit_on": day},
                },
                headers=fitter.headers,
            )
        )
    assert await _order_state(client, world) == before  # nothing saved


async def test_extreme_dates_in_query_parameters_are_400(client, world) -> None:
    for day in BAD_DAYS:
        message = readable(
            await client.get(
                "/api/activity/closed-per-person",
                params={"day": day},
                headers=world["planner_1"].headers,
            )
        )
        assert "2099-12-31" in message
    good = await client.get(
        "/api/activity/closed-per-person",
        params={"day": "2099-12-31"},
        headers=world["planner_1"].headers,
    )
    assert good.status_code == 200, good.text


async def test_naive_and_extreme_date_times_in_sync_mutations_are_refused_one_by_one(
    client, world
) -> None:
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    before = await _order_state(client, world)
    sync = SyncClient(http=client, headers=fitter.headers, device="bad-dates")
    await sync.register()
    for at in (NAIVE, YEAR_ONE, YEAR_9999):
        sync.enqueue(
            "contact_attempt.add",
            {"order_id": order_id, "to_whom": "customer", "outcome": "no_answer", "at": at},
        )
        sync.enqueue("order.schedule", {"order_id": order_id, "planned_start": at})
    sync.enqueue("order.put_on_hold", {"order_id": order_id, "hold_until": "9999-12-31"})
    results = await sync.push()
    assert [r["status"] for r in results] == ["rejected"] * 7, results
    # Arguments the decoder refuses are the app's fault, not the person's: the sync
    # layer names them invalid_arguments and says what to do.
    assert all(r["code"] == "invalid_arguments" and r["message"] for r in results), results
    assert all("2099-12-31" in r["message"] or "timezone" in r["message"] for r in results)
    assert await _order_state(client, world) == before
    # The queue moves on: a good mutation after the refused ones is applied.
    sync.enqueue(
        "contact_attempt.add",
        {"order_id": order_id, "to_whom": "customer", "outcome": "no_answer"},
    )
    assert [r["status"] for r in await sync.push()] == ["applied"]


def _body_routes(app: Any, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every API route that takes a body, with its path parameters filled in."""
    routes = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api"):
            continue
        path = route.path.replace(":uuid", "")
        for name in ("order_id", "customer_id", "lock_id", "organisation_id", "user_id"):
            path = path.replace("{" + name + "}", ids[name])
        # Any other id: an id of the right form is enough, the body is refused before it is
        # looked up (routes added later are covered without a change here).
        path = re.sub(r"\{[a-z_]+_id\}", ids["order_id"], path)
        for method in sorted(route.methods & BODY_METHODS):
            handler = route.route_handler_map[method][0]
            if "data" in handler.parsed_fn_signature.parameters:
                routes.append((method, path))
    return routes


@pytest.mark.parametrize(
    ("what", "content", "says"),
    [
        ("deep nesting", b"[" * DEEP + b"]" * DEEP, "nested too deeply"),
        ("deep object", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "nested too deeply"),
        ("invalid UTF-8", b'{"username": "\xff\xfe", "password": "\xc3\x28"}', "UTF-8"),
        ("truncated", b'{"username": "admin', "not valid JSON"),
    ],
)
async def test_undecodable_bodies_are_400_on_every_body_route(
    client, world, what: str, content: bytes, says: str
) -> None:
    ids = {
        "order_id": world.ids["order_a"],
        "customer_id": world.ids["customer_a"],
        "lock_id": world.ids["lock_a"],
        "organisation_id": world.ids["provider_a"],
        "user_id": world["admin"].user_id,
    }
    routes = _body_routes(client.app, ids)
    assert ("POST", "/api/auth/login") in routes and len(routes) >= 15
    for headers in ({}, world["admin"].headers):  # the anonymous caller too
        for method, path in routes:
            response = await client.request(
                method,
                path,
                content=content,
                headers={**headers, "content-type": "application/json"},
            )
            assert response.status_code == 400, (what, method, path, response.text[:200])
            assert response.json()["code"] == "invalid_json"
            assert says in response.json()["message"], response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/app/main%00.js",
        "/%00",
        "/orders/%00",
        "/v/{version}/app/main.js%00",
        "/v/{version}/app%00/main.js",
        "/sw.js%00",
    ],
)
async def test_a_nul_byte_in_an_app_file_path_is_400(client, path: str) -> None:
    index = await client.get("/", headers={"accept": "text/html"})
    version = index.text.split("/v/")[1].split("/")[0]
    for accept in ("text/html", "*/*"):
        response = await client.get(path.format(version=version), headers={"accept": accept})
        readable(response)
