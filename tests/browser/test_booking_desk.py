"""Letter booking at the planner's desk (issue 12, seed 002) in real Chromium at 1280x800,
against a live server with the demo data: lock a fitter's day from the board (and one order
from its panel), the letters tray (letters made by a job with a progress bar, downloaded as
one PDF, marked printed), the manual follow-up queue and its actions, the booking on the
order's panel, and the code on the fitter's phone. What the browser did is checked through
the server's own API; every screen gets a screenshot and axe-core.

What the test does in place of the world: a resident's answer is a POST to the public reply
endpoint, as the reply page sends it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.booking_helpers import (
    awaiting_response,
    lock,
    public_reply,
    scheduled,
    scheduled_alone,
    unhandled_replies,
)
from tests.browser.harness import (
    FITTER,
    LOCALE,
    OTHER_FITTER,
    PLANNER,
    SYNC_TIMEOUT_MS,
    TIMEZONE,
    World,
    check_screen,
    login,
    new_phone,
)
from tests.browser.test_desk import DESK, fitter_id, working_days

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

# Making a letter draws a PDF; a job of a few letters on a loaded 2-core machine is given
# this long to finish (a bound on waiting, not a measurement).
LETTER_JOB_TIMEOUT_MS = 60_000
# Set on the page when the letter job's <progress> bar was shown (a fast job may be done
# before an `expect` looks).
WATCH_PROGRESS = """() => {
  window.__sawProgress = false;
  new MutationObserver(() => {
    const bar = document.querySelector('progress[data-testid="letter-job-progress"]');
    if (bar) window.__sawProgress = true;
  }).observe(document.body, { subtree: true, childList: true });
}"""


@pytest.fixture(scope="module")
def world(sqlite_server: Any) -> World:
    return World.of(sqlite_server.url)


@pytest.fixture(scope="module")
def desk(sqlite_server: Any, browser: Any) -> Iterator[Any]:
    """The planner at a wide screen, logged in once for the module."""
    context = browser.new_context(
        viewport=DESK, locale=LOCALE, timezone_id=TIMEZONE, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    phone = type("Desk", (), {"page": page, "context": context, "errors": errors})()
    login(phone, sqlite_server.url, PLANNER)
    yield page
    assert errors == []
    context.close()


def test_lock_a_fitters_day_from_the_board(desk: Any, world: World, sqlite_server: Any) -> None:
    day = working_days(2)[1]
    fitter = fitter_id(world, OTHER_FITTER)
    first = scheduled(world, fitter, day, 9)
    second = scheduled(world, fitter, day, 11, kind="removal")
    # A resident whose address lacks the postcode: no letter can be addressed to them.
    incomplete = scheduled_alone(world, fitter, day, 14)
    world.orderer.patch(f"/api/customers/{incomplete['customer_id']}", {"postal_code": ""})

    desk.goto(f"{sqlite_server.url}/desk?view=day&date={day.isoformat()}")
    button = desk.get_by_test_id(f"lock-day-{OTHER_FITTER}-{day.isoformat()}")
    expect(button).to_have_text("Lås dagens avtal")
    button.click()
    dialog = desk.get_by_test_id("lock-dialog")
    expect(dialog).to_be_visible()
    expect(desk.get_by_test_id("lock-count")).to_contain_text("3 bokade ordrar")
    for o in (first, second, incomplete):
        expect(dialog).to_contain_text(o["reference"])
    check_screen(desk, "desk-booking-lock-dialog")
    # Escape is "Avbryt": nothing is locked.
    desk.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(button).to_be_focused()
    assert world.order(first["id"])["status"] == "scheduled"

    button.click()
    desk.get_by_test_id("lock-confirm").click()
    result = desk.get_by_test_id("lock-result")
    expect(result).to_be_focused()
    expect(desk.get_by_test_id("lock-locked")).to_have_text(
        re.compile(r"^2 ordrar fick en bokningskod")
    )
    refused = desk.get_by_test_id("lock-refused").locator("li")
    expect(refused).to_have_count(1)
    expect(refused).to_have_attribute("data-reference", incomplete["reference"])
    expect(refused).to_contain_text("postnummer")
    check_screen(desk, "desk-booking-lock-result")

    # On the server: the two have codes and wait for their letters; the third is unchanged.
    for o in (first, second):
        saved = world.order(o["id"])
        assert saved["status"] == "ready_to_print"
        assert re.fullmatch(r"[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}", saved["booking_code"])
    assert world.order(incomplete["id"])["status"] == "scheduled"
    assert world.order(incomplete["id"])["booking_code"] is None
    # The board offers the lock again only for what is still booked (the refused order).
    expect(desk.get_by_test_id(f"lock-day-{OTHER_FITTER}-{day.isoformat()}")).to_have_attribute(
        "aria-label", re.compile(r"1 bokade")
    )


def test_lock_one_order_from_its_panel(desk: Any, world: World, sqlite_server: Any) -> None:
    order = scheduled(world, world.fitter.user["id"], working_days(3)[2], 10)
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    desk.get_by_test_id("desk-lock-order").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("Bokningskod")
    saved = world.order(order["id"])
    assert saved["status"] == "ready_to_print"
    expect(desk.get_by_test_id("desk-order-status")).to_contain_text("Brev ska skrivas ut")
    expect(desk.get_by_test_id("desk-booking-code")).to_have_text(saved["booking_code"])
    expect(desk.get_by_test_id("desk-booking-channel")).to_have_text("Brev")
    # Locked orders are not locked again; their letter is the next step.
    expect(desk.get_by_test_id("desk-lock-order")).to_have_count(0)
    expect(desk.get_by_test_id("desk-make-letter")).to_be_visible()
    check_screen(desk, "desk-booking-order-locked")
    # Its letter at once (seed 002: "Generer brev" on the order): it awaits the answer.
    desk.get_by_test_id("desk-make-letter").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("Brevet är skapat")
    assert world.order(order["id"])["status"] == "awaiting_response"
    expect(desk.get_by_test_id("desk-booking-letter")).to_contain_text("Inte utskrivet än")
    expect(desk.get_by_test_id("desk-follow-up")).to_be_visible()


def test_letters_tray_makes_downloads_and_marks_letters(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    day = working_days(4)[3]
    fitter = world.fitter.user["id"]
    orders = [scheduled(world, fitter, day, 9), scheduled(world, fitter, day, 11, "removal")]
    codes = lock(world, [o["id"] for o in orders])
    refs = [o["reference"] for o in orders]

    desk.goto(f"{sqlite_server.url}/desk/letters")
    expect(desk.get_by_role("heading", name="Bokningsbrev", level=1)).to_be_visible()
    expect(desk.get_by_test_id("ready-list")).to_be_visible()  # loaded
    # The fitter's day: only these two are listed, with their codes.
    desk.get_by_label("Montör", exact=True).select_option(label="Maria Montör")
    desk.get_by_label("Besöksdag").fill(day.isoformat())
    desk.get_by_test_id("letters-filter-apply").click()
    ready = desk.get_by_test_id("ready-list").locator("tbody tr")
    expect(ready).to_have_count(2)
    for o in orders:
        expect(desk.get_by_test_id(f"ready-{o['reference']}")).to_contain_text(codes[o["id"]])

    # None chosen: the tray says so and sends nothing.
    desk.get_by_test_id("make-letters").click()
    expect(desk.get_by_test_id("letters-message")).to_contain_text("Välj minst en order")
    desk.get_by_test_id("select-all-ready").check()
    expect(desk.get_by_test_id("ready-selected")).to_have_text("2 av 2 valda")
    desk.get_by_test_id("make-letters").click()
    expect(desk.get_by_test_id("letters-dialog")).to_contain_text("Skapa 2 bokningsbrev?")
    check_screen(desk, "desk-booking-letters-confirm")
    desk.evaluate(WATCH_PROGRESS)
    desk.get_by_test_id("letters-confirm").click()
    expect(desk.get_by_test_id("letters-made")).to_have_text(
        "2 brev skapade.", timeout=LETTER_JOB_TIMEOUT_MS
    )
    assert desk.evaluate("window.__sawProgress"), "no progress bar while the letters were made"
    # The list was read again: the two left "Klara för utskrift" for "Brev att skriva ut".
    expect(desk.get_by_test_id("ready-empty")).to_be_visible()
    for o in orders:
        assert world.order(o["id"])["status"] == "awaiting_response"
        expect(desk.get_by_test_id(f"letter-{o['reference']}")).to_contain_text(codes[o["id"]])
    check_screen(desk, "desk-booking-letters")

    # Download the two as one PDF (ticked one by one: other letters may be in the tray).
    for ref in refs:
        desk.get_by_test_id(f"letter-{ref}").get_by_role("checkbox").check()
    link = desk.get_by_test_id("download-letters")
    expect(link).not_to_have_attribute("aria-disabled", "true")
    with desk.expect_download() as download:
        link.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    letter_ids = re.findall(r"id=([0-9a-f-]+)", link.get_attribute("href") or "")
    assert len(letter_ids) == 2

    # Printed: they leave the tray, as from the seed's folder, and the server has them printed.
    desk.get_by_test_id("mark-printed").click()
    expect(desk.get_by_test_id("letters-message")).to_contain_text("2 brev markerade")
    for ref in refs:
        expect(desk.get_by_test_id(f"letter-{ref}")).to_have_count(0)
        expect(desk.get_by_test_id(f"printed-{ref}")).to_have_count(1)
    printed = {letter["id"] for letter in world.planner.get("/api/booking/letters", printed="true")}
    assert set(letter_ids) <= printed
    unprinted = world.planner.get("/api/booking/letters", printed="false")
    assert not set(letter_ids) & {letter["id"] for letter in unprinted}


def test_orders_locked_for_sms_get_their_booking_sms_from_the_tray(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    day = working_days(7)[6]
    order = scheduled(world, world.fitter.user["id"], day, 10)
    # The booking SMS needs the resident's mobile number (the demo's residents have landlines).
    world.orderer.patch(f"/api/customers/{order['customer_id']}", {"phone": "070-765 43 21"})
    code = lock(world, [order["id"]], channel="sms")[order["id"]]

    desk.goto(f"{sqlite_server.url}/desk/letters")
    expect(desk.get_by_test_id("ready-list")).to_be_visible()
    row = desk.get_by_test_id(f"ready-{order['reference']}")
    expect(row).to_contain_text(code)
    expect(row).to_contain_text("Sms")
    row.get_by_role("checkbox").check()
    # A letter is not what this order waits for: the tray says to send its SMS instead.
    desk.get_by_test_id("make-letters").click()
    expect(desk.get_by_test_id("letters-message")).to_contain_text("Använd Skicka sms")
    desk.get_by_test_id("send-sms").click()
    expect(desk.get_by_test_id("letters-dialog")).to_contain_text("Skicka 1 bokningssms?")
    desk.get_by_test_id("letters-confirm").click()
    expect(desk.get_by_test_id("sms-sent")).to_have_attribute("data-count", "1")
    expect(desk.get_by_test_id(f"ready-{order['reference']}")).to_have_count(0)
    assert world.order(order["id"])["status"] == "awaiting_response"
    booking = world.planner.get(f"/api/orders/{order['id']}/booking")
    assert booking["channel"] == "sms" and booking["letter"] is None
    assert [r["kind"] for r in booking["reminders"]] == ["booking_sms"]


def test_manual_follow_up_queue(desk: Any, world: World, sqlite_server: Any) -> None:
    server = sqlite_server.url
    day = working_days(5)[4]
    fitter = world.fitter.user["id"]
    asked, asked_code = awaiting_response(world, fitter, day, 9)
    greit, greit_code = awaiting_response(world, fitter, day, 11, "removal")
    silent, _ = awaiting_response(world, fitter, day, 13, "service")
    # Residents answer: a question, and a yes that is not a plain "OK" (seed 002: "Det er
    # greit" goes to a person); and one with a code no order awaits.
    public_reply(server, asked_code, "Kan ni komma efter lunch i stället?")
    public_reply(server, greit_code.replace("-", " ").lower(), "Det er greit")
    public_reply(server, "QQQ-QQQ-QQQ", "Hej, ring mig om låset")
    assert world.order(asked["id"])["status"] == "manual_followup"
    assert world.order(greit["id"])["status"] == "manual_followup"

    desk.goto(f"{server}/desk/follow-up")
    follow = desk.get_by_test_id("follow-up-list")
    expect(follow.get_by_test_id(f"follow-{asked['reference']}")).to_contain_text(
        "Kan ni komma efter lunch i stället?"
    )
    expect(follow.get_by_test_id(f"follow-{greit['reference']}")).to_contain_text("Det er greit")
    awaiting = desk.get_by_test_id("awaiting-list")
    expect(awaiting.get_by_test_id(f"follow-{silent['reference']}")).to_contain_text(
        "Inget svar än"
    )
    stray = (
        desk.get_by_test_id("stray-replies").locator("li").filter(has_text="Hej, ring mig om låset")
    )
    expect(stray).to_have_count(1)
    check_screen(desk, "desk-booking-follow-up")

    # Confirmed on the phone, with a confirmation SMS: the demo's residents have landlines,
    # so the server refuses it and the queue says why.
    card = desk.get_by_test_id(f"follow-{asked['reference']}")
    card.get_by_test_id("follow-confirmation-sms").click()
    expect(desk.get_by_test_id("follow-message")).to_contain_text("mobilnummer")
    assert world.order(asked["id"])["status"] == "manual_followup"
    # With the resident's mobile number on record, it goes.
    world.orderer.patch(f"/api/customers/{asked['customer_id']}", {"phone": "070-123 45 67"})
    desk.reload()
    card = desk.get_by_test_id(f"follow-{asked['reference']}")
    card.get_by_test_id("follow-confirmation-sms").click()
    expect(desk.get_by_test_id("follow-message")).to_contain_text("bekräftelse-sms:et skickas")
    assert world.order(asked["id"])["status"] == "ready_for_execution"
    expect(desk.get_by_test_id(f"follow-{asked['reference']}")).to_have_count(0)
    # "Det er greit" is a yes: sent to execution without an SMS.
    desk.get_by_test_id(f"follow-{greit['reference']}").get_by_test_id("follow-confirm").click()
    expect(desk.get_by_test_id("follow-message")).to_contain_text("redo för besöket")
    assert world.order(greit["id"])["status"] == "ready_for_execution"
    # Not worth waiting for: to manual follow-up by hand; it moves to the first list, with
    # the choice to book it anew.
    silent_card = desk.get_by_test_id(f"follow-{silent['reference']}")
    expect(silent_card.get_by_test_id("follow-confirm")).to_have_count(0)
    silent_card.get_by_test_id("follow-manually").click()
    expect(desk.get_by_test_id("follow-message")).to_contain_text("manuell uppföljning")
    assert world.order(silent["id"])["status"] == "manual_followup"
    moved = desk.get_by_test_id("follow-up-list").get_by_test_id(f"follow-{silent['reference']}")
    expect(moved.get_by_test_id("follow-rebook")).to_have_attribute(
        "href", f"/desk/orders/{silent['id']}"
    )

    # The reply that matched nothing: read, then marked read; it leaves the list.
    stray = (
        desk.get_by_test_id("stray-replies").locator("li").filter(has_text="Hej, ring mig om låset")
    )
    stray.get_by_test_id("reply-read").click()
    expect(desk.get_by_test_id("follow-message")).to_contain_text("markerat som läst")
    expect(
        desk.locator('[data-testid="reply"]').filter(has_text="Hej, ring mig om låset")
    ).to_have_count(0)
    assert not [r for r in unhandled_replies(world) if r["text"] == "Hej, ring mig om låset"]
    check_screen(desk, "desk-booking-follow-up-done")

    # The order's panel shows its booking: the code, the letter (a PDF) and the reply.
    desk.goto(f"{server}/desk/orders/{asked['id']}")
    panel = desk.get_by_test_id("desk-booking")
    expect(panel.get_by_test_id("desk-booking-code")).to_have_text(asked_code)
    expect(panel.get_by_test_id("desk-replies")).to_contain_text(
        "Kan ni komma efter lunch i stället?"
    )
    href = panel.get_by_test_id("desk-letter-pdf").get_attribute("href")
    assert href
    letter = httpx.get(server + href, cookies=world.planner.cookies)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    check_screen(desk, "desk-booking-order-panel")


def test_the_fitter_sees_the_booking_code(world: World, sqlite_server: Any, browser: Any) -> None:
    order, code = awaiting_response(world, world.fitter.user["id"], working_days(6)[5], 10)
    other = world.new_order("Utan bokningskod")
    phone = new_phone(browser)
    try:
        login(phone, sqlite_server.url, FITTER)
        page = phone.page
        page.goto(f"{sqlite_server.url}/orders/{order['id']}")
        box = page.get_by_test_id("booking-code")
        expect(box).to_contain_text("Bokningskod", timeout=SYNC_TIMEOUT_MS)
        expect(page.get_by_test_id("booking-code-value")).to_have_text(code)
        expect(box).to_contain_text("jämföra koden")
        check_screen(page, "fitter-booking-code")
        # An order without a code shows no box.
        page.goto(f"{sqlite_server.url}/orders/{other['id']}")
        expect(page.get_by_test_id("order-status")).to_be_visible(timeout=SYNC_TIMEOUT_MS)
        expect(page.get_by_test_id("booking-code")).to_have_count(0)
        assert phone.errors == []
    finally:
        phone.close()
