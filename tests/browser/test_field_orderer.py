"""Issue 16: home-care staff on a 360×740 phone see who is coming and when, and cancel their
own order with a reason while no visit is booked. A real ``lockwork-server`` (demo data;
SQLite and PostgreSQL) and Debian's headless Chromium; the server's record is checked.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    ORDERER,
    World,
    all_sent,
    check_screen,
    login,
    new_phone,
    wait_for_service_worker,
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
    all_sent(page)
    cancelled = world.order(to_cancel["id"])
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Fel kund vald"
    assert phone.errors == []
    phone.close()


def place_in_the_app(page: Any, server: str, customer_name: str, note: str) -> str:
    """Home-care staff order an inspection for ``customer_name`` in the app; the order's id."""
    page.goto(server + "/orders/new")
    page.get_by_test_id("kind-inspection").click()
    search = page.locator("#customer-search")
    if search.count():
        search.fill(customer_name)
    page.locator('[data-testid="customer-choices"] button', has_text=customer_name).first.click()
    expect(page.get_by_test_id("step-details")).to_be_visible()
    page.get_by_label("Övrigt").fill(note)
    page.get_by_test_id("step-next").click()
    expect(page.get_by_test_id("order-offline")).to_be_visible()
    expect(page.get_by_test_id("send-order")).to_have_text("Skicka när anslutningen är tillbaka")
    page.get_by_test_id("send-order").click()
    expect(page.get_by_test_id("order-queued")).to_be_visible()
    return page.url.rsplit("/", 1)[-1]


def test_an_order_placed_offline_is_sent_later_and_the_answer_comes_back(
    live_server: LiveServer, browser: Any
) -> None:
    server = live_server.url
    world = World.of(server)
    open_orders = world.orderer.get("/api/orders/", limit=200)["items"]
    busy = {o["customer_id"] for o in open_orders if o["status"] not in ("done", "cancelled")}
    customers = world.orderer.get("/api/customers/", limit=200)["items"]
    free = next(c for c in customers if c["id"] not in busy)
    # A customer with an open inspection already: the server refuses a second one.
    taken = world.new_order("Redan beställd besiktning")

    phone = new_phone(browser)
    page = phone.page
    login(phone, server, ORDERER)
    wait_for_service_worker(phone)
    phone.context.set_offline(True)
    placed_id = place_in_the_app(page, server, free["name"], "Beställd utan täckning")
    check_screen(page, "orderer-order-queued", full_page=False)
    refused_id = place_in_the_app(page, server, taken["customer_name"], "Dubblett")
    expect(page.get_by_test_id("pending-count")).to_have_text("2 osynkade")

    phone.context.set_offline(False)
    all_sent(page)
    # The refusal comes back to the person, with the server's reason in Swedish.
    expect(page.get_by_test_id("problem")).to_contain_text(taken["customer_name"])
    expect(page.get_by_test_id("problem-reason")).to_contain_text("redan en öppen order")
    expect(page.get_by_test_id("problem")).to_contain_text("sparades inte: beställning")
    expect(page.get_by_test_id("problem-next")).to_contain_text("befintliga ordern")
    check_screen(page, "orderer-queued-order-refused", full_page=False)
    expect(page.get_by_test_id("order-gone")).to_be_visible()  # the refused one's page
    assert world.orderer.get(f"/api/orders/{placed_id}")["status"] == "ordered"
    missing = httpx.get(
        f"{server}/api/orders/{refused_id}",
        cookies=world.orderer.cookies,
        headers=world.orderer.headers,
    )
    assert missing.status_code == 404

    page.goto(f"{server}/orders/{placed_id}")
    expect(page.get_by_test_id("order-queued")).to_have_count(0)
    reference = world.orderer.get(f"/api/orders/{placed_id}")["reference"]
    expect(page.get_by_test_id("order-reference")).to_have_text(reference)
    listed = world.orderer.get("/api/orders/", limit=200)["items"]
    assert [o["id"] for o in listed].count(placed_id) == 1
    assert phone.errors == []
    phone.close()


def test_a_draft_is_sent_and_another_deleted(live_server: LiveServer, browser: Any) -> None:
    server = live_server.url
    world = World.of(server)
    open_orders = world.orderer.get("/api/orders/", limit=200)["items"]
    busy = {o["customer_id"] for o in open_orders if o["status"] not in ("done", "cancelled")}
    free = [
        c for c in world.orderer.get("/api/customers/", limit=200)["items"] if c["id"] not in busy
    ]
    to_send, to_delete = (
        world.orderer.post(
            "/api/orders/", {"kind": "inspection", "customer_id": c["id"], "draft": True}
        )
        for c in free[:2]
    )
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, ORDERER)
    page.goto(f"{server}/orders/{to_send['id']}")
    expect(page.get_by_test_id("order-status")).to_have_text("Utkast")
    check_screen(page, "orderer-draft")
    page.get_by_test_id("draft-send").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Beställd")
    page.goto(f"{server}/orders/{to_delete['id']}")
    page.get_by_test_id("draft-delete").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Makulerad")
    all_sent(page)
    assert world.order(to_send["id"], as_="orderer")["status"] == "ordered"
    assert world.order(to_delete["id"], as_="orderer")["status"] == "cancelled"
    assert phone.errors == []
    phone.close()
