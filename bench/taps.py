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
3. ``completed_installation``: a fitter, from Min dag, to "Klar" on an installation with the
   lock: start the visit, pair the app with the gateway (typing its code, once per phone;
   scanning its QR code is one tap where there is a camera), pair the new lock (the fitter
   presses the lock's pairing button: an act at the door, not a tap, done here through the
   simulator), then the completion report; it closes when the server has the lock's signed
   receipt. The stack is ``make demo``'s: server, a simulated lock on the virtual radio, and
   the gateway in serve mode.
4. ``completed_without_the_lock``: another installation closed with a written reason, as the
   app offers when the lock cannot be reached.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server.demo import SIMULATED_LOCK_SERIALS
from tests.integration.lock_stack_world import lock_stack, sim

CHROMIUM = os.environ.get("LOCKWORK_CHROMIUM", "/usr/lib/chromium/chromium")
PHONE = {"width": 360, "height": 740}
# Bounds that turn a hang into an error; not figures. A lock operation over the virtual radio
# and the server's verification of what the lock signed take seconds on a loaded machine.
STEP_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 60_000
SERIAL = SIMULATED_LOCK_SERIALS[0]
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


@dataclass
class Stack:
    server: str
    gateway: str
    code: str
    sim_dir: Path


def installation_of(stack: Stack, serial: str) -> str:
    """montor1's installation order for the simulated lock ``serial`` (demo data: booked from
    the hour the demo data was made)."""
    login = httpx.post(
        stack.server + "/api/auth/login", json={"username": "montor1", "password": PASSWORD}
    )
    orders = httpx.get(
        stack.server + "/api/orders", params={"kind": "installation"}, cookies=login.cookies
    ).json()["items"]
    for order in orders:
        lock = httpx.get(stack.server + f"/api/locks/{order['lock_id']}", cookies=login.cookies)
        if lock.json()["serial"] == serial:
            return str(order["id"])
    raise RuntimeError(f"no installation order for {serial} in the demo data")


def open_visit(j: Journey, page: Any, order_id: str) -> None:
    j.tap(
        page.locator(f'[data-testid="visit-list"] a[href="/orders/{order_id}"]').first,
        "Min dag: the visit",
    )
    j.tap(page.get_by_test_id("start-visit"), "start the visit")


def report(j: Journey, page: Any) -> None:
    j.type(page.get_by_label("Vad gjordes"), "Nytt lås monterat och testat.", "what was done")
    j.type(page.get_by_label("Tid (minuter)"), "45", "minutes")


def completed_installation(page: Any, stack: Stack) -> Journey:
    order_id = installation_of(stack, SERIAL)
    login(page, stack.server, "montor1")
    page.goto(stack.server + "/")
    j = Journey(page)
    open_visit(j, page, order_id)
    j.tap(page.get_by_test_id("gateway-type").locator("summary"), "gateway: type its code (once)")
    address = page.get_by_label("Gatewayens adress")
    if address.input_value() != stack.gateway:
        j.type(address, stack.gateway, "gateway: its address (once)")
    j.type(page.get_by_label("Kod från gatewayen (6 siffror)"), stack.code, "gateway: code (once)")
    j.tap(page.get_by_role("button", name="Koppla ihop med gatewayen"), "gateway: pair (once)")
    page.get_by_test_id("gateway-status").filter(has_text="svarar").wait_for(
        timeout=STEP_TIMEOUT_MS
    )
    sim(stack.sim_dir, "pair-button", SERIAL)  # at the door: the lock's pairing button
    j.tap(page.get_by_role("button", name="Parkoppla"), "pair the new lock")
    page.get_by_test_id("lock-verified").wait_for(timeout=LOCK_TIMEOUT_MS)
    report(j, page)
    j.tap(page.get_by_test_id("complete"), "report the visit")
    page.get_by_test_id("order-status").filter(has_text=re.compile("^Klar$")).wait_for(
        timeout=LOCK_TIMEOUT_MS
    )
    return j


def completed_without_the_lock(page: Any, stack: Stack) -> Journey:
    # Another of the demo's simulated locks, not started in this stack: it cannot be reached.
    order_id = installation_of(stack, SIMULATED_LOCK_SERIALS[1])
    login(page, stack.server, "montor1")
    page.goto(stack.server + "/")
    j = Journey(page)
    open_visit(j, page, order_id)
    report(j, page)
    j.tap(page.locator("details.override summary"), "closing without the lock: open")
    j.type(page.locator('[name="override_reason"]'), "Låset svarade inte.", "the reason")
    j.tap(page.get_by_test_id("complete"), "report the visit")
    page.get_by_test_id("order-status").filter(has_text=re.compile("^Klar$")).wait_for(
        timeout=STEP_TIMEOUT_MS
    )
    return j


JOURNEYS: dict[str, Callable[[Any, Stack], Journey]] = {
    "logged_call": lambda page, stack: logged_call(page, stack.server),
    "battery_order_from_lock": lambda page, stack: battery_order_from_lock(page, stack.server),
    "completed_installation": completed_installation,
    "completed_without_the_lock": completed_without_the_lock,
}


@contextlib.contextmanager
def demo_stack(tmp: Path) -> Iterator[Stack]:
    """``make demo``'s stack on free ports: server (the demo data), simulated lock, gateway."""
    with lock_stack(tmp, (SERIAL,), customers=None) as world:
        _gateway, gateway_url, code = world.serve("taps bench", "montor1")
        yield Stack(world.server_url, gateway_url, code, world.sim_dir)


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"viewport": PHONE, "journeys": {}}
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_stack(Path(tmp)) as stack,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        for name, journey in JOURNEYS.items():
            context = browser.new_context(
                viewport=PHONE, locale="sv-SE", timezone_id="Europe/Stockholm"
            )
            page = context.new_page()
            figures = journey(page, stack).figures()
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
