"""Issue 16: home-care staff on a 360×740 phone see who is coming and when, and cancel their
own order with a reason while no visit is booked. A real ``lockwork-server`` (demo data;
SQLite and PostgreSQL) and Debian's headless Chromium; the server's record is checked.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    ORDERER,
    SYNC_TIMEOUT_MS,
    World,
    check_screen,
    login,
    new_phone,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_staff_see_who_comes_and_cancel_before_the_booking(
    live_server: LiveServer, browser: Any
) -> None:
    server = live_server.url
    world = World.of(server)
    to_cancel = world.new_order("Beställd av misstag")
    booked = world.new_order("Bokas av montören")
    world.fitter.post(
        f"/api/orders/{booked['id']}/transitions",
        {"action": "schedule", "planned_start": "2030-01-08T09:00:00+01:00"},
    )
    fitter_name = world.fitter.user["full_name"]

    phone = new_phone(browser)
    page = phone.page
    login(phone, server, ORDERER)

    page.goto(f"{server}/orders/{booked['id']}")
    expect(page.get_by_test_id("order-fitter")).to_have_text(fitter_name)
    expect(page.get_by_test_id("order-visit")).to_contain_text("8 jan")
    expect(page.get_by_test_id("cancel-order")).to_have_count(0)  # booked: the planner's now
    check_screen(page, "orderer-order-booked")

    page.goto(f"{server}/orders/{to_cancel['id']}")
    expect(page.get_by_test_id("order-fitter")).to_have_text(fitter_name)
    page.get_by_test_id("cancel-order").locator("summary").click()
    page.get_by_label("Varför ska ordern makuleras?").fill("Fel kund vald")
    check_screen(page, "orderer-cancel-form", full_page=False)
    page.get_by_test_id("cancel-submit").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Makulerad")
    expect(page.get_by_test_id("pending-count")).to_have_text("0 osynkade", timeout=SYNC_TIMEOUT_MS)
    cancelled = world.order(to_cancel["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Fel kund vald"
    assert phone.errors == []
    phone.close()
