"""Helpers for the PWA's browser tests: a phone-sized context, logging in, the server's own
view of the data (to check what the browser did), screenshots and the accessibility check.

Fixtures that use these live in ``tests/browser/conftest.py``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.demo import DEMO_PASSWORD
from tests.conftest import IN_CI

CHROMIUM = os.environ.get("LOCKWORK_CHROMIUM", "/usr/lib/chromium/chromium")
# One thumb on a small Android phone: the size every screen is designed and checked at.
PHONE = {"width": 360, "height": 740}
LOCALE = "sv-SE"
TIMEZONE = "Europe/Stockholm"
ARTEFACTS = Path(os.environ.get("LOCKWORK_TEST_ARTEFACTS", "var/test-artefacts")).resolve()
SCREENSHOTS = ARTEFACTS / "screenshots"
# A first sync pulls a fitter's scope; a round after reconnecting waits for the retry timer
# (2 s base, jittered) at worst. These bounds only turn a hang into a failure.
SYNC_TIMEOUT_MS = 20_000
# axe-core impacts that fail a screen (minor and moderate are reported, not failed).
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def require_playwright() -> Any:
    """The sync Playwright API and Debian's Chromium, or skip (locally) / fail (CI=true)."""
    problem = None
    try:
        import playwright.sync_api as api
    except ImportError:
        problem = "Python playwright is not installed (pip install -e '.[test]')"
    else:
        if not Path(CHROMIUM).exists():
            problem = (
                f"no Chromium at {CHROMIUM} (apt-get install chromium, or set LOCKWORK_CHROMIUM)"
            )
    if problem:
        if IN_CI:
            pytest.fail(problem + "; with CI=true the browser tests must run.")
        pytest.skip(problem)
    return api


def launch(playwright: Any) -> Any:
    # Playwright's own browser download does not work here; Debian's binary does (the
    # /usr/bin/chromium wrapper is a shell script, hence the real path).
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
    )


@dataclass
class Phone:
    """One browser context at 360x740 in Swedish: a fitter's or a home-care worker's phone."""

    context: Any
    page: Any
    errors: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()


def new_phone(browser: Any, **options: Any) -> Phone:
    context = browser.new_context(
        viewport=PHONE,
        locale=LOCALE,
        timezone_id=TIMEZONE,
        service_workers="allow",
        **options,
    )
    page = context.new_page()
    phone = Phone(context, page)
    page.on("pageerror", lambda error: phone.errors.append(str(error)))
    return phone


def login(phone: Phone, server: str, username: str, path: str = "/login") -> None:
    """Log in through the app's own form and wait for the first sync to finish."""
    expect = require_playwright().expect
    page = phone.page
    page.goto(server + path)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_test_id("last-sync")).to_contain_text("Synkad", timeout=SYNC_TIMEOUT_MS)


def all_sent(page: Any) -> None:
    """The phone's outbox is empty: every change reached the server and was answered."""
    require_playwright().expect(page.get_by_test_id("pending-count")).to_have_text(
        "0 osynkade", timeout=SYNC_TIMEOUT_MS
    )


def wait_for_service_worker(phone: Phone) -> None:
    """The app's worker is active and controls the page (its precache is complete)."""
    phone.page.evaluate(
        """async () => {
          await navigator.serviceWorker.ready;
          if (!navigator.serviceWorker.controller) {
            await new Promise((r) => navigator.serviceWorker.addEventListener(
              'controllerchange', r, { once: true }));
          }
        }"""
    )


class ServerApi:
    """A person's own HTTP session with the server: the database's answer, not the UI's."""

    def __init__(self, server: str, username: str) -> None:
        self.server = server
        answer = httpx.post(
            server + "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        self.cookies = answer.cookies
        self.headers = {"X-CSRF-Token": answer.json()["csrf_token"]}
        self.user = httpx.get(server + "/api/auth/me", cookies=self.cookies).json()["user"]

    def get(self, path: str, **params: Any) -> Any:
        answer = httpx.get(self.server + path, params=params, cookies=self.cookies)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def post(self, path: str, body: dict[str, Any], expect_status: int | None = None) -> Any:
        answer = httpx.post(
            self.server + path, json=body, cookies=self.cookies, headers=self.headers
        )
        if expect_status is None:
            assert answer.is_success, f"POST {path}: {answer.status_code} {answer.text}"
        else:
            assert answer.status_code == expect_status, answer.text
        return answer.json() if answer.content else None

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        answer = httpx.patch(
            self.server + path, json=body, cookies=self.cookies, headers=self.headers
        )
        assert answer.is_success, f"PATCH {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def accessibility_problems(page: Any) -> list[str]:
    """axe-core (bundled by axe-playwright-python, pinned) on the page as it is now: the
    serious and critical violations, one line each, with the elements they concern."""
    from axe_playwright_python.base import AXE_SCRIPT

    # page.evaluate is not bound by the app's CSP (no eval allowed for page scripts).
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


# What sticks out past the page's right edge (the innermost such elements), for the message.
WIDER_THAN_THE_PAGE = """(width) => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > width + 1)
  .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1))
  .slice(0, 5)
  .map((el) => `${el.localName}.${el.className} "${el.textContent.trim().slice(0, 40)}"`)
  .join('; ')"""


def check_screen(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Screenshot of the screen (360x740 unless the page was made wider) into the test
    artefacts (and of the whole page, as ``<name>-full.png``, where the fixed bottom bar shows
    at the first screen's edge), then axe-core: 0 serious or critical violations, and no
    sideways scrolling."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_slug(name)}.png"
    page.screenshot(path=str(path), animations="disabled")
    if full_page:
        full = SCREENSHOTS / f"{_slug(name)}-full.png"
        page.screenshot(path=str(full), full_page=True, animations="disabled")
    problems = accessibility_problems(page)
    assert problems == [], f"{name}: axe-core found serious/critical violations:\n" + "\n".join(
        problems
    )
    # The page's own width: 360 px on a phone, wider for a back-office screen on a desk.
    width = (page.viewport_size or PHONE)["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
        f"{name}: scrolls sideways at {width} px: " + page.evaluate(WIDER_THAN_THE_PAGE, width)
    )
    return path


FITTER = "montor1"
OTHER_FITTER = "montor2"
ORDERER = "nord1"
PLANNER = "planerare"
# A visit booked tomorrow at ten, Swedish time: always in the future, on the fitter's plan.
VISIT_HOUR = 10


@dataclass
class World:
    """The demo organisations, seen through the people the tests act as (real logins)."""

    server: str
    fitter: ServerApi
    orderer: ServerApi
    planner: ServerApi

    @classmethod
    def of(cls, server: str) -> World:
        return cls(
            server,
            ServerApi(server, FITTER),
            ServerApi(server, ORDERER),
            ServerApi(server, PLANNER),
        )

    def new_order(
        self, description: str, *, in_progress: bool = False, kind: str = "inspection"
    ) -> dict[str, Any]:
        """An order placed by home-care staff and assigned to the fitter by the planner,
        through the API; optionally booked, confirmed and started by the fitter. By default an
        inspection (no lock evidence needed to complete it); ``kind="installation"`` needs no
        checklist but the new lock's pairing receipt (or an override reason)."""
        # The server refuses a second open order of a kind for a customer's lock: take a
        # customer with no open order at all.
        busy = {
            o["customer_id"]
            for o in self.orderer.get("/api/orders/", limit=200)["items"]
            if o["status"] not in ("done", "cancelled")
        }
        customers = self.orderer.get("/api/customers/", limit=200)["items"]
        customer = next(c for c in reversed(customers) if c["id"] not in busy)
        order = self.orderer.post(
            "/api/orders/",
            {"kind": kind, "customer_id": customer["id"], "description": description},
        )
        self.planner.post(
            f"/api/orders/{order['id']}/assignment", {"fitter_id": self.fitter.user["id"]}
        )
        if in_progress:
            from datetime import timedelta

            start = (datetime.now().astimezone() + timedelta(hours=1)).replace(
                minute=0, second=0, microsecond=0
            )
            for body in (
                {"action": "schedule", "planned_start": start.isoformat(), "estimate_minutes": 45},
                {"action": "confirm"},
                {"action": "start"},
            ):
                self.fitter.post(f"/api/orders/{order['id']}/transitions", body)
        return self.fitter.get(f"/api/orders/{order['id']}")

    def log_call(
        self,
        order_id: str,
        outcome: str,
        *,
        to_whom: str = "customer",
        note: str = "",
        contact_name: str = "",
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """A contact attempt by the fitter, through the API (``at`` in the past, or now)."""
        body: dict[str, Any] = {
            "outcome": outcome,
            "to_whom": to_whom,
            "note": note,
            "contact_name": contact_name,
        }
        if at is not None:
            body["at"] = at.isoformat()
        return self.fitter.post(f"/api/orders/{order_id}/contact-attempts", body)  # type: ignore[no-any-return]

    def book(self, order_id: str, start: datetime, minutes: int = 60) -> dict[str, Any]:
        """The fitter books (and confirms, as on the phone) a visit at ``start``."""
        self.fitter.post(
            f"/api/orders/{order_id}/transitions",
            {"action": "schedule", "planned_start": start.isoformat(), "estimate_minutes": minutes},
        )
        self.fitter.post(f"/api/orders/{order_id}/transitions", {"action": "confirm"})
        return self.fitter.get(f"/api/orders/{order_id}")  # type: ignore[no-any-return]

    def order(self, order_id: str, as_: str = "planner") -> dict[str, Any]:
        api: ServerApi = getattr(self, as_)
        return api.get(f"/api/orders/{order_id}")  # type: ignore[no-any-return]

    def attempts(self, order_id: str) -> list[dict[str, Any]]:
        return self.planner.get(f"/api/orders/{order_id}/contact-attempts")  # type: ignore[no-any-return]

    def events(self, order_id: str) -> list[dict[str, Any]]:
        return self.planner.get(f"/api/orders/{order_id}/events")  # type: ignore[no-any-return]
