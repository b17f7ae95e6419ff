"""Orders at each step of the letter booking (seed 002), made through the server's own API, for
the booking screens' browser tests (``test_booking_desk.py``, ``test_booking_reply_page.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.browser.harness import World
from tests.browser.test_desk import planned, queued_order

REPLIES = "/api/public/booking-replies"


def scheduled(world: World, fitter_id: str, day: date, hour: int, kind: str = "inspection") -> Any:
    """A new order, assigned and planned (scheduled) for ``fitter_id`` at ``hour`` on ``day``."""
    return planned(world, queued_order(world, kind)["id"], fitter_id, day, hour)


def scheduled_alone(world: World, fitter_id: str, day: date, hour: int) -> Any:
    """Like :func:`scheduled`, for a resident with no other open order (whose record the test
    may then change without touching the other orders)."""
    busy = {
        o["customer_id"]
        for o in world.orderer.get("/api/orders/", limit=200)["items"]
        if o["status"] not in ("done", "cancelled")
    }
    customers = world.orderer.get("/api/customers/", limit=200)["items"]
    customer = next(c for c in customers if c["id"] not in busy)
    order = world.orderer.post(
        "/api/orders/", {"kind": "inspection", "customer_id": customer["id"]}
    )
    return planned(world, order["id"], fitter_id, day, hour)


def lock(world: World, order_ids: list[str], channel: str = "letter") -> dict[str, str]:
    """Lock the orders' appointments (-> ready_to_print); their booking codes by order id."""
    answer = world.planner.post("/api/booking/lock", {"order_ids": order_ids, "channel": channel})
    assert answer["refused"] == [], answer["refused"]
    return {item["order_id"]: item["booking_code"] for item in answer["locked"]}


def awaiting_response(
    world: World, fitter_id: str, day: date, hour: int, kind: str = "inspection"
) -> tuple[Any, str]:
    """An order whose letter went out (awaiting_response), and its booking code."""
    order = scheduled(world, fitter_id, day, hour, kind)
    code = lock(world, [order["id"]])[order["id"]]
    world.planner.post(f"/api/booking/orders/{order['id']}/letter", {})
    assert world.order(order["id"])["status"] == "awaiting_response"
    return world.order(order["id"]), code


def public_reply(server: str, code: str, answer: str) -> httpx.Response:
    """A resident's answer on the public reply page's endpoint: no session, no CSRF token."""
    response = httpx.post(server + REPLIES, json={"code": code, "answer": answer})
    assert response.status_code == 202, response.text
    return response


def unhandled_replies(world: World) -> list[dict[str, Any]]:
    return world.planner.get("/api/booking/replies", unhandled="true")  # type: ignore[no-any-return]
