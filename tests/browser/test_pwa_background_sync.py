"""Background Sync: with no window of the app open, the service worker itself sends the outbox.

The sync event is delivered through the DevTools protocol (ServiceWorker.dispatchSyncEvent),
as the browser would when the connection comes back after the app was closed.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.harness import ServerApi, login, new_phone, wait_for_service_worker

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

# How long the worker may take to push after the event (it opens IndexedDB, registers nothing
# new, pushes one mutation and pulls once).
WORKER_SYNC_SECONDS = 15.0
POLL_SECONDS = 0.25


def test_worker_sends_the_outbox_with_no_page_open(sqlite_server: Any, browser: Any) -> None:
    phone = new_phone(browser)
    page = phone.page
    try:
        login(phone, sqlite_server.url, "montor1", path="/orders?filter=to_contact")
        wait_for_service_worker(phone)
        row = page.get_by_test_id("order-row").first
        order_id = row.get_attribute("data-order-id")
        row.click()
        phone.context.set_offline(True)
        page.get_by_test_id("outcome-wrong_number").click()
        expect(page.get_by_test_id("pending-count")).to_have_text("1 osynkade")

        devtools = phone.context.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        devtools.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        devtools.send("ServiceWorker.enable")
        deadline = time.monotonic() + WORKER_SYNC_SECONDS
        while not registrations and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert registrations, "the app's service worker registration was not reported"
        page.goto("about:blank")  # no window of the app is open any more
        phone.context.set_offline(False)
        devtools.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": sqlite_server.url,
                "registrationId": registrations[0]["registrationId"],
                "tag": "lockwork-outbox",
                "lastChance": False,
            },
        )

        api = ServerApi(sqlite_server.url, "montor1")
        found: list[Any] = []
        while time.monotonic() < deadline + WORKER_SYNC_SECONDS:
            attempts = api.get(f"/api/orders/{order_id}/contact-attempts")
            found = [a for a in attempts if a["outcome"] == "wrong_number"]
            if found:
                break
            time.sleep(POLL_SECONDS)
        assert len(found) == 1
    finally:
        phone.close()
