"""Every fitter's screen at 360x740: a screenshot into the test artefacts and axe-core with 0
serious or critical violations, in Swedish (and the main ones in English), online and offline.

The home-care staff's screens are checked the same way in test_orderer.py; the notices
(rejected change, waiting update) in test_pwa_offline.py and test_pwa_service_worker.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    FITTER,
    World,
    check_screen,
    login,
    new_phone,
    require_playwright,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser
FILTERS = ("to_contact", "booked", "overdue", "escalated", "done")


def test_every_fitter_screen_is_accessible_at_360_px(
    sqlite_server: LiveServer, browser: Any
) -> None:
    expect = require_playwright().expect
    server = sqlite_server.url
    world = World.of(server)
    to_call = world.new_order("Skärmbild: ring kunden")
    visiting = world.new_order("Skärmbild: besök pågår", in_progress=True)
    done = next(
        o
        for o in world.fitter.get("/api/orders/", status="done", limit=50)["items"]
        if o["assigned_fitter_id"] == world.fitter.user["id"]
    )

    phone = new_phone(browser)
    page = phone.page
    page.goto(server + "/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    check_screen(page, "fitter-login")
    page.get_by_role("button", name="Logga in").click()  # empty: the form says what is missing
    check_screen(page, "fitter-login-error")

    login(phone, server, FITTER, path="/")
    wait_for_service_worker(phone)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_screen(page, "fitter-my-day")

    page.get_by_test_id("nav-orders").click()
    expect(page.get_by_test_id("order-row").first).to_be_visible()
    check_screen(page, "fitter-orders")
    for name in FILTERS:
        page.get_by_test_id(f"filter-{name}").click()
        expect(page).to_have_url(f"{server}/orders?filter={name}")
        check_screen(page, f"fitter-orders-{name}")

    page.goto(f"{server}/orders/{to_call['id']}")
    expect(page.get_by_role("heading", name="Logga samtal")).to_be_visible()
    check_screen(page, "fitter-order-to-call")
    page.goto(f"{server}/orders/{visiting['id']}")
    expect(page.get_by_test_id("complete")).to_be_visible()
    check_screen(page, "fitter-order-visit-with-lock-panel")
    page.goto(f"{server}/orders/{done['id']}")
    expect(page.get_by_test_id("order-status")).to_have_text("Klar")
    # A date ending in an abbreviation's full stop does not get a second one ("dec..").
    expect(page.get_by_test_id("completed")).to_have_text(re.compile(r"^Klart, besök .*[^.]\.$"))
    check_screen(page, "fitter-order-done")

    page.get_by_test_id("nav-more").click()
    check_screen(page, "fitter-more")

    # Offline: the status bar says so; a call logged offline waits in the outbox.
    phone.context.set_offline(True)
    page.goto(f"{server}/orders/{to_call['id']}")
    page.get_by_test_id("outcome-no_answer").click()
    expect(page.get_by_test_id("pending-count")).to_have_text("1 osynkade")
    check_screen(page, "fitter-order-offline-pending")
    page.goto(f"{server}/orders/00000000-0000-4000-8000-000000000000")
    expect(page.get_by_test_id("order-gone")).to_be_visible()
    check_screen(page, "fitter-order-not-on-phone")
    phone.context.set_offline(False)

    # English, chosen on "More".
    page.get_by_test_id("nav-more").click()
    page.get_by_label("English").check()
    expect(page.get_by_role("heading", name="More")).to_be_visible()
    check_screen(page, "fitter-more-en")
    page.get_by_test_id("nav-my-day").click()
    check_screen(page, "fitter-my-day-en")
    page.goto(f"{server}/orders/{visiting['id']}")
    expect(page.get_by_test_id("complete")).to_be_visible()
    check_screen(page, "fitter-order-visit-en")
    assert phone.errors == []
    phone.close()
