"""Issue 17, point 6: no form of the app loses what was typed.

A real ``lockwork-server`` process (demo data; SQLite and PostgreSQL) and Debian's headless
Chromium. The defect: after anything refreshed the order screen (a call logged, a sync), its
message form had been replaced without its submit handler, so "Skicka" reloaded the page with
the text in the address (``?body=...``) and saved nothing. The tests send messages after each
kind of refresh, online and offline, as a fitter and as home-care staff, and check the
server's own record; drafts survive a refresh and a reload; and every form of the app,
after each kind of refresh, runs its handler and never navigates the page.

What the test does in place of the world: the other person's message and call are API calls
of their own session. A refresh that another tab would cause is a message on the app's own
BroadcastChannel ("lockwork"), exactly what another tab sends.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from server.pwa_routes import PWA_DIR
from tests.browser.conftest import LiveServer
from tests.browser.harness import (
    FITTER,
    ORDERER,
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
from tests.browser.intake_helpers import case_of, public_report

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

# Set on the page's window: a native form submit reloads the page and loses it.
MARK = "window.__lockworkNoReload"
# Another tab's change, as the app's store announces it (pwa/app/store.js).
OTHER_TAB_CHANGE = "new BroadcastChannel('lockwork').postMessage('change')"

REFRESHES = {
    # Another tab (or a sync) changed data: the screen replaces its regions one by one.
    "data change": OTHER_TAB_CHANGE,
    # The language switched: the screen renders everything anew.
    "language": "dispatchEvent(new Event('langchange'))",
}


# A refresh re-renders from IndexedDB; on a loaded 2-core CI machine that has taken over 5 s
# (Playwright's default), so the wait is longer. It is a bound, not a measurement.
REGION_REPLACED_TIMEOUT_MS = 20_000


def mark_page(page: Any) -> None:
    page.evaluate(f"{MARK} = true")


def assert_not_reloaded(page: Any, url: str) -> None:
    assert page.evaluate(f"{MARK} === true"), "the page was reloaded (a native form submit)"
    assert page.url == url, page.url
    assert "body=" not in page.url


def wait_for_region_replaced(page: Any, selector: str, refresh: Any) -> None:
    """Tag the element, refresh the screen, and wait until a new element stands in its place:
    the refresh really replaced it (the case the defect was about)."""
    expect(page.locator(selector)).to_have_count(1)
    page.eval_on_selector(selector, "el => { el.dataset.before = '1'; }")
    refresh()
    expect(page.locator(f"{selector}:not([data-before])")).to_have_count(
        1, timeout=REGION_REPLACED_TIMEOUT_MS
    )


def send_message(page: Any, url: str, body: str) -> None:
    page.get_by_label("Nytt meddelande").fill(body)
    page.get_by_test_id("send-message").click()
    expect(page.get_by_test_id("messages")).to_contain_text(body)
    expect(page.get_by_label("Nytt meddelande")).to_have_value("")
    assert_not_reloaded(page, url)


def sync_in(page: Any, text: str) -> None:
    """Pull now and wait until the screen shows what the other person wrote (a refresh)."""
    page.get_by_test_id("sync-now").click()
    expect(page.locator("main")).to_contain_text(text, timeout=SYNC_TIMEOUT_MS)


def server_messages(world: World, order_id: str) -> list[str]:
    return [m["body"] for m in world.planner.get(f"/api/orders/{order_id}/messages")]


# The messages of the two sending tests: after a call and after a sync, online and offline.
SENT = ["Online efter samtal", "Online efter synk", "Offline efter samtal", "Offline efter synk"]


def send_last_offline_and_check(
    world: World, order: dict[str, Any], url: str, phone: Phone, screenshot: str
) -> None:
    """Send the last message (still offline), reconnect, and ask the server: each once."""
    send_message(phone.page, url, SENT[-1])
    check_screen(phone.page, screenshot, full_page=False)
    phone.context.set_offline(False)
    all_sent(phone.page)
    sent = server_messages(world, order["id"])
    for body in SENT:
        assert sent.count(body) == 1, (body, sent)
    assert phone.errors == []
    phone.close()


def open_new_order(
    server: str, browser: Any, username: str, description: str
) -> tuple[World, dict[str, Any], str, Phone]:
    """A new order (assigned to the fitter), opened in the app by ``username``, logged in and
    with the service worker in control (so that it opens offline too)."""
    world = World.of(server)
    order = world.new_order(description)
    phone = new_phone(browser)
    login(phone, server, username)
    wait_for_service_worker(phone)
    url = f"{server}/orders/{order['id']}"
    phone.page.goto(url)
    expect(phone.page.get_by_test_id("order-status")).to_be_visible()
    return world, order, url, phone


def test_a_fitter_sends_messages_after_a_call_and_after_a_sync_online_and_offline(
    live_server: LiveServer, browser: Any
) -> None:
    world, order, url, phone = open_new_order(
        live_server.url, browser, FITTER, "Meddelanden: montören"
    )
    page = phone.page
    mark_page(page)

    # Online, after a call was logged here (the screen refreshes with it).
    page.get_by_label("Anteckning (valfri)").fill("Inget svar, provar igen")
    page.get_by_test_id("outcome-no_answer").click()
    expect(page.get_by_test_id("attempts")).to_contain_text("Inget svar, provar igen")
    send_message(page, url, SENT[0])
    # Online, after a sync brought the orderer's message.
    world.orderer.post(f"/api/orders/{order['id']}/messages", {"body": "Beställaren 1"})
    sync_in(page, "Beställaren 1")
    send_message(page, url, SENT[1])
    all_sent(page)

    # Offline, after a call logged offline.
    phone.context.set_offline(True)
    expect(page.get_by_test_id("net-status")).to_have_text("Offline")
    page.get_by_test_id("outcome-busy").click()
    expect(page.get_by_test_id("attempts")).to_contain_text("Upptaget")
    send_message(page, url, SENT[2])
    # Offline, after the last sync before the connection went.
    phone.context.set_offline(False)
    all_sent(page)
    world.orderer.post(f"/api/orders/{order['id']}/messages", {"body": "Beställaren 2"})
    sync_in(page, "Beställaren 2")
    phone.context.set_offline(True)
    expect(page.get_by_test_id("net-status")).to_have_text("Offline")
    send_last_offline_and_check(world, order, url, phone, "fitter-messages-offline")


def test_home_care_staff_send_messages_after_a_call_and_after_a_sync_online_and_offline(
    live_server: LiveServer, browser: Any
) -> None:
    world, order, url, phone = open_new_order(
        live_server.url, browser, ORDERER, "Meddelanden: beställaren"
    )
    page = phone.page
    mark_page(page)

    # Online, after the fitter logged a call (the sync brings it; the screen refreshes).
    world.fitter.post(
        f"/api/orders/{order['id']}/contact-attempts",
        {"to_whom": "customer", "outcome": "no_answer", "note": "Ringde kunden"},
    )
    page.get_by_test_id("sync-now").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Kontaktas", timeout=SYNC_TIMEOUT_MS)
    send_message(page, url, SENT[0])
    # Online, after a sync brought the fitter's message.
    world.fitter.post(f"/api/orders/{order['id']}/messages", {"body": "Montören 1"})
    sync_in(page, "Montören 1")
    send_message(page, url, SENT[1])
    all_sent(page)

    # Offline, after a call: the fitter calls again, this phone syncs, then the signal goes.
    world.fitter.post(
        f"/api/orders/{order['id']}/contact-attempts",
        {"to_whom": "relative", "outcome": "busy", "note": "Dottern upptagen"},
    )
    world.fitter.post(f"/api/orders/{order['id']}/messages", {"body": "Montören 2"})
    sync_in(page, "Montören 2")
    phone.context.set_offline(True)
    expect(page.get_by_test_id("net-status")).to_have_text("Offline")
    send_message(page, url, SENT[2])
    # Offline, after another tab's sync refreshed this screen.
    wait_for_region_replaced(
        page, '[data-region="summary"]', lambda: page.evaluate(OTHER_TAB_CHANGE)
    )
    send_last_offline_and_check(world, order, url, phone, "orderer-messages-offline")


def test_a_draft_survives_a_refresh_and_a_reload(live_server: LiveServer, browser: Any) -> None:
    world, order, url, phone = open_new_order(live_server.url, browser, FITTER, "Utkast")
    page = phone.page
    draft = "Jag kommer på tisdag, ring porttelefonen"
    page.get_by_label("Nytt meddelande").fill(draft)
    page.get_by_label("Anteckning (valfri)").fill("Halvskriven anteckning")
    page.get_by_role("heading", name="Meddelanden").click()  # focus leaves the forms

    # The fitter's other device logs a call: the sync changes the call form's part of the
    # screen, which is rendered anew; what was typed in it comes back from the draft. The
    # region is tagged before the call is made: the server's live poke may bring it in at once.
    def other_phone_calls() -> None:
        world.fitter.post(
            f"/api/orders/{order['id']}/contact-attempts",
            {"to_whom": "customer", "outcome": "voicemail", "note": "Från den andra telefonen"},
        )
        sync_in(page, "Från den andra telefonen")

    wait_for_region_replaced(page, '[data-region="actions"]', other_phone_calls)
    expect(page.get_by_label("Anteckning (valfri)")).to_have_value("Halvskriven anteckning")
    expect(page.get_by_label("Nytt meddelande")).to_have_value(draft)
    # A language switch renders the whole screen anew.
    wait_for_region_replaced(
        page, '[data-region="message-form"]', lambda: page.evaluate(REFRESHES["language"])
    )
    expect(page.get_by_label("Nytt meddelande")).to_have_value(draft)
    # A reload, online and then offline (from the service worker's cache): still there.
    page.reload()
    expect(page.get_by_label("Nytt meddelande")).to_have_value(draft)
    expect(page.get_by_label("Anteckning (valfri)")).to_have_value("Halvskriven anteckning")
    phone.context.set_offline(True)
    page.reload()
    expect(page.get_by_label("Nytt meddelande")).to_have_value(draft)
    # Sent: the draft is gone, after a reload too, and the message is sent once.
    mark_page(page)
    page.get_by_test_id("send-message").click()
    expect(page.get_by_test_id("messages")).to_contain_text(draft)
    assert_not_reloaded(page, url)
    page.reload()
    expect(page.get_by_test_id("messages")).to_contain_text(draft)
    expect(page.get_by_label("Nytt meddelande")).to_have_value("")
    phone.context.set_offline(False)
    all_sent(page)
    assert server_messages(world, order["id"]).count(draft) == 1
    assert phone.errors == []
    phone.close()


# -- every form --------------------------------------------------------------------------------

# Every form of the app (pwa/app/**/*.js): how to submit it and what its handler visibly does.
# A form added to the app without a line here fails test_every_form_of_the_app_is_listed.
FORMS = {
    "login": "the error under the form",
    "call": "the call in the list, one more unsynced change",
    "book": "the booking queued: two more unsynced changes",
    "hold-visit": "the fitter's hold form's error: no date",
    "complete": "the report queued, 'waiting for the server'",
    "message": "the message in the list, one more unsynced change",
    "details": "the summary step of a new order",
    "cancel-order": "the cancel form's error: no reason (home-care staff)",
    "lock-search": "the lock list narrowed to what was typed (home-care staff)",
    "print-day": "the day sheet of the chosen day (fitter, offline)",
    "gateway-pair": "the gateway panel's error under the form",
    # The planner's desk (issue 11): online forms, kept as they are on a data change.
    "queue-filter": "the queue listed anew",
    "assign": "the order assigned, said above the forms",
    "plan": "the order planned (or the clash warning to confirm)",
    "forward": "the forward form's error: no colleague chosen",
    "hold": "the hold form's error: no date",
    "cancel": "the cancel form's error: no reason",
    "activity-filter": "the activity list anew",
    "letters-filter": "the letters tray's orders ready to print, read anew for a day",
    # Routing (issue 13): the rules and schedules editors' online forms.
    "rule": "the rule form's error: no name",
    "area": "the area form's error: no name",
    "group": "the group form's error: no name",
    "schedule": "the schedule form's error: no name",
    "battery-rule": "the battery rule form's error: no threshold",
    # Fault reports at the desk (issue 13): online forms of the case, kept on a data change.
    "case-order": "the order form's error: no kind chosen",
    "case-close": "the close form's error: no answer",
    # Administration (issue 11): online forms of screens that do not follow the store.
    "new-user": "the new-user form's error: no organisation chosen",
    "roles": "the roles form's error: no role",
    "password": "the password form's error: too short",
    "organisation": "the organisation form's error: not an e-mail address",
}
# Forms that a data change leaves in place (they are not the store's: the gateway panel, the
# desk's online forms); a language change renders them anew like every other.
KEPT_ON_DATA_CHANGE = {
    "gateway-pair",
    "lock-search",
    "queue-filter",
    "assign",
    "plan",
    "forward",
    "hold",
    "cancel",
    "activity-filter",
    "letters-filter",
    "rule",
    "area",
    "group",
    "schedule",
    "battery-rule",
    "case-order",
    "case-close",
    "new-user",
    "roles",
    "password",
    "organisation",
}


def _form_names_in_the_app() -> set[str]:
    names = set()
    for path in Path(PWA_DIR, "app").rglob("*.js"):
        for tag in re.findall(r"<form\b[^>]*>", path.read_text(encoding="utf-8")):
            named = re.search(r'data-form="([^"]+)"', tag)
            names.add(named.group(1) if named else path.stem)
    return names


def test_every_form_of_the_app_is_listed() -> None:
    assert _form_names_in_the_app() == set(FORMS)


def refreshed(page: Any, form: str, how: str) -> Any:
    """The form, after a refresh of the given kind has put a new one in its place.

    The gateway panel renders itself and is kept across data changes (it may be in the middle
    of a lock operation): there a data change leaves the same form in place.
    """
    selector = f'form[data-form="{form}"]' if form != "login" else "main form"
    # A part with the focus in it is kept on a data change (the person may be typing there).
    page.evaluate("document.activeElement?.blur()")
    if form in KEPT_ON_DATA_CHANGE and how == "data change":
        page.evaluate(REFRESHES[how])
    else:
        wait_for_region_replaced(page, selector, lambda: page.evaluate(REFRESHES[how]))
    return page.locator(selector)


def pending(page: Any) -> int:
    return int(page.get_by_test_id("pending-count").inner_text().split()[0])


@pytest.mark.parametrize("how", sorted(REFRESHES))
def test_every_form_of_the_app_submits_through_its_handler_after_a_refresh(
    live_server: LiveServer, browser: Any, how: str
) -> None:
    server = live_server.url
    world = World.of(server)
    covered: set[str] = set()

    # Login (the form without a name): a wrong password, the handler answers.
    phone = new_phone(browser)
    page = phone.page
    page.goto(server + "/login")
    mark_page(page)
    form = refreshed(page, "login", how)
    form.get_by_label("Användarnamn").fill(FITTER)
    form.get_by_label("Lösenord").fill("not the password")
    form.get_by_role("button", name="Logga in").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Fel användarnamn eller lösenord.")
    assert_not_reloaded(page, server + "/login")
    covered.add("login")
    phone.close()

    # The fitter's order screen, offline: every handler queues its change in the outbox.
    to_call = world.new_order(f"Formulär ({how}): ring")
    started = world.new_order(f"Formulär ({how}): besök", in_progress=True)
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    wait_for_service_worker(phone)
    phone.context.set_offline(True)
    url = f"{server}/orders/{to_call['id']}"
    page.goto(url)
    expect(page.get_by_role("heading", name="Logga samtal")).to_be_visible()
    mark_page(page)

    before = pending(page)
    form = refreshed(page, "call", how)
    form.get_by_label("Anteckning (valfri)").fill(f"Samtal efter omritning ({how})")
    form.get_by_test_id("outcome-no_answer").click()
    expect(page.get_by_test_id("attempts")).to_contain_text(f"Samtal efter omritning ({how})")
    expect(page.get_by_test_id("pending-count")).to_have_text(f"{before + 1} osynkade")
    assert_not_reloaded(page, url)
    covered.add("call")

    form = refreshed(page, "message", how)
    form.get_by_label("Nytt meddelande").fill(f"Meddelande efter omritning ({how})")
    form.get_by_test_id("send-message").click()
    expect(page.get_by_test_id("messages")).to_contain_text(f"Meddelande efter omritning ({how})")
    expect(page.get_by_test_id("pending-count")).to_have_text(f"{before + 2} osynkade")
    assert_not_reloaded(page, url)
    covered.add("message")

    # Typing the gateway's code is the fallback to scanning its QR code: open it first.
    page.get_by_text("Skriv koden i stället").click()
    form = refreshed(page, "gateway-pair", how)
    form.get_by_test_id("gateway-pair").click()  # no code typed: the panel says so
    expect(page.get_by_test_id("gateway-error")).not_to_have_text("")
    assert_not_reloaded(page, url)
    covered.add("gateway-pair")

    form = refreshed(page, "book", how)
    form.get_by_test_id("book").click()  # the suggested time, confirmed on the phone
    expect(page.get_by_test_id("pending-count")).to_have_text(f"{before + 4} osynkade")
    assert_not_reloaded(page, url)
    covered.add("book")

    form = refreshed(page, "hold-visit", how)
    page.get_by_test_id("hold").locator("summary").click()
    form.get_by_test_id("hold-submit").click()  # no date: the form says so, nothing queued
    expect(form.locator(".error")).to_have_text("Ange ett datum efter i dag.")
    expect(page.get_by_test_id("pending-count")).to_have_text(f"{before + 4} osynkade")
    assert_not_reloaded(page, url)
    covered.add("hold-visit")

    url = f"{server}/orders/{started['id']}"
    page.goto(url)
    mark_page(page)
    form = refreshed(page, "complete", how)
    form.get_by_label("Vad gjordes").fill(f"Kontrollerat efter omritning ({how})")
    form.get_by_label("Tid (minuter)").fill("20")
    form.get_by_test_id("complete").click()
    expect(page.get_by_test_id("complete-waiting")).to_be_visible()
    expect(page.get_by_test_id("pending-count")).to_have_text(f"{before + 5} osynkade")
    assert_not_reloaded(page, url)
    covered.add("complete")

    url = f"{server}/day/print"
    page.goto(url)
    expect(page.get_by_test_id("print-sheet")).to_be_visible()
    mark_page(page)
    form = refreshed(page, "print-day", how)
    later = "2030-01-07"
    form.get_by_label("Dag att skriva ut").fill(later)
    form.get_by_role("button", name="Visa").click()
    expect(page).to_have_url(f"{url}?date={later}")
    expect(page.locator("main h1")).to_contain_text("7 jan")
    assert page.evaluate(f"{MARK} === true"), "the page was reloaded (a native form submit)"
    covered.add("print-day")

    phone.context.set_offline(False)
    all_sent(page)
    assert world.order(to_call["id"])["status"] == "ready_for_execution"
    assert [a["note"] for a in world.attempts(to_call["id"])].count(
        f"Samtal efter omritning ({how})"
    ) == 1
    assert server_messages(world, to_call["id"]).count(f"Meddelande efter omritning ({how})") == 1
    assert world.order(started["id"])["status"] == "done"
    assert phone.errors == []
    phone.close()

    # Home-care staff: the new order's details step.
    phone = new_phone(browser)
    page = phone.page
    login(phone, server, ORDERER)
    page.goto(server + "/orders/new")
    mark_page(page)
    page.get_by_test_id("kind-installation").click()
    page.locator('[data-testid="customer-choices"] button').first.click()
    expect(page.get_by_test_id("step-details")).to_be_visible()
    # A new step moves the focus to its heading once it has rendered (drafts read first); a
    # refresh before that would race the focus, which keeps the region as "busy".
    expect(page.locator('[data-region="step"] h2')).to_be_focused()
    form = refreshed(page, "details", how)
    form.get_by_label("Övrigt").fill(f"Beställt efter omritning ({how})")
    form.get_by_test_id("step-next").click()
    expect(page.get_by_test_id("order-summary")).to_contain_text(
        f"Beställt efter omritning ({how})"
    )
    assert_not_reloaded(page, server + "/orders/new")
    covered.add("details")

    # Home-care staff: cancelling their own order, not booked yet.
    mine = world.new_order(f"Makuleras ({how})")
    url = f"{server}/orders/{mine['id']}"
    page.goto(url)
    expect(page.get_by_test_id("order-status")).to_be_visible()
    mark_page(page)
    form = refreshed(page, "cancel-order", how)
    page.get_by_test_id("cancel-order").locator("summary").click()
    form.get_by_test_id("cancel-submit").click()  # no reason: the form says so
    expect(form.locator(".error")).to_contain_text("Skriv varför")
    assert world.order(mine["id"])["status"] != "cancelled"
    assert_not_reloaded(page, url)
    covered.add("cancel-order")

    # Home-care staff: the lock search (Enter submits it; the list follows what was typed).
    url = f"{server}/locks"
    page.goto(url)
    expect(page.get_by_test_id("lock-row").first).to_be_visible()
    mark_page(page)
    form = refreshed(page, "lock-search", how)
    serial = page.get_by_test_id("lock-row").first.get_attribute("data-lock-id")
    name = page.get_by_test_id("lock-row").first.locator("h2").inner_text()
    form.get_by_label("Sök namn, adress eller serienummer").fill(name)
    form.get_by_label("Sök namn, adress eller serienummer").press("Enter")
    expect(page.locator(f'[data-testid="lock-row"][data-lock-id="{serial}"]')).to_be_visible()
    assert page.evaluate(f"{MARK} === true"), "the page was reloaded (a native form submit)"
    assert page.url.startswith(url) and "q=" in page.url
    covered.add("lock-search")
    assert phone.errors == []
    phone.close()

    # The planner's desk at a wide screen, online.
    customers = world.orderer.get("/api/customers/", limit=200)["items"]
    busy = {
        o["customer_id"]
        for o in world.orderer.get("/api/orders/", limit=200)["items"]
        if o["status"] not in ("done", "cancelled")
    }
    customer = next(c for c in customers if c["id"] not in busy)
    queued = world.orderer.post(
        "/api/orders/", {"kind": "inspection", "customer_id": customer["id"]}
    )
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    desk = Phone(context, context.new_page())
    page = desk.page
    page.on("pageerror", lambda error: desk.errors.append(str(error)))
    login(desk, server, PLANNER)
    page.goto(server + "/desk")
    expect(page.get_by_test_id("queue-count")).to_be_visible()
    mark_page(page)
    form = refreshed(page, "queue-filter", how)
    form.get_by_label("Typ", exact=True).select_option("inspection")
    form.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_test_id(f"queue-{queued['reference']}")).to_be_visible()
    assert_not_reloaded(page, server + "/desk")
    covered.add("queue-filter")

    url = f"{server}/desk/orders/{queued['id']}"
    page.goto(url)
    expect(page.get_by_test_id("desk-plan")).to_be_visible()
    mark_page(page)
    for name, button, said in (
        ("forward", "desk-forward", "Välj vem ordern ska till."),
        ("hold", "desk-hold", "Ange ett datum"),
        ("cancel", "desk-cancel", "Skriv varför"),
    ):
        form = refreshed(page, name, how)
        form.get_by_test_id(button).click()
        expect(form.locator(".error")).to_contain_text(said)
        assert_not_reloaded(page, url)
        covered.add(name)
    form = refreshed(page, "assign", how)
    form.get_by_role("combobox").select_option(label="Maria Montör")
    form.get_by_test_id("desk-assign").click()
    expect(page.get_by_test_id("desk-message")).to_contain_text("Maria Montör")
    assert_not_reloaded(page, url)
    covered.add("assign")
    form = refreshed(page, "plan", how)
    form.get_by_label("Starttid").fill("06:00")  # before the working day: a clash to confirm
    form.get_by_test_id("desk-plan").click()
    expect(page.get_by_test_id("clash-warning")).to_be_visible()
    assert world.order(queued["id"])["planned_start"] is None
    assert_not_reloaded(page, url)
    covered.add("plan")

    page.goto(server + "/desk/activity")
    expect(page.get_by_test_id("activity-count")).to_be_visible()
    mark_page(page)
    form = refreshed(page, "activity-filter", how)
    form.get_by_test_id("activity-apply").click()
    expect(page.get_by_test_id("activity-count")).to_be_visible()
    assert_not_reloaded(page, server + "/desk/activity")
    covered.add("activity-filter")

    page.goto(server + "/desk/letters")
    # Loaded (the form is drawn anew once the fitters are known, as on the activity list).
    expect(
        page.get_by_test_id("letter-list").or_(page.get_by_test_id("letters-empty"))
    ).to_be_visible()
    mark_page(page)
    form = refreshed(page, "letters-filter", how)
    form.get_by_label("Besöksdag").fill("2030-01-07")  # a day with nothing locked yet
    form.get_by_test_id("letters-filter-apply").click()
    expect(page.get_by_test_id("ready-empty")).to_be_visible()
    assert_not_reloaded(page, server + "/desk/letters")
    covered.add("letters-filter")

    # Routing (issue 13): each editor's form, opened, refuses what is missing. Nothing is
    # saved (the server's other tests share these settings).
    for screen, forms in (
        ("/desk/rules", ("rule", "area", "group")),
        ("/desk/schedules", ("schedule",)),
    ):
        page.goto(server + screen)
        for name in forms:
            page.get_by_test_id(f"{name}-new").click()
            mark_page(page)
            form = refreshed(page, name, how)
            form.get_by_test_id(f"{name}-save").click()
            expect(form.locator(".error")).to_contain_text("Ge ")
            assert_not_reloaded(page, server + screen)
            covered.add(name)
    form = refreshed(page, "battery-rule", how)
    form.get_by_label("Batterinivå under (%)").fill("0")
    form.get_by_test_id("battery-rule-save").click()
    expect(form.locator(".error")).to_have_text("Ange en batterinivå i hela procent, 1 till 100.")
    assert_not_reloaded(page, server + "/desk/schedules")
    assert world.planner.get("/api/routing/battery-rule") is None
    covered.add("battery-rule")

    # A fault report (issue 13): each form of the case refuses what is missing.
    receipt = public_report(server, f"Formulär ({how}): låset piper")
    url = f"{server}/desk/cases/{case_of(world, receipt['number'])['id']}"
    page.goto(url)
    expect(page.get_by_test_id("case-make-order")).to_be_visible()
    mark_page(page)
    form = refreshed(page, "case-order", how)
    form.get_by_test_id("case-make-order").click()
    expect(form.locator("#co-kind-error")).to_contain_text("Välj vilken typ")
    assert_not_reloaded(page, url)
    covered.add("case-order")
    form = refreshed(page, "case-close", how)
    form.get_by_test_id("case-close").click()
    expect(form.get_by_test_id("case-close-error")).to_contain_text("Skriv svaret")
    assert_not_reloaded(page, url)
    covered.add("case-close")
    assert case_of(world, receipt["number"])["status"] == "new"
    assert desk.errors == []
    context.close()

    # The administrator's screens at a wide screen, online; each form refuses what is missing.
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    admin = Phone(context, context.new_page())
    page = admin.page
    page.on("pageerror", lambda error: admin.errors.append(str(error)))
    login(admin, server, "admin")
    page.goto(server + "/admin/users/new")
    expect(page.get_by_test_id("new-user-submit")).to_be_visible()
    mark_page(page)
    form = refreshed(page, "new-user", how)
    form.get_by_test_id("new-user-submit").click()
    expect(form.locator("#nu-org-error")).to_contain_text("Välj vilken organisation")
    assert_not_reloaded(page, server + "/admin/users/new")
    covered.add("new-user")

    url = f"{server}/admin/users/{world.fitter.user['id']}"
    page.goto(url)
    expect(page.get_by_test_id("user-save-roles")).to_be_visible()
    mark_page(page)
    form = refreshed(page, "roles", how)
    for box in form.locator('[name="roles"]:checked').all():
        box.uncheck()
    form.get_by_test_id("user-save-roles").click()
    expect(form).to_contain_text("Välj minst en roll.")
    assert_not_reloaded(page, url)
    covered.add("roles")
    form = refreshed(page, "password", how)
    form.get_by_test_id("user-password-input").fill("kort")
    form.get_by_test_id("user-password-submit").click()
    expect(form).to_contain_text("Lösenordet måste ha minst")
    assert_not_reloaded(page, url)
    covered.add("password")

    page.goto(server + "/admin/organisations")
    page.get_by_test_id("admin-org-edit").first.click()
    mark_page(page)
    form = refreshed(page, "organisation", how)
    form.get_by_test_id("org-completion_copy_email").fill("inte en adress")
    form.get_by_test_id("admin-org-save").click()
    expect(form).to_contain_text("Skriv en e-postadress")
    assert_not_reloaded(page, server + "/admin/organisations")
    covered.add("organisation")
    assert admin.errors == []
    context.close()

    assert covered == set(FORMS)


def test_a_fitter_closes_an_installation_without_the_lock_with_a_reason(
    live_server: LiveServer, browser: Any
) -> None:
    """Issue 11 (and 16): when the lock's receipt cannot be had, the server's refusal is shown
    in Swedish on the report and the override is offered right there; the order closes with
    the reason, and the server flags the event."""
    world = World.of(live_server.url)
    order = world.new_order("Installation utan kvitto", in_progress=True, kind="installation")
    phone = new_phone(browser)
    page = phone.page
    login(phone, live_server.url, FITTER)
    page.goto(f"{live_server.url}/orders/{order['id']}")

    # Without a reason: the report is refused for the missing receipt, and the reason field
    # opens with what the fitter wrote kept.
    override = page.get_by_test_id("override")
    expect(override).not_to_have_attribute("open", "")
    page.get_by_label("Vad gjordes").fill("Nytt lås monterat, låset svarar inte")
    page.get_by_label("Tid (minuter)").fill("40")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("complete-refused")).to_contain_text("låsets kvitto")
    expect(override).to_have_attribute("open", "")
    expect(page.get_by_label("Vad gjordes")).to_have_value("Nytt lås monterat, låset svarar inte")
    check_screen(page, "fitter-complete-refused-override")

    page.get_by_label("Skäl att stänga utan låsets kvitto").fill("Låset svarar inte på blåtand")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("completed")).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    assert world.order(order["id"])["status"] == "done"
    closing = [e for e in world.events(order["id"]) if e["action"] == "complete"]
    assert len(closing) == 1 and closing[0]["flagged"]
    assert "Låset svarar inte på blåtand" in closing[0]["note"]
    assert phone.errors == []
    phone.close()
