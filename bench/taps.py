"""Taps and scrolls a person needs on a 360x740 phone, counted by a script (issue 16). Figures
only, never asserted.

    python -m bench.taps --json bench/results/taps.json

A real ``lockwork-server`` with the demo data (SQLite) and Debian's headless Chromium. Each
journey is the shortest path a person would take, written out step by step; a step is one tap
(a button, a link, a field to type in), and a step whose target is not on the screen first
costs one scroll (the target was below the status bar or under the bottom menu). Typing is not
counted as taps; the number of fields typed into is reported as ``fields``.

1. ``logged_call``: a fitter, from Min dag, to a logged call ("Inget svar") on an order that
   seeks contact.
2. ``battery_order_from_lock``: home-care staff, from the start screen, to a placed battery
   order from a lock's low-battery warning (the lock list filtered on low battery).
3. ``completed_installation``: a fitter, from Min dag, through starting the visit and the
   completion report, to "Klar" (the lock's own evidence is the gateway's, counted by
   bench/lock_ble.py; here the report closes with a written reason as the app offers when
   the lock cannot be reached, which is the longer path for the thumb).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.live_server import run_cli, running_server, server_env

CHROMIUM = os.environ.get("LOCKWORK_CHROMIUM", "/usr/lib/chromium/chromium")
PHONE = {"width": 360, "height": 740}
# A bound that turns a hang into an error; not a figure.
STEP_TIMEOUT_MS = 30_000
PASSWORD = "lockwork-demo"
SCROLL_ATTEMPTS = 3
# The battery question is not asked: the lock's own low reading answers it.
CHECKLIST_FOR_BATTERY = {
    "door_handled_like_metal_key": "yes",
    "lock_woken": "woken",
    "linked_correctly_in_care_system": "yes",
    "fault_location": "lock_unit",
}


@dataclass
class Journey:
    page: Any
    taps: int = 0
    scrolls: int = 0
    fields: int = 0
    steps: list[str] = field(default_factory=list)

    def _reach(self, target: Any) -> None:
        target.wait_for(state="attached", timeout=STEP_TIMEOUT_MS)
        box = target.bounding_box()
        top = self.page.locator(".top").bounding_box()
        nav = self.page.locator("#nav").bounding_box()
        visible_from = top["y"] + top["height"] if top else 0
        visible_to = nav["y"] if nav else PHONE["height"]
        if box is None or box["y"] < visible_from or box["y"] + box["height"] > visible_to:
            self.scrolls += 1
            # A sync landing now may replace the element: the locator finds the new one.
            for attempt in range(SCROLL_ATTEMPTS):
                try:
                    target.scroll_into_view_if_needed(timeout=STEP_TIMEOUT_MS)
                    break
                except Exception:
                    if attempt == SCROLL_ATTEMPTS - 1:
                        raise

    def tap(self, target: Any, what: str) -> None:
        self._reach(target)
        target.click(timeout=STEP_TIMEOUT_MS)
        self.taps += 1
        self.steps.append(what)

    def type(self, target: Any, text: str, what: str) -> None:
        self.tap(target, what)
        target.fill(text)
        self.fields += 1

    def figures(self) -> dict[str, Any]:
        return {
            "taps": self.taps,
            "scrolls": self.scrolls,
            "fields": self.fields,
            "steps": self.steps,
        }


def login(page: Any, server: str, username: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # Logged in and the first sync done: the status bar says when it synced ("Synkad 10:31",
    # not "Aldrig synkad").
    page.get_by_test_id("last-sync").filter(has_text=re.compile("^Synkad")).wait_for(
        timeout=STEP_TIMEOUT_MS
    )


def logged_call(page: Any, server: str) -> Journey:
    login(page, server, "montor1")
    page.goto(server + "/")
    j = Journey(page)
    j.tap(page.get_by_test_id("to-contact-link"), "Min dag: orders to contact")
    j.tap(page.get_by_test_id("order-row").first.locator("a"), "the first order")
    j.tap(page.get_by_test_id("outcome-no_answer"), "outcome: no answer")
    page.get_by_test_id("call-saved").wait_for(timeout=STEP_TIMEOUT_MS)
    return j


def battery_order_from_lock(page: Any, server: str) -> Journey:
    login(page, server, "nord1")
    page.goto(server + "/")
    j = Journey(page)
    j.tap(page.get_by_test_id("nav-locks"), "menu: locks")
    j.tap(page.get_by_test_id("locks-filter-low"), "filter: low battery")
    j.tap(page.get_by_test_id("order-battery").first, "order a battery change")
    page.get_by_test_id("order-kind").wait_for(timeout=STEP_TIMEOUT_MS)
    for key, value in CHECKLIST_FOR_BATTERY.items():
        j.tap(page.get_by_test_id(f"answer-{key}-{value}"), f"checklist: {key}")
    j.tap(page.get_by_test_id("step-next"), "details: next")
    j.tap(page.get_by_test_id("send-order"), "send the order")
    page.get_by_test_id("order-placed").wait_for(timeout=STEP_TIMEOUT_MS)
    return j


def completed_installation(page: Any, server: str) -> Journey:
    login(page, server, "montor1")
    page.goto(server + "/")
    j = Journey(page)
    visit = page.locator('[data-testid="visit-list"] li', has_text="Installation").first
    j.tap(visit.locator("a").first, "Min dag: today's installation")
    start = page.get_by_test_id("start-visit")
    if start.count():
        j.tap(start, "start the visit")
    j.type(page.get_by_label("Vad gjordes"), "Nytt lås monterat och testat.", "what was done")
    j.type(page.get_by_label("Tid (minuter)"), "45", "minutes")
    override = page.locator("details.override summary")
    j.tap(override, "closing without the lock: open")
    j.type(page.locator('[name="override_reason"]'), "Låset svarade inte.", "the reason")
    j.tap(page.get_by_test_id("complete"), "report the visit")
    page.get_by_test_id("order-status").filter(has_text="Klar").wait_for(timeout=STEP_TIMEOUT_MS)
    return j


JOURNEYS: dict[str, Callable[[Any, str], Journey]] = {
    "logged_call": logged_call,
    "battery_order_from_lock": battery_order_from_lock,
    "completed_installation": completed_installation,
}


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"viewport": PHONE, "journeys": {}}
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(f"sqlite:///{tmp}/taps.sqlite3", Path(tmp))
        for command in (["migrate"], ["demo-data"]):
            done = run_cli(command, env)
            if done.returncode != 0:
                raise RuntimeError(done.stdout + done.stderr)
        with running_server(env) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            for name, journey in JOURNEYS.items():
                context = browser.new_context(
                    viewport=PHONE, locale="sv-SE", timezone_id="Europe/Stockholm"
                )
                page = context.new_page()
                figures = journey(page, server).figures()
                results["journeys"][name] = figures
                print(f"{name}: {figures['taps']} taps, {figures['scrolls']} scrolls")
                context.close()
            browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    results = run()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
