"""Paper when wanted, and the lock list for home-care staff (issue 16), in a real headless
Chromium against a real server process with the demo data.

- Seed 000, step 3: the fitter prints the order and notes on it when they called. The print
  view of one order (from "Skriv ut" on the order) and of a day's visits (from "Skriv ut" on
  Min dag) show what the fitter needs at the door and the call log, with empty lines for more
  calls; each is one A4 page as Chromium prints it (a PDF of exactly one page), with no status
  bar, menu or buttons, black on white even in the dark theme. It is drawn from the phone's
  data (offline too), opens the print dialog only when asked, and never shows the customer's
  identity number, though the phone holds its masked form.
- The lock list: a search by name, address or serial narrows the list as one types and is kept
  in the address (a reload keeps it); every lock is a compact row; "Beställ batteribyte" on a
  lock starts the battery order with that lock chosen, past the lock step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.orders.checklist import CHECKLIST
from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    FITTER,
    ORDERER,
    PHONE,
    SCREENSHOTS,
    SYNC_TIMEOUT_MS,
    Phone,
    ServerApi,
    World,
    check_screen,
    login,
    new_phone,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A valid Swedish test personnummer (Skatteverket's own example): neither it nor its masked
# form (19121212-****) may appear on the print view.
IDENTITY_NUMBER = "19121212-1212"
IDENTITY_DIGITS = re.compile(r"121212-")
# A4 at 96 CSS px per inch, to look at the printed layout as a picture.
A4_VIEWPORT = {"width": 794, "height": 1123}
# Records presses of the print button instead of opening the dialog; installed before the
# app's own scripts run, so a print on load would be counted too.
COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"
# The compact lock list: at most this many CSS pixels a lock on average (one-line name and
# battery, one line of address, serial and last seen; a button where the battery is low).
# The cards this replaced took about 366 px a lock (101 locks, 37,000 px).
LOCK_ROW_BUDGET_PX = 85

CALLS = [
    ("no_answer", "customer", "", "Inget svar på fast telefon, ringde 08.05"),
    ("busy", "relative", "Karin (dotter)", "Upptaget hos dottern"),
    ("voicemail", "customer", "", "Talade in meddelande om tid för batteribyte"),
    ("wrong_number", "other", "Granne", "Numret gick till en granne, ber om nytt nummer"),
    ("no_answer", "provider", "Hemtjänsten Nord", "Gruppledaren svarade inte, ringer efter lunch"),
    ("reached", "relative", "Karin (dotter)", "Dottern möter upp, nyckel finns i nyckelgömman"),
]
OUTCOME_WORDS = {
    "reached": "Svarade",
    "no_answer": "Inget svar",
    "busy": "Upptaget",
    "voicemail": "Röstbrevlåda",
    "wrong_number": "Fel nummer",
}


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF as Chromium writes it (page objects, not the /Pages tree)."""
    assert pdf.startswith(b"%PDF"), pdf[:20]
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def printed_pages(page: Any, name: str) -> int:
    """The page printed by Chromium onto A4 (kept with the screenshots); its number of pages."""
    pdf = page.pdf(format="A4")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.pdf").write_bytes(pdf)
    return pdf_pages(pdf)


@pytest.fixture(scope="module")
def server(sqlite_server: LiveServer) -> str:
    return sqlite_server.url


@pytest.fixture()
def fitter_phone(browser: Any, server: str) -> Iterator[Phone]:
    phone = new_phone(browser)
    phone.context.add_init_script(COUNT_PRINTS)
    yield phone
    phone.close()


def log_calls(world: World, order_id: str, calls: list[tuple[str, str, str, str]]) -> None:
    """The calls through the API, an hour and a half apart, the last one a few minutes ago."""
    now = datetime.now(STOCKHOLM)
    for index, (outcome, whom, name, note) in enumerate(calls):
        at = now - timedelta(minutes=5 + 90 * (len(calls) - 1 - index))
        world.log_call(order_id, outcome, to_whom=whom, contact_name=name, note=note, at=at)


def larger_text(page: Any, size: str = "200%") -> None:
    """The person's text size (200 %: WCAG 1.4.4); "" goes back to the default."""
    page.evaluate("(size) => { document.documentElement.style.fontSize = size; }", size)


def looks_printed(page: Any, name: str) -> None:
    """The printed layout as a picture (A4 width, print media, dark theme asked for): no
    status bar, menu or buttons, black text on white."""
    page.set_viewport_size(A4_VIEWPORT)
    page.emulate_media(media="print", color_scheme="dark")
    for hidden in (".top", ".bottom-nav", ".print-bar", '[data-testid="print-now"]'):
        expect(page.locator(hidden).first).to_be_hidden()
    colours = page.evaluate(
        """() => [getComputedStyle(document.body).color,
                 getComputedStyle(document.body).backgroundColor,
                 getComputedStyle(document.querySelector('.sheet')).color]"""
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)", "rgb(0, 0, 0)"], colours
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.emulate_media(media="null", color_scheme="null")  # as before: the PDF is print media
    page.set_viewport_size(PHONE)


# -- one order ------------------------------------------------------------------------------


def test_order_print_has_the_call_log_and_fits_one_a4_page(
    server: str, fitter_phone: Phone
) -> None:
    world = World.of(server)
    description = (
        "Låset piper men öppnar inte med telefonen. Nyckel: i nyckelgömman vid entrén, "
        "portkod 4711. Kunden har hund, ring på innan ni går in."
    )
    order = world.new_order(description)
    customer = world.orderer.patch(
        f"/api/customers/{order['customer_id']}", {"identity_number": IDENTITY_NUMBER}
    )
    assert customer["identity_number_masked"] == "19121212-****"
    log_calls(world, order["id"], CALLS)
    order = world.order(order["id"], as_="fitter")
    assert len(world.attempts(order["id"])) == len(CALLS)

    page = fitter_phone.page
    login(fitter_phone, server, FITTER, path=f"/orders/{order['id']}")
    wait_for_service_worker(fitter_phone)
    expect(page.get_by_test_id("print-order")).to_be_visible()
    check_screen(page, "fitter-order-with-print")
    page.get_by_test_id("print-order").click()
    expect(page).to_have_url(f"{server}/orders/{order['id']}/print")
    sheet = page.get_by_test_id("print-sheet")
    expect(sheet.get_by_role("heading", level=1)).to_contain_text(order["reference"])

    # What the fitter needs at the door, and every call with its note, in words.
    for text in (
        order["reference"],
        "Besiktning",
        "Kontaktas",  # the status in words (contacting: calls were logged)
        customer["name"],
        customer["street_address"],
        customer["phone"],
        customer["contacts"][0]["phone"],
        order["feedback_name"],
        order["feedback_phone"],
        "portkod 4711",
        "Inte bokad än",
    ):
        expect(sheet).to_contain_text(text)
    calls = page.get_by_test_id("print-call")
    expect(calls).to_have_count(len(CALLS))
    for row, (outcome, _whom, name, note) in zip(calls.all(), CALLS, strict=True):
        expect(row).to_contain_text(OUTCOME_WORDS[outcome])
        expect(row).to_contain_text(note)
        if name:
            expect(row).to_contain_text(name)
    expect(calls.nth(1)).to_contain_text("Anhörig")
    # Empty lines to note the next calls by hand.
    assert page.get_by_test_id("print-blank").count() >= 6

    # The phone holds the masked identity number; the print view shows no part of it.
    held = page.evaluate(
        "(id) => import('/app/store.js').then((m) => m.customer(id))", order["customer_id"]
    )
    assert held["identity_number_masked"] == "19121212-****"
    assert not IDENTITY_DIGITS.search(page.content())

    # The dialog opens on the press only (the page is there to look at first).
    assert page.evaluate("window.__prints") == 0
    check_screen(page, "fitter-print-order")
    larger_text(page)
    check_screen(page, "fitter-print-order-200", full_page=False)
    larger_text(page, "")
    page.get_by_test_id("print-now").click()
    assert page.evaluate("window.__prints") == 1

    # One A4 page as Chromium prints it; the order screen itself is several (the counter
    # counts pages).
    looks_printed(page, "fitter-print-order-a4")
    assert printed_pages(page, "fitter-print-order") == 1

    # Offline: the app from the service worker's cache, the order from IndexedDB.
    fitter_phone.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("print-call")).to_have_count(len(CALLS))
    expect(page.get_by_test_id("print-sheet")).to_contain_text(CALLS[-1][3])
    expect(page.get_by_test_id("net-status")).to_contain_text("Offline")
    check_screen(page, "fitter-print-order-offline")
    fitter_phone.context.set_offline(False)

    page.goto(f"{server}/orders/{order['id']}")
    expect(page.get_by_test_id("print-order")).to_be_visible()
    assert printed_pages(page, "fitter-order-screen") > 1
    assert fitter_phone.errors == []


# -- a day's visits ---------------------------------------------------------------------------


def free_day(world: World) -> date:
    """A weekday some weeks ahead with no visit of the fitter's yet."""
    day = datetime.now(STOCKHOLM).date() + timedelta(days=40)
    while True:
        if day.weekday() < 5:
            booked = world.fitter.get(
                "/api/orders/",
                fitter_id=world.fitter.user["id"],
                planned_from=day.isoformat(),
                planned_to=day.isoformat(),
            )["items"]
            if not booked:
                return day
        day += timedelta(days=1)


def test_day_print_has_every_visit_and_fits_one_a4_page(server: str, fitter_phone: Phone) -> None:
    world = World.of(server)
    day = free_day(world)
    starts = [time(8, 0), time(10, 0), time(12, 30), time(14, 30)]
    orders = []
    for index, start in enumerate(starts):
        order = world.new_order(
            f"Dagsutskrift {index + 1}: låset tappar kontakten med telefonen ibland. "
            "Nyckel hos hemtjänsten."
        )
        log_calls(world, order["id"], CALLS[index : index + 2])
        orders.append(world.book(order["id"], datetime.combine(day, start, STOCKHOLM), 45))

    page = fitter_phone.page
    login(fitter_phone, server, FITTER, path="/")
    wait_for_service_worker(fitter_phone)
    # Min dag prints today's visits (the demo fitter has some today).
    visits_today = page.get_by_test_id("visit").count()
    assert visits_today > 0
    check_screen(page, "fitter-my-day-with-print")
    page.get_by_test_id("print-day").click()
    today = datetime.now(STOCKHOLM).date().isoformat()
    expect(page).to_have_url(f"{server}/day/print?date={today}")
    expect(page.get_by_test_id("print-visit")).to_have_count(visits_today)

    # Another day, chosen on the print view.
    page.get_by_label("Dag att skriva ut").fill(day.isoformat())
    page.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(f"{server}/day/print?date={day.isoformat()}")
    visits = page.get_by_test_id("print-visit")
    expect(visits).to_have_count(len(orders))
    for visit, order, start in zip(visits.all(), orders, starts, strict=True):
        assert visit.get_attribute("data-order-id") == order["id"]
        expect(visit.get_by_role("heading", level=2)).to_contain_text(start.strftime("%H:%M"))
        expect(visit).to_contain_text(order["reference"])
        expect(visit).to_contain_text(order["customer_name"])
        expect(visit).to_contain_text("Redo för besök")
        expect(visit).to_contain_text(order["feedback_phone"])
        expect(visit.get_by_test_id("print-call")).to_have_count(2)
        expect(visit.get_by_test_id("print-blank")).to_have_count(2)
    expect(visits.nth(2)).to_contain_text(CALLS[2][3])
    assert page.evaluate("window.__prints") == 0
    check_screen(page, "fitter-print-day")
    page.get_by_test_id("print-now").click()
    assert page.evaluate("window.__prints") == 1

    looks_printed(page, "fitter-print-day-a4")
    assert printed_pages(page, "fitter-print-day") == 1

    fitter_phone.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("print-visit")).to_have_count(len(orders))
    fitter_phone.context.set_offline(False)
    assert fitter_phone.errors == []


# -- the lock list ----------------------------------------------------------------------------


def installed_locks(api: ServerApi) -> list[dict[str, Any]]:
    locks = api.get("/api/locks/", limit=200, state="installed")["items"]
    return [lock for lock in locks if lock["customer_id"]]


def test_lock_search_narrows_the_compact_list_and_survives_a_reload(
    server: str, browser: Any
) -> None:
    api = ServerApi(server, ORDERER)
    locks = installed_locks(api)
    customers = {c["id"]: c for c in api.get("/api/customers/", limit=200)["items"]}
    assert len(locks) >= 100  # the demo's home-care provider has about a hundred

    phone = new_phone(browser)
    page = phone.page
    login(phone, server, ORDERER, path="/locks")
    rows = page.get_by_test_id("lock-row")
    expect(rows).to_have_count(len(locks))
    check_screen(page, "orderer-locks-compact")
    height = page.get_by_test_id("lock-list").bounding_box()["height"]
    assert height < LOCK_ROW_BUDGET_PX * len(locks), f"{height:.0f} px for {len(locks)} locks"
    # No row is more than two lines and the button row.
    tallest = max(
        page.eval_on_selector_all('[data-testid="lock-row"]', "rs => rs.map((r) => r.offsetHeight)")
    )
    assert tallest < 120, tallest
    # At 200 % text the rows grow but the page still does not scroll sideways.
    larger_text(page)
    check_screen(page, "orderer-locks-200", full_page=False)
    larger_text(page, "")

    # Part of a last name: only the locks of customers whose name, address or serial has it.
    customer = customers[locks[len(locks) // 2]["customer_id"]]
    part = customer["name"].split()[-1][:5].lower()

    def matches(lock: dict[str, Any], words: str) -> bool:
        c = customers[lock["customer_id"]]
        hay = " ".join(
            [c["name"], c["street_address"], c["postal_code"], c["city"], lock["serial"]]
        )
        return all(w in hay.lower() for w in words.lower().split())

    expected = [lock for lock in locks if matches(lock, part)]
    assert 0 < len(expected) < len(locks)
    search = page.get_by_label("Sök namn, adress eller serienummer")
    search.press_sequentially(part, delay=30)
    expect(rows).to_have_count(len(expected))
    expect(page).to_have_url(re.compile(rf"/locks\?q={part}$"))
    shown = {r.get_attribute("data-lock-id") for r in rows.all()}
    assert shown == {lock["id"] for lock in expected}
    expect(page.get_by_test_id("lock-count")).to_have_text(
        f"Visar {len(expected)} av {len(locks)} lås"
    )
    expect(search).to_be_focused()
    check_screen(page, "orderer-locks-search")

    # A reload keeps the search and its result.
    page.reload()
    expect(page.get_by_label("Sök namn, adress eller serienummer")).to_have_value(part)
    expect(rows).to_have_count(len(expected))

    # A serial finds its one lock; a street finds the locks there; nothing found says so.
    lock = locks[7]
    search = page.get_by_label("Sök namn, adress eller serienummer")
    search.fill(lock["serial"])
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-lock-id") == lock["id"]
    street = customers[lock["customer_id"]]["street_address"].rsplit(" ", 1)[0]
    search.fill(street)
    expect(rows).to_have_count(len([x for x in locks if matches(x, street)]))
    search.fill("zzzz-ingen")
    expect(page.get_by_test_id("no-locks")).to_have_text("Inget lås matchar sökningen.")
    search.fill("")
    expect(rows).to_have_count(len(locks))
    expect(page).to_have_url(f"{server}/locks")
    assert phone.errors == []
    phone.close()


def test_battery_order_from_a_lock_starts_with_that_lock(server: str, browser: Any) -> None:
    api = ServerApi(server, ORDERER)
    admin = ServerApi(server, "admin")
    busy = {
        o["lock_id"]
        for o in api.get("/api/orders/", limit=200)["items"]
        if o["status"] not in ("done", "cancelled")
    }
    low = next(
        lock
        for lock in sorted(installed_locks(api), key=lambda x: x["battery_percent"] or 100)
        if lock["id"] not in busy and lock["battery_percent"] is not None
    )
    customer = api.get(f"/api/customers/{low['customer_id']}")
    # A second lock at the customer (the building's entrance): the form would ask which one.
    other = admin.post(
        "/api/locks/",
        {
            "serial": "LW-PORT-0001",
            "model": "Lockwork E1",
            "kind": "entrance",
            "customer_id": customer["id"],
        },
    )
    assert other["state"] == "installed"

    phone = new_phone(browser)
    page = phone.page
    login(phone, server, ORDERER, path=f"/locks?q={low['serial']}")
    row = page.locator(f'[data-testid="lock-row"][data-lock-id="{low["id"]}"]')
    expect(row).to_be_visible()
    button = row.get_by_test_id("order-battery")
    expect(button).to_have_attribute(
        "href", f"/orders/new?kind=battery&customer={customer['id']}&lock={low['id']}"
    )
    box = button.bounding_box()
    assert box["height"] >= 44, box
    button.click()

    # Straight to the first question: kind, customer and lock are chosen.
    expect(page.get_by_role("heading", name=CHECKLIST[0].text_sv)).to_be_visible()
    expect(page.get_by_test_id("order-kind")).to_have_text("Batteribyte")
    expect(page.get_by_test_id("order-customer")).to_have_text(customer["name"])
    check_screen(page, "orderer-battery-from-lock")
    # The battery question is the lock's own low reading's to answer: it is not asked.
    for question in CHECKLIST:
        if question.key == "battery_checked":
            continue
        value = {
            "door_handled_like_metal_key": "yes",
            "lock_woken": "woken",
            "linked_correctly_in_care_system": "yes",
            "fault_location": "lock_unit",
        }[question.key]
        page.get_by_test_id(f"answer-{question.key}-{value}").click()
    expect(page.get_by_test_id("step-details")).to_be_visible()
    page.get_by_test_id("step-next").click()
    summary = page.get_by_test_id("order-summary")
    expect(summary).to_contain_text(f"låsets egen avläsning: {low['battery_percent']} %")
    expect(summary).to_contain_text(low["serial"])
    expect(summary).not_to_contain_text(other["serial"])
    page.get_by_test_id("send-order").click()
    expect(page.get_by_test_id("order-placed")).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    reference = page.get_by_test_id("order-reference").inner_text()
    [order] = api.get("/api/orders/", reference=reference)["items"]
    assert (order["kind"], order["customer_id"], order["lock_id"]) == (
        "battery",
        customer["id"],
        low["id"],
    )
    assert order["checklist"]["battery_checked"] == "needs_replacement"

    # A lock that is not the customer's counts for nothing: the form asks which lock.
    elsewhere = next(x for x in installed_locks(api) if x["customer_id"] != customer["id"])
    page.goto(f"{server}/orders/new?kind=battery&customer={customer['id']}&lock={elsewhere['id']}")
    expect(page.get_by_role("heading", name="Vilket lås gäller det?")).to_be_visible()
    assert phone.errors == []
    phone.close()
