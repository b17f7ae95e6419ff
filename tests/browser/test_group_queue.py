"""Issue 13: an order a rule sent to a group's queue shows on its fitters' phones (360×740),
and one of them takes it. A real server with demo data (SQLite and PostgreSQL), Chromium."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import LiveServer
from tests.browser.harness import FITTER, World, check_screen, login, new_phone

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_a_fitter_takes_an_order_from_the_groups_queue(
    live_server: LiveServer, browser: Any
) -> None:
    server = live_server.url
    world = World.of(server)
    planner = world.planner
    group = planner.post(
        "/api/routing/groups", {"name": "Kölaget", "members": [world.fitter.user["id"]]}
    )
    rule = planner.post(
        "/api/routing/rules",
        {"name": "Installationer till kölaget", "kinds": ["installation"], "group_id": group["id"]},
    )
    try:
        customers = world.orderer.get("/api/customers/", limit=200)["items"]
        order = world.orderer.post(
            "/api/orders/",
            {"kind": "installation", "customer_id": customers[-1]["id"], "description": "Nytt lås"},
        )
        placed = planner.get(f"/api/orders/{order['id']}")
        assert placed["assigned_group_id"] == group["id"]
        assert placed["assignment_rule"] == "Installationer till kölaget"

        phone = new_phone(browser)
        page = phone.page
        login(phone, server, FITTER)
        queue = page.get_by_test_id("group-queue")
        expect(queue).to_contain_text("Gruppens kö")
        card = queue.get_by_test_id("queued-order").filter(has_text=order["reference"])
        expect(card).to_have_count(1)
        check_screen(page, "group-queue")
        card.get_by_role("button", name="Ta ordern").click()
        expect(page.locator("#announcer, [aria-live]").first).to_contain_text(order["reference"])
        expect(
            queue.get_by_test_id("queued-order").filter(has_text=order["reference"])
        ).to_have_count(0)
        taken = world.fitter.get(f"/api/orders/{order['id']}")
        assert taken["assigned_fitter_id"] == world.fitter.user["id"]
        assert phone.errors == []
        phone.close()
    finally:
        httpx.delete(
            f"{server}/api/routing/rules/{rule['id']}",
            cookies=planner.cookies,
            headers=planner.headers,
        )
