"""Smoke: the PWA loads in a real headless Chromium, logs a fitter in and lists their orders.

Self-contained (its own server and browser); the full browser suite builds on
tests/browser/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import run_cli, running_server, server_env

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LOCKWORK_CHROMIUM", "/usr/lib/chromium/chromium")
DEMO_PASSWORD = "lockwork-demo"  # the documented demo password


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("pwa-smoke")
    env = server_env(
        f"sqlite:///{data / 'lockwork.sqlite3'}", data, LOCKWORK_BACKGROUND_JOBS="false"
    )
    for command in (["migrate"], ["demo-data"]):
        result = run_cli(command, env)
        assert result.returncode == 0, result.stdout + result.stderr
    with running_server(env) as url:
        yield url


def test_app_loads_logs_in_and_lists_orders(demo_server: str, tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set LOCKWORK_CHROMIUM)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, service_workers="allow"
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(demo_server + "/orders")
            expect = playwright_api.expect
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
        finally:
            browser.close()
