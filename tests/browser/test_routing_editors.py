"""Routing at the planner's desk (issue 13, seeds 003/004) in real Chromium at 1280x800,
against a live server with the demo data: the rules screen (an area, a group, two rules,
moved with the keyboard, one turned off, a delete confirmed and one refused), the schedules
screen (a schedule made and paused, one that made orders and cannot be deleted, the battery
rule), and the order's panel saying where an order came from and which rule placed it. What
the browser did is checked through the server's own API; every screen gets a screenshot and
axe-core.

What the test does in place of the world: home-care staff place orders through the API (as
the app's order form sends them); the periodic jobs that make recurring and battery orders
run once from the command line (``lockwork-server run-jobs``), as cron runs them when the
server's own background jobs are off.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from server.clock import LOCAL_ZONE
from tests.browser.harness import LOCALE, PLANNER, TIMEZONE, World, check_screen, login
from tests.browser.test_desk import DESK

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

EXPLAINED = "Den första regeln som passar bestämmer; passar ingen hamnar ordern i planerarens kö"
SOUTH = ["Gottsunda", "Sävja"]


@pytest.fixture(scope="module")
def world(sqlite_server: Any) -> World:
    return World.of(sqlite_server.url)


@pytest.fixture(scope="module")
def desk(sqlite_server: Any, browser: Any) -> Iterator[Any]:
    """The planner at a wide screen, logged in once for the module."""
    context = browser.new_context(viewport=DESK, locale=LOCALE, timezone_id=TIMEZONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    phone = type("Desk", (), {"page": page, "context": context, "errors": errors})()
    login(phone, sqlite_server.url, PLANNER)
    yield page
    assert errors == []
    context.close()


def new_order(world: World, areas: list[str], *, exclude: list[str] | None = None) -> Any:
    """An inspection placed by home-care staff for a resident in one of ``areas`` (or outside
    ``exclude``) with no open inspection: the server's rules place it as it is made."""
    busy = {
        o["customer_id"]
        for o in world.orderer.get("/api/orders/", limit=200)["items"]
        if o["status"] not in ("done", "cancelled") and o["kind"] == "inspection"
    }
    customers = world.orderer.get("/api/customers/", limit=200)["items"]
    customer = next(
        c
        for c in customers
        if c["id"] not in busy
        and (c["area"] in areas if areas else c["area"] not in (exclude or []))
    )
    return world.orderer.post(
        "/api/orders/",
        {"kind": "inspection", "customer_id": customer["id"], "description": "Routing"},
    )


def all_orders(world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = world.planner.get("/api/orders/", limit=200, offset=len(found))
        found += page["items"]
        if not page["items"] or len(found) >= page["total"]:
            return found


def message(page: Any) -> Any:
    return page.get_by_test_id("routing-message")


def rule_row(page: Any, name: str) -> Any:
    return page.get_by_test_id("rule-row").filter(has=page.get_by_role("rowheader", name=name))


def test_the_planner_keeps_areas_groups_and_ordered_rules_that_place_new_orders(
    desk: Any, sqlite_server: Any, world: World
) -> None:
    page = desk
    server = sqlite_server.url
    page.goto(server + "/desk")
    page.locator("#nav").get_by_test_id("nav-rules").click()
    expect(page.get_by_role("heading", name="Fördelningsregler", level=1)).to_be_visible()
    expect(page.get_by_test_id("rules-explained")).to_contain_text(EXPLAINED)
    expect(page.get_by_test_id("rules-empty")).to_be_visible()

    # An area: two districts, one per line. Without lines the form says what is missing.
    page.get_by_test_id("area-new").click()
    form = page.get_by_test_id("area-form")
    expect(form.get_by_role("heading", name="Nytt område")).to_be_focused()
    form.get_by_label("Namn på området").fill("Gottsunda och Sävja")
    form.get_by_test_id("area-save").click()
    expect(form.locator(".error")).to_have_text(
        "Skriv minst ett distrikt, postnummer eller en adress, en per rad."
    )
    expect(form.get_by_label("Distrikt, postnummer eller adresser, en per rad")).to_be_focused()
    page.keyboard.type("Gottsunda\n\nSävja\n")
    form.get_by_test_id("area-save").click()
    expect(message(page)).to_have_text("Området ‘Gottsunda och Sävja’ är sparat (2 rader).")
    areas = world.planner.get("/api/routing/areas")
    assert [(a["name"], a["kind"], a["values"]) for a in areas] == [
        ("Gottsunda och Sävja", "district", SOUTH)
    ]

    # A group of two fitters.
    page.get_by_test_id("group-new").click()
    form = page.get_by_test_id("group-form")
    form.get_by_label("Namn på gruppen").fill("Södra laget")
    form.get_by_label("Maria Montör").check()
    form.get_by_label("Jonas Montör").check()
    form.get_by_test_id("group-save").click()
    expect(message(page)).to_have_text("Gruppen ‘Södra laget’ är sparad (2 montörer).")
    expect(page.get_by_test_id("group-row")).to_contain_text("Jonas Montör, Maria Montör")

    # Two rules: the district's inspections to Maria, everything else to the group. A rule
    # without a place to send to is refused in the form.
    page.get_by_test_id("rule-new").click()
    form = page.get_by_test_id("rule-form")
    form.get_by_label("Namn").fill("Gottsunda till Maria")
    form.get_by_label("Område").select_option(label="Gottsunda och Sävja (Distrikt)")
    form.get_by_label("Besiktning").check()
    form.get_by_test_id("rule-save").click()
    expect(form.locator(".error")).to_have_text(
        "Välj montören eller gruppen som ordrarna ska till."
    )
    expect(form.get_by_label("Skicka till")).to_be_focused()
    form.get_by_label("Skicka till").select_option(label="Maria Montör")
    form.get_by_test_id("rule-save").click()
    expect(message(page)).to_have_text("Regeln ‘Gottsunda till Maria’ är sparad.")
    page.get_by_test_id("rule-new").click()
    form = page.get_by_test_id("rule-form")
    form.get_by_label("Namn").fill("Allt till Södra laget")
    form.get_by_label("Skicka till").select_option(label="Södra laget")
    check_screen(page, "routing-rule-form", full_page=False)
    form.get_by_test_id("rule-save").click()
    expect(message(page)).to_have_text("Regeln ‘Allt till Södra laget’ är sparad.")
    names = page.get_by_test_id("rule-name")
    expect(names).to_have_text(["Gottsunda till Maria", "Allt till Södra laget"])
    expect(rule_row(page, "Gottsunda till Maria")).to_contain_text(
        "Området Gottsunda och Sävja · Besiktning"
    )
    expect(rule_row(page, "Gottsunda till Maria")).to_contain_text("Montör Maria Montör")
    expect(rule_row(page, "Allt till Södra laget")).to_contain_text("Alla order")
    expect(rule_row(page, "Allt till Södra laget")).to_contain_text("Gruppen Södra laget")

    # "Ändra" opens the rule as saved; "Avbryt" closes it and returns to the row's button.
    rule_row(page, "Gottsunda till Maria").get_by_test_id("rule-edit").click()
    form = page.get_by_test_id("rule-form")
    expect(form.get_by_role("heading")).to_have_text("Ändra regeln ‘Gottsunda till Maria’")
    expect(form.get_by_label("Namn")).to_have_value("Gottsunda till Maria")
    expect(form.get_by_label("Besiktning")).to_be_checked()
    expect(form.get_by_label("Service")).not_to_be_checked()
    expect(form.get_by_label("Skicka till").locator("option:checked")).to_have_text("Maria Montör")
    form.get_by_role("button", name="Avbryt").click()
    expect(page.get_by_test_id("rule-form")).to_have_count(0)
    expect(rule_row(page, "Gottsunda till Maria").get_by_test_id("rule-edit")).to_be_focused()

    # Moved with the keyboard: down, and the focus stays with the rule (on "Upp", as it is
    # last now); then up again.
    rule_row(page, "Gottsunda till Maria").get_by_test_id("rule-down").focus()
    page.keyboard.press("Enter")
    expect(names).to_have_text(["Allt till Södra laget", "Gottsunda till Maria"])
    expect(message(page)).to_have_text("‘Gottsunda till Maria’ är nu regel 2 av 2.")
    expect(rule_row(page, "Gottsunda till Maria").get_by_test_id("rule-up")).to_be_focused()
    assert [r["name"] for r in world.planner.get("/api/routing/rules")] == [
        "Allt till Södra laget",
        "Gottsunda till Maria",
    ]
    page.keyboard.press("Enter")
    expect(names).to_have_text(["Gottsunda till Maria", "Allt till Södra laget"])
    expect(rule_row(page, "Gottsunda till Maria").get_by_test_id("rule-down")).to_be_focused()
    rules = world.planner.get("/api/routing/rules")
    assert [(r["name"], r["position"]) for r in rules] == [
        ("Gottsunda till Maria", 1),
        ("Allt till Södra laget", 2),
    ]

    # The group's rule turned off: shown as such, and so on the server.
    rule_row(page, "Allt till Södra laget").get_by_test_id("rule-toggle").click()
    expect(message(page)).to_contain_text("Regeln ‘Allt till Södra laget’ är avstängd")
    expect(rule_row(page, "Allt till Södra laget").get_by_test_id("rule-active")).to_have_text(
        "Avstängd"
    )
    expect(rule_row(page, "Allt till Södra laget").get_by_test_id("rule-toggle")).to_be_focused()
    assert [r["active"] for r in world.planner.get("/api/routing/rules")] == [True, False]

    # Deleting asks first: Escape keeps the rule; the area a rule uses is refused, in words.
    rule_row(page, "Gottsunda till Maria").get_by_test_id("rule-delete").click()
    dialog = page.get_by_test_id("routing-dialog")
    expect(dialog).to_contain_text("Ta bort regeln ‘Gottsunda till Maria’?")
    expect(dialog.get_by_test_id("routing-delete-cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(rule_row(page, "Gottsunda till Maria").get_by_test_id("rule-delete")).to_be_focused()
    assert len(world.planner.get("/api/routing/rules")) == 2
    page.get_by_test_id("area-delete").click()
    check_screen(page, "routing-delete-dialog", full_page=False)
    page.get_by_test_id("routing-delete-confirm").click()
    expect(message(page)).to_have_text(
        "Servern nekade ändringen: En regel använder området: ändra eller ta bort regeln först."
    )
    assert len(world.planner.get("/api/routing/areas")) == 1
    check_screen(page, "routing-rules")

    # A new order in the district is placed by the first rule, as it is made; one elsewhere
    # matches no active rule and waits in the planner's queue.
    south = new_order(world, SOUTH)
    north = new_order(world, [], exclude=SOUTH)
    maria = next(
        u["id"]
        for u in world.planner.get("/api/users", role="fitter")["items"]
        if u["username"] == "montor1"
    )
    assert world.order(south["id"])["assigned_fitter_id"] == maria
    assert world.order(south["id"])["assignment_rule"] == "Gottsunda till Maria"
    assert world.order(north["id"])["assigned_fitter_id"] is None

    page.goto(f"{server}/desk/orders/{south['id']}")
    expect(page.get_by_test_id("desk-order-rule")).to_have_text(
        "Placerad av regeln ‘Gottsunda till Maria’"
    )
    expect(page.get_by_test_id("desk-order-fitter")).to_have_text("Maria Montör")
    expect(page.get_by_test_id("desk-order-origin")).to_have_text("Beställd av hemtjänsten")
    expect(page.get_by_test_id("desk-history")).to_contain_text(
        "Systemet: skickade ordern till Maria Montör enligt regeln ‘Gottsunda till Maria’"
    )
    check_screen(page, "routing-order-placed-by-rule", full_page=False)
    page.goto(f"{server}/desk/orders/{north['id']}")
    expect(page.get_by_test_id("desk-order-rule")).to_have_text("Ingen regel: i planerarens kö")

    # The group's rule on again: the next order elsewhere waits in the group's queue, which
    # the panel and the board's queue name.
    page.goto(server + "/desk/rules")
    rule_row(page, "Allt till Södra laget").get_by_test_id("rule-toggle").click()
    expect(message(page)).to_have_text("Regeln ‘Allt till Södra laget’ är aktiv igen.")
    grouped = new_order(world, [], exclude=SOUTH)
    assert world.order(grouped["id"])["assigned_group_id"] is not None
    page.goto(f"{server}/desk/orders/{grouped['id']}")
    expect(page.get_by_test_id("desk-order-group")).to_have_text("Södra laget")
    expect(page.get_by_test_id("desk-order-rule")).to_have_text(
        "Placerad av regeln ‘Allt till Södra laget’"
    )
    expect(page.get_by_test_id("desk-history")).to_contain_text(
        "skickade ordern till gruppen Södra laget enligt regeln ‘Allt till Södra laget’"
    )
    page.goto(server + "/desk")
    expect(page.get_by_test_id(f"queue-{grouped['reference']}")).to_contain_text(
        "Gruppkö: Södra laget"
    )


def next_working_month_start() -> date:
    today = datetime.now(LOCAL_ZONE).date()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_schedules_and_the_battery_rule(desk: Any, sqlite_server: Any, world: World) -> None:
    page = desk
    server = sqlite_server.url
    page.goto(server + "/desk")
    page.locator("#nav").get_by_test_id("nav-schedules").click()
    expect(page.get_by_role("heading", name="Återkommande order", level=1)).to_be_visible()
    expect(page.get_by_test_id("schedules-empty")).to_be_visible()
    expect(page.get_by_test_id("battery-state")).to_have_text(
        "Ingen batteriregel är sparad: inga batteriorder skapas automatiskt."
    )

    # A yearly check from the first of next month: its next period is that day.
    first = next_working_month_start()
    page.get_by_test_id("schedule-new").click()
    form = page.get_by_test_id("schedule-form")
    form.get_by_label("Namn").fill("Årlig kontroll")
    form.get_by_label("Typ av order").select_option(label="Besiktning")
    form.get_by_label("Första periodens start").fill(first.isoformat())
    form.get_by_label("Intervall (månader)").fill("0")
    form.get_by_test_id("schedule-save").click()
    expect(form.locator(".error")).to_have_text("Ange intervallet i hela månader, 1 till 120.")
    form.get_by_label("Intervall (månader)").fill("12")
    check_screen(page, "routing-schedule-form", full_page=False)
    form.get_by_test_id("schedule-save").click()
    expect(message(page)).to_contain_text("Schemat ‘Årlig kontroll’ är sparat. Nästa period")
    (made,) = world.planner.get("/api/routing/schedules")
    assert (made["kind"], made["first_day"], made["interval_months"], made["lead_days"]) == (
        "inspection",
        first.isoformat(),
        12,
        14,
    )
    assert made["next_period"] == first.isoformat()
    row = page.get_by_test_id("schedule-row")
    expect(row.get_by_test_id("schedule-state")).to_have_text("Igång")

    # Paused: no next period, and so on the server.
    row.get_by_test_id("schedule-pause").click()
    expect(message(page)).to_contain_text("Schemat ‘Årlig kontroll’ är pausat")
    expect(row.get_by_test_id("schedule-state")).to_have_text("Pausat")
    expect(row.get_by_test_id("schedule-next")).to_have_text("–")
    expect(row.get_by_test_id("schedule-pause")).to_be_focused()
    assert world.planner.get("/api/routing/schedules")[0]["paused"] is True

    # The battery rule: under 20 % or a reading older than a year.
    form = page.get_by_test_id("battery-form")
    form.get_by_label("Batterinivå under (%)").fill("20")
    form.get_by_label("Senaste avläsning äldre än (dagar)").fill("365")
    form.get_by_test_id("battery-rule-save").click()
    expect(message(page)).to_have_text(
        "Batteriregeln är sparad: under 20 % eller en avläsning äldre än 365 dagar ger en "
        "batteriorder."
    )
    expect(page.get_by_test_id("battery-state")).to_contain_text("Regeln är på")
    assert world.planner.get("/api/routing/battery-rule") == {
        "below_percent": 20,
        "stale_after_days": 365,
        "active": True,
    }
    check_screen(page, "routing-schedules")

    # A schedule whose period is in force makes its orders when the job runs; then it cannot
    # be deleted (the server says to pause it), and its orders say where they came from.
    today = datetime.now(LOCAL_ZONE).date()
    world.planner.post(
        "/api/routing/schedules",
        {
            "name": "Service nu",
            "kind": "service",
            "first_day": today.isoformat(),
            "interval_months": 6,
            "lead_days": 0,
        },
    )
    sqlite_server.cli("run-jobs", "--job", "recurring orders", "--job", "battery orders")
    page.reload()
    service_row = page.get_by_test_id("schedule-row").filter(
        has=page.get_by_role("rowheader", name="Service nu")
    )
    service_row.get_by_test_id("schedule-delete").click()
    page.get_by_test_id("routing-delete-confirm").click()
    expect(message(page)).to_have_text(
        "Servern nekade ändringen: Schemat har skapat order: pausa det i stället, så finns "
        "historiken kvar."
    )
    assert len(world.planner.get("/api/routing/schedules")) == 2

    orders = all_orders(world)
    recurring = next(o for o in orders if o["origin"] == "recurring")
    page.goto(f"{server}/desk/orders/{recurring['id']}")
    expect(page.get_by_test_id("desk-order-origin")).to_have_text(
        f"Återkommande: Service nu, {today.isoformat()}"
    )
    automatic = next(o for o in orders if o["origin"] == "automatic")
    page.goto(f"{server}/desk/orders/{automatic['id']}")
    expect(page.get_by_test_id("desk-order-origin")).to_contain_text("Automatisk: batteri ")
    expect(page.get_by_test_id("desk-order-origin")).to_contain_text("enligt låset")
    check_screen(page, "routing-order-automatic", full_page=False)


def test_an_administrator_names_the_company_and_the_screens_read_in_english_on_a_tablet(
    sqlite_server: Any, browser: Any, world: World
) -> None:
    """An administrator keeps a fitters' company's settings (the calls name it); the screens
    in English; at 768x1024 neither screen scrolls sideways."""
    server = sqlite_server.url
    world.planner.post(
        "/api/routing/areas", {"name": "Luthagen", "kind": "postcode", "values": ["753"]}
    )
    context = browser.new_context(viewport=DESK, locale=LOCALE, timezone_id=TIMEZONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    holder = type("Desk", (), {"page": page, "context": context, "errors": errors})()
    try:
        login(holder, server, "admin")
        page.goto(server + "/desk/rules")
        expect(page.get_by_label("Montörsföretag")).to_have_value(
            world.planner.user["organisation_id"]
        )
        expect(page.get_by_test_id("area-row").filter(has_text="Luthagen")).to_contain_text("753")
        page.goto(server + "/desk/rules?lang=en")
        expect(page.get_by_role("heading", name="Assignment rules", level=1)).to_be_visible()
        expect(page.get_by_test_id("rules-explained")).to_contain_text(
            "The first rule that matches decides"
        )
        check_screen(page, "routing-rules-admin-en", full_page=False)
        page.set_viewport_size({"width": 768, "height": 1024})
        page.goto(server + "/desk/rules?lang=sv")
        expect(page.get_by_test_id("area-row").first).to_be_visible()
        check_screen(page, "routing-rules-768x1024", full_page=False)
        page.goto(server + "/desk/schedules")
        expect(page.get_by_test_id("battery-form")).to_be_visible()
        check_screen(page, "routing-schedules-768x1024", full_page=False)
        assert errors == []
    finally:
        context.close()
