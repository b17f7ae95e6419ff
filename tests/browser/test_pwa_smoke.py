"""Smoke: the PWA loads in a real headless Chromium, logs a fitter in and lists their orders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import login, new_phone

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_app_loads_logs_in_and_lists_orders(
    sqlite_server: Any, browser: Any, tmp_path: Path
) -> None:
    phone = new_phone(browser)
    page = phone.page
    try:
        page.goto(sqlite_server.url + "/orders")
        # Not logged in: the login screen, in Swedish by default.
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        # Logging in comes back to /orders, with the fitter's orders pulled into IndexedDB.
        login(phone, sqlite_server.url, "montor1", path="/orders")
        expect(page.get_by_role("heading", name="Ärenden")).to_be_visible()
        expect(page.get_by_test_id("order-row").first).to_be_visible()
        assert page.get_by_test_id("order-row").count() > 0
        expect(page.get_by_test_id("net-status")).to_have_text("Online")
        expect(page.get_by_test_id("pending-count")).to_have_text("0 osynkade")
        # No horizontal scroll at 360 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # English through the language switch on "More".
        page.get_by_test_id("nav-more").click()
        page.get_by_label("English").check()
        expect(page.get_by_role("heading", name="More")).to_be_visible()
        page.screenshot(path=str(tmp_path / "more-en.png"))
        assert phone.errors == []
    finally:
        phone.close()
