"""Issue 16: logging a call on a 360×740 phone, as a fitter in a stairwell would.

The outcome buttons are under the thumb without scrolling; a tap shows what was saved, with an
undo for a few seconds; the undo is a mutation like any other (online and offline, applied
once), checked against the server's own record. A real ``lockwork-server`` (demo data; SQLite
and PostgreSQL) and Debian's headless Chromium.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    FITTER,
    PLANNER,
    SYNC_TIMEOUT_MS,
    Phone,
    World,
    all_sent,
    check_screen,
    login,
    new_phone,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

VIEWPORT_HEIGHT = 740


def in_view_without_scrolling(page: Any, test_id: str) -> bool:
    box = page.get_by_test_id(test_id).bounding_box()
    nav = page.locator("#nav").bounding_box()
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= nav["y"]


def test_the_outcome_is_under_the_thumb_and_a_wrong_tap_is_undone(
    live_server: LiveServer, browser: Any
) -> None:
    server = live_server.url
    world = World.of(server)
    order = world.new_order("Samtal med ångra")
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    page.goto(f"{server}/orders/{order['id']}")
    expect(page.get_by_role("heading", name="Logga samtal")).to_be_visible()
    assert page.evaluate("scrollY") == 0
    for outcome in ("reached", "no_answer", "busy", "voicemail", "wrong_number"):
        assert in_view_without_scrolling(page, f"outcome-{outcome}"), outcome
    check_screen(page, "fitter-call-bar", full_page=False)

    # A tap shows what was saved, visibly, right where the thumb is.
    page.get_by_test_id("outcome-reached").click()
    expect(page.get_by_test_id("call-saved")).to_contain_text("Sparat: Svarade kl.")
    assert in_view_without_scrolling(page, "undo-call")
    check_screen(page, "fitter-call-saved-with-undo", full_page=False)
    all_sent(page)
    assert [a["outcome"] for a in world.attempts(order["id"])] == ["reached"]

    # The wrong tap taken back: gone here at once, and on the server once it is sent.
    page.get_by_test_id("undo-call").click()
    expect(page.get_by_test_id("call-undone")).to_be_visible()
    expect(page.get_by_test_id("attempts")).to_have_count(0)
    all_sent(page)
    assert world.attempts(order["id"]) == []
    actions = [e["action"] for e in world.events(order["id"])]
    assert actions.count("contact_attempt_withdrawn") == 1
    expect(page.get_by_test_id("history")).to_contain_text("ångrade ett kontaktförsök")

    # The right call, logged next: the undo goes away by itself after a few seconds.
    page.get_by_test_id("outcome-no_answer").click()
    expect(page.get_by_test_id("call-saved")).to_contain_text("Inget svar")
    expect(page.get_by_test_id("call-saved")).to_have_count(0, timeout=15_000)
    all_sent(page)
    assert [a["outcome"] for a in world.attempts(order["id"])] == ["no_answer"]
    assert phone.errors == []
    phone.close()


def test_an_offline_call_and_its_undo_reach_the_server_once(
    live_server: LiveServer, browser: Any
) -> None:
    server = live_server.url
    world = World.of(server)
    order = world.new_order("Samtal ångrat offline")
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    wait_for_service_worker(phone)
    page.goto(f"{server}/orders/{order['id']}")
    expect(page.get_by_role("heading", name="Logga samtal")).to_be_visible()
    phone.context.set_offline(True)

    page.get_by_label("Anteckning (valfri)").fill("Fel knapp")
    page.get_by_test_id("outcome-busy").click()
    expect(page.get_by_test_id("attempts")).to_contain_text("Fel knapp")
    page.get_by_test_id("undo-call").click()
    expect(page.get_by_test_id("attempts")).to_have_count(0)
    page.get_by_test_id("outcome-voicemail").click()
    expect(page.get_by_test_id("pending-count")).to_have_text("3 osynkade")
    check_screen(page, "fitter-call-undone-offline", full_page=False)
    # A reload while offline keeps the undo: the call stays gone.
    page.reload()
    expect(page.get_by_test_id("attempts")).to_contain_text("Röstbrevlåda")
    expect(page.get_by_test_id("attempts")).not_to_contain_text("Fel knapp")

    phone.context.set_offline(False)
    all_sent(page)
    assert [(a["outcome"], a["note"]) for a in world.attempts(order["id"])] == [("voicemail", "")]
    actions = [e["action"] for e in world.events(order["id"])]
    assert actions.count("contact_attempt") == 2
    assert actions.count("contact_attempt_withdrawn") == 1
    assert phone.errors == []
    phone.close()


def test_flags_clear_when_their_condition_ends(live_server: LiveServer, browser: Any) -> None:
    """An escalated order of the demo data, nobody reached for days: the days without a call
    go when today's call is logged; "Eskalerad" goes when the visit is booked."""
    server = live_server.url
    world = World.of(server)
    mine = world.fitter.get("/api/orders/", limit=200)["items"]
    escalated = [
        o for o in mine if o["escalation_level"] > 0 and o["status"] in ("ordered", "contacting")
    ]
    assert escalated, "the demo data has escalated orders assigned to the fitter"
    order = escalated[0]
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    page.goto(f"{server}/orders/{order['id']}")
    expect(page.get_by_test_id("flag-escalated")).to_be_visible()
    expect(page.get_by_test_id("missed-days")).to_be_visible()
    check_screen(page, "fitter-flags-before", full_page=False)

    page.get_by_test_id("outcome-no_answer").click()
    expect(page.get_by_test_id("call-saved")).to_be_visible()
    expect(page.get_by_test_id("missed-days")).to_have_count(0)
    expect(page.get_by_test_id("flag-escalated")).to_be_visible()  # still nobody reached

    page.get_by_test_id("outcome-reached").click()
    page.get_by_test_id("book").click()
    expect(page.get_by_test_id("order-status")).not_to_have_text("Kontaktas")
    expect(page.get_by_test_id("flag-escalated")).to_have_count(0)
    all_sent(page)
    booked = world.order(order["id"])
    assert booked["status"] in ("scheduled", "ready_for_execution")
    escalated_now = world.planner.get("/api/orders/", escalated="true", limit=200)["items"]
    assert order["id"] not in {o["id"] for o in escalated_now}
    page.goto(f"{server}/orders?filter=escalated")
    expect(page.locator(f'[data-order-id="{order["id"]}"]')).to_have_count(0)
    assert phone.errors == []
    phone.close()


def test_booking_rebooking_starting_on_the_day_and_putting_on_hold(
    live_server: LiveServer, browser: Any
) -> None:
    from datetime import date, datetime, timedelta

    from server.calendar.working_days import WorkingDayCalendar
    from server.calendar.working_hours import WORKING_DAY_END, WORKING_DAY_START
    from server.clock import LOCAL_ZONE

    server = live_server.url
    world = World.of(server)
    order = world.new_order("Boka, boka om, vilande")
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    page.goto(f"{server}/orders/{order['id']}")
    page.get_by_test_id("outcome-reached").click()

    # The suggestion is a time a fitter would book: a working day, inside working hours.
    suggested = datetime.fromisoformat(page.get_by_label("Datum och tid").input_value())
    cal = WorkingDayCalendar()
    assert cal.is_working_day(suggested.date())
    assert WORKING_DAY_START <= suggested.time() < WORKING_DAY_END

    # Booked for a later working day: "Starta besöket" waits for that day.
    today = datetime.now(LOCAL_ZONE).date()
    later: date = cal.next_working_day(today + timedelta(days=1))
    page.get_by_label("Datum och tid").fill(f"{later.isoformat()}T09:00")
    page.get_by_test_id("book").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Redo för besök")
    expect(page.get_by_test_id("start-later")).to_be_visible()
    expect(page.get_by_test_id("start-visit")).to_have_count(0)
    check_screen(page, "fitter-booked-later", full_page=False)

    # Rebooked to today (the customer asked): confirmed again, and it can be started.
    page.get_by_test_id("rebook").locator("summary").click()
    now = datetime.now(LOCAL_ZONE)
    page.get_by_label("Datum och tid").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("book").click()
    expect(page.get_by_test_id("start-visit")).to_be_visible()
    all_sent(page)
    rebooked = world.order(order["id"])
    assert rebooked["status"] == "ready_for_execution"
    assert datetime.fromisoformat(rebooked["planned_start"]).astimezone(LOCAL_ZONE).date() == (
        now.date()
    )

    # It cannot be done now after all: on hold until an approximate date, with a reason.
    page.get_by_test_id("hold").locator("summary").click()
    until = today + timedelta(days=14)
    page.get_by_label("Vilande till (ungefärligt datum)").fill(until.isoformat())
    page.get_by_label("Varför (valfritt)").fill("Kunden är bortrest två veckor")
    check_screen(page, "fitter-hold-form", full_page=False)
    page.get_by_test_id("hold-submit").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Vilande")
    all_sent(page)
    held = world.order(order["id"])
    assert held["status"] == "on_hold" and held["hold_until"] == until.isoformat()
    actions = [e["action"] for e in world.events(order["id"])]
    assert actions.count("schedule") == 2 and actions.count("put_on_hold") == 1
    assert phone.errors == []
    phone.close()


def test_closing_without_the_lock_with_a_reason_and_a_photo(
    live_server: LiveServer, browser: Any, tmp_path: Any
) -> None:
    """The lock's evidence cannot be had: the refusal is in Swedish and opens the override
    right there; the fitter gives a reason and a photo; the server closes the order flagged,
    keeps the photo without its metadata, and the planner sees it on the desk."""
    import io

    from PIL import Image

    from tests.unit.test_photos import photo_bytes

    server = live_server.url
    world = World.of(server)
    order = world.new_order("Låset svarar inte", in_progress=True, kind="installation")
    picture = tmp_path / "dorren.jpg"
    picture.write_bytes(photo_bytes((2400, 1800), gps=True))
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    page.goto(f"{server}/orders/{order['id']}")
    page.get_by_label("Vad gjordes").fill("Låset monterat, svarar inte på radio.")
    page.get_by_label("Tid (minuter)").fill("40")
    page.get_by_test_id("complete").click()
    # Refused by the server (no pairing receipt from the lock): said in Swedish, and the
    # override is open where the report is.
    expect(page.get_by_test_id("complete-refused")).to_contain_text(
        "låset", timeout=SYNC_TIMEOUT_MS
    )
    expect(page.get_by_test_id("override")).to_have_attribute("open", "")
    page.get_by_label("Skäl att stänga utan låsets kvitto").fill(
        "Låset svarar inte; nytt kort beställt."
    )
    page.get_by_label("Foto (valfritt)").set_input_files(str(picture))
    check_screen(page, "fitter-close-without-lock", full_page=False)
    page.get_by_test_id("complete").click()
    all_sent(page)
    expect(page.get_by_test_id("order-status")).to_have_text("Klar", timeout=SYNC_TIMEOUT_MS)

    done = world.order(order["id"])
    assert done["status"] == "done"
    events = world.events(order["id"])
    completed = [e for e in events if e["action"] == "complete"]
    assert completed and completed[-1]["flagged"] is True
    photos = world.planner.get(f"/api/orders/{order['id']}/photos")
    assert len(photos) == 1 and max(photos[0]["width"], photos[0]["height"]) == 1600
    jpeg = httpx.get(
        f"{server}/api/orders/{order['id']}/photos/{photos[0]['id']}",
        cookies=world.planner.cookies,
        headers=world.planner.headers,
    )
    with Image.open(io.BytesIO(jpeg.content)) as image:
        assert dict(image.getexif()) == {}
    assert phone.errors == []
    phone.close()

    # The planner sees it in the order's history on the desk.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE")
    planner = Phone(context, context.new_page())
    login(planner, server, PLANNER)
    desk = planner.page
    desk.goto(f"{server}/desk/orders/{order['id']}")
    photo = desk.get_by_test_id("desk-photo")
    expect(photo).to_be_visible()
    desk.wait_for_function(
        "() => document.querySelector('[data-testid=\"desk-photo\"]').naturalWidth > 0"
    )
    expect(desk.get_by_test_id("desk-history")).to_contain_text("lade till ett foto")
    context.close()
