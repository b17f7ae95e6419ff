"""Smoke: the PWA loads in a real headless Chromium, logs a fitter in and lists their orders.

Self-contained (its own server and browser, see pwa_helpers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.pwa_helpers import chromium, demo_server

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

DEMO_PASSWORD = "lockwork-demo"  # the documented demo password


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("pwa-smoke")) as url:
        yield url


def test_app_loads_logs_in_and_lists_orders(server: str, tmp_path: Path) -> None:
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, service_workers="allow"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server + "/orders")
        # Not logged in: the login screen, in Swedish by default.
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        page.get_by_label("Användarnamn").fill("montor1")
        page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        # Back at /orders after login, with the fitter's orders pulled into IndexedDB.
        expect(page.get_by_role("heading", name="Ärenden")).to_be_visible()
        expect(page.get_by_test_id("last-sync")).to_contain_text("Synkad", timeout=15_000)
        expect(page.get_by_test_id("order-row").first).to_be_visible()
        rows = page.get_by_test_id("order-row").count()
        assert rows > 0
        expect(page.get_by_test_id("net-status")).to_have_text("Online")
        expect(page.get_by_test_id("pending-count")).to_have_text("0 osynkade")
        # No horizontal scroll at 360 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # English through the language switch on "More".
        page.get_by_test_id("nav-more").click()
        page.get_by_label("English").check()
        expect(page.get_by_role("heading", name="More")).to_be_visible()
        page.screenshot(path=str(tmp_path / "more-en.png"))
        assert errors == []
