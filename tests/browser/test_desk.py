"""The planner's desk (issue 11) in real Chromium against the live server: the dispatch board,
the queue, the order panel and the activity list, at 1280x800 (the planner's desk) and
768x1024 (a tablet). What the browser did is checked through the server's own API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from server.calendar.working_days import WorkingDayCalendar
from server.clock import LOCAL_ZONE
from server.orders.checklist import KINDS_WITH_CHECKLIST
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
from tests.integration.world import GOOD_CHECKLIST

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}


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


# The demo data books visits up to five days ahead; the tests plan on their own days after it.
DAYS_AFTER_DEMO = 8


def working_days(count: int) -> list[date]:
    """The first ``count`` Swedish working days after the demo's bookings (the board's own
    calendar)."""
    calendar = WorkingDayCalendar("SE")
    day = datetime.now(LOCAL_ZONE).date() + timedelta(days=DAYS_AFTER_DEMO)
    found: list[date] = []
    while len(found) < count:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            found.append(day)
    return found


def non_working_day() -> date:
    calendar = WorkingDayCalendar("SE")
    day = datetime.now(LOCAL_ZONE).date() + timedelta(days=1)
    while calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def queued_order(world: World, kind: str = "inspection") -> dict[str, Any]:
    """An order placed by home-care staff and left unassigned: it waits in the planner's queue."""
    busy = {
        (o["customer_id"], o["kind"])
        for o in world.orderer.get("/api/orders/", limit=200)["items"]
        if o["status"] not in ("done", "cancelled")
    }
    customers = world.orderer.get("/api/customers/", limit=200)["items"]
    customer = next(c for c in reversed(customers) if (c["id"], kind) not in busy)
    body: dict[str, Any] = {"kind": kind, "customer_id": customer["id"], "description": "Desk"}
    if kind in {k.value for k in KINDS_WITH_CHECKLIST}:
        body["checklist"] = GOOD_CHECKLIST
    return world.orderer.post("/api/orders/", body)  # type: ignore[no-any-return]


def planned(world: World, order_id: str, fitter_id: str, day: date, hour: int) -> dict[str, Any]:
    """Assign and plan through the API (what another planner's board would do)."""
    world.planner.post(f"/api/orders/{order_id}/assignment", {"fitter_id": fitter_id})
    start = datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_ZONE)
    world.planner.post(
        f"/api/orders/{order_id}/transitions",
        {"action": "schedule", "planned_start": start.isoformat(), "estimate_minutes": 60},
    )
    return world.order(order_id)


def local_start(order: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(order["planned_start"]).astimezone(LOCAL_ZONE)


def fitter_id(world: World, username: str) -> str:
    users = world.planner.get("/api/users", role="fitter")["items"]
    return next(u["id"] for u in users if u["username"] == username)  # type: ignore[no-any-return]


def test_planner_starts_on_the_board_and_orders_stay_reachable(
    desk: Any, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    desk.goto(sqlite_server.url + "/")
    expect(desk.get_by_role("heading", name="Planeringstavla", level=1)).to_be_visible()
    expect(desk.get_by_test_id("board")).to_be_visible()
    # The sidebar on a wide screen: the desk, the orders and the activity list.
    nav = desk.locator("#nav")
    expect(nav.get_by_test_id("nav-desk")).to_be_visible()
    box = nav.bounding_box()
    assert box is not None and box["x"] == 0 and box["height"] >= DESK["height"] - 1
    # Today's column is marked (on a weekday: the week view shows Monday to Friday).
    if datetime.now(LOCAL_ZONE).weekday() < 5:
        expect(desk.locator('thead th[aria-current="date"]')).to_have_count(1)
    # Holidays are shaded by the server's calendar: Christmas Day 2026 is a Friday.
    desk.goto(sqlite_server.url + "/desk?view=week&date=2026-12-21")
    christmas = desk.locator("thead th").filter(has_text="25 dec.")
    expect(christmas).to_have_class(re.compile(r"\boff\b"))
    expect(desk.locator("thead th").filter(has_text="23 dec.")).not_to_have_class(
        re.compile(r"\boff\b")
    )
    nav.get_by_test_id("nav-orders").click()
    expect(desk.get_by_role("heading", name="Ärenden", level=1)).to_be_visible()


def test_drag_a_queue_order_onto_a_fitters_afternoon(
    desk: Any, world: World, sqlite_server: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    order = queued_order(world)
    day = working_days(1)[0]
    desk.goto(f"{sqlite_server.url}/desk?view=day&date={day.isoformat()}")
    item = desk.get_by_test_id(f"queue-{order['reference']}")
    expect(item).to_be_visible()
    item.drag_to(desk.get_by_test_id(f"slot-{FITTER}-13"))
    expect(desk.get_by_test_id("desk-message")).to_contain_text(order["reference"])
    # On the server: assigned to montor1, planned at 13:00 for the slot's hour.
    saved = world.order(order["id"])
    assert saved["assigned_fitter_id"] == world.fitter.user["id"]
    assert saved["status"] == "scheduled"
    assert local_start(saved) == datetime(day.year, day.month, day.day, 13, tzinfo=LOCAL_ZONE)
    assert saved["estimate_minutes"] == 60
    # On the board, in montor1's row, and no longer in the queue.
    expect(desk.get_by_test_id(f"block-{order['reference']}")).to_be_visible()
    expect(desk.get_by_test_id(f"queue-{order['reference']}")).to_have_count(0)
    # The fitter's phone has it after its sync.
    phone = new_phone(browser)
    try:
        login(phone, sqlite_server.url, FITTER)
        phone.page.goto(sqlite_server.url + "/orders")
        expect(phone.page.get_by_text(order["reference"])).to_be_visible(timeout=SYNC_TIMEOUT_MS)
        # The desk's screens were never imported on the fitter's phone.
        assert phone.page.evaluate("customElements.get('lw-desk-board')") is None
    finally:
        phone.close()


def test_queue_filters_by_area_and_kind(desk: Any, world: World, sqlite_server: Any) -> None:
    from playwright.sync_api import expect

    desk.goto(sqlite_server.url + "/desk")
    expect(desk.get_by_test_id("queue")).to_be_visible()
    desk.get_by_label("Område").select_option("Gottsunda")
    desk.get_by_label("Typ", exact=True).select_option(label="Besiktning")
    desk.get_by_role("button", name="Filtrera").click()
    statuses = [
        "ordered",
        "contacting",
        "scheduled",
        "manual_followup",
        "ready_for_execution",
        "on_hold",
    ]
    common = {"area": "Gottsunda", "kind": "inspection", "status": statuses, "limit": 200}
    expected = {
        o["reference"]
        for query in ({"unassigned": "true"}, {"unassigned": "false", "planned": "false"})
        for o in world.planner.get("/api/orders/", **common, **query)["items"]
    }
    count = desk.get_by_test_id("queue-count")
    expect(count).to_contain_text(f"{len(expected)} ordrar")
    shown = desk.locator("[data-testid^='queue-LW-']").evaluate_all(
        "(items) => items.map((i) => i.dataset.testid.slice('queue-'.length))"
    )
    assert set(shown) == expected


def test_a_drop_on_a_taken_hour_needs_confirmation(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    day = working_days(8)[7]
    taken = planned(world, queued_order(world)["id"], world.fitter.user["id"], day, 9)
    order = queued_order(world, kind="removal")
    desk.goto(f"{sqlite_server.url}/desk?view=day&date={day.isoformat()}")
    # The visit lies over the hour: the drop goes through it to the hour beneath (force: the
    # pointer is released over the visit, which Playwright's own check would refuse).
    desk.get_by_test_id(f"queue-{order['reference']}").drag_to(
        desk.get_by_test_id(f"slot-{FITTER}-09"), force=True
    )
    warning = desk.get_by_test_id("clash-warning")
    expect(warning).to_contain_text(taken["reference"])
    assert world.order(order["id"])["assigned_fitter_id"] is None  # nothing sent yet
    desk.get_by_test_id("plan-anyway").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text(order["reference"])
    saved = world.order(order["id"])
    assert saved["assigned_fitter_id"] == world.fitter.user["id"]
    assert local_start(saved) == local_start(taken)
    # Both visits are on the board, flagged as a clash.
    expect(desk.locator(".block.clash")).to_have_count(2)


def test_assign_reassign_and_unassign_from_the_panel(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    order = queued_order(world)
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    fitter = desk.get_by_role("combobox", name="Montör", exact=True)
    fitter.select_option(label="Maria Montör")
    desk.get_by_test_id("desk-assign").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("tilldelad Maria Montör")
    assert world.order(order["id"])["assigned_fitter_id"] == world.fitter.user["id"]
    fitter.select_option(label="Jonas Montör")
    desk.get_by_test_id("desk-assign").click()
    expect(desk.get_by_test_id("desk-order-fitter")).to_have_text("Jonas Montör")
    assert world.order(order["id"])["assigned_fitter_id"] == fitter_id(world, OTHER_FITTER)
    fitter.select_option(label="Ingen montör")
    desk.get_by_test_id("desk-assign").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("ligger i kön")
    assert world.order(order["id"])["assigned_fitter_id"] is None


def test_keyboard_form_assigns_and_plans(desk: Any, world: World, sqlite_server: Any) -> None:
    from playwright.sync_api import expect

    order = queued_order(world)
    day = working_days(2)[1]
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    expect(desk.get_by_role("heading", name="Planera")).to_be_visible()
    desk.get_by_label("Planera hos montör").select_option(label="Jonas Montör")
    desk.get_by_label("Datum", exact=True).fill(day.isoformat())
    desk.get_by_label("Starttid").fill("08:30")
    desk.get_by_label("Beräknad tid (minuter)").fill("45")
    desk.get_by_label("Beräknad tid (minuter)").press("Enter")
    message = desk.get_by_test_id("desk-message")
    expect(message).to_contain_text("planerad")
    expect(message).to_be_focused()
    saved = world.order(order["id"])
    assert saved["assigned_fitter_id"] == fitter_id(world, OTHER_FITTER)
    assert local_start(saved) == datetime(day.year, day.month, day.day, 8, 30, tzinfo=LOCAL_ZONE)
    assert saved["estimate_minutes"] == 45


def test_resizing_a_visit_changes_its_estimate(desk: Any, world: World, sqlite_server: Any) -> None:
    """The day view: dragging a visit's right edge to the end of the next hour makes a 60
    minute visit 120 minutes long, at the same start, with the same fitter."""
    from playwright.sync_api import expect

    day = working_days(4)[3]
    order = planned(world, queued_order(world)["id"], world.fitter.user["id"], day, 9)
    desk.goto(f"{sqlite_server.url}/desk?view=day&date={day.isoformat()}")
    edge = desk.get_by_test_id(f"resize-{order['reference']}")
    expect(edge).to_be_attached()
    target = desk.get_by_test_id(f"slot-{FITTER}-10").bounding_box()
    box = edge.bounding_box()
    assert box is not None and target is not None
    desk.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    desk.mouse.down()
    desk.mouse.move(target["x"] + target["width"] - 2, box["y"] + box["height"] / 2, steps=8)
    desk.mouse.up()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("planerad")
    saved = world.order(order["id"])
    assert saved["estimate_minutes"] == 120
    assert local_start(saved) == local_start(order)
    assert saved["assigned_fitter_id"] == world.fitter.user["id"]
    # Still on the board, not opened: the release was no click on the visit.
    expect(desk).to_have_url(re.compile(r"/desk\?view=day"))


def test_a_clash_needs_confirmation(desk: Any, world: World, sqlite_server: Any) -> None:
    from playwright.sync_api import expect

    day = working_days(3)[2]
    first = planned(world, queued_order(world)["id"], world.fitter.user["id"], day, 10)
    second = queued_order(world, kind="battery")
    desk.goto(f"{sqlite_server.url}/desk/orders/{second['id']}")
    desk.locator("#plan-fitter").select_option(world.fitter.user["id"])
    desk.get_by_label("Datum", exact=True).fill(day.isoformat())
    desk.get_by_label("Starttid").fill("10:30")
    desk.get_by_test_id("desk-plan").click()
    warning = desk.get_by_test_id("clash-warning")
    expect(warning).to_contain_text(first["reference"])
    expect(desk.locator("#clash-h")).to_be_focused()
    # Nothing was sent yet.
    assert world.order(second["id"])["planned_start"] is None
    desk.keyboard.press("Escape")  # the same as "Avbryt"
    expect(warning).to_have_count(0)
    expect(desk.locator("#plan-h")).to_be_focused()  # back to the form, values kept
    expect(desk.get_by_label("Starttid")).to_have_value("10:30")
    assert world.order(second["id"])["planned_start"] is None
    # A weekend or holiday is a clash too; this time the planner confirms.
    off = non_working_day()
    desk.get_by_label("Datum", exact=True).fill(off.isoformat())
    desk.get_by_label("Starttid").fill("18:00")
    desk.get_by_test_id("desk-plan").click()
    expect(warning).to_contain_text("ingen arbetsdag")
    expect(warning).to_contain_text("utanför arbetstiden")
    desk.get_by_test_id("plan-anyway").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("planerad")
    saved = world.order(second["id"])
    assert local_start(saved) == datetime(off.year, off.month, off.day, 18, tzinfo=LOCAL_ZONE)


def test_moving_a_visit_to_another_fitter_reassigns_it(
    desk: Any, world: World, sqlite_server: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    day = working_days(4)[3]
    order = planned(world, queued_order(world)["id"], world.fitter.user["id"], day, 9)
    phone = new_phone(browser)
    try:
        login(phone, sqlite_server.url, FITTER)
        phone.page.goto(sqlite_server.url + "/orders")
        expect(phone.page.get_by_text(order["reference"])).to_be_visible()

        desk.goto(f"{sqlite_server.url}/desk?view=week&date={day.isoformat()}")
        block = desk.get_by_test_id(f"block-{order['reference']}")
        expect(desk.get_by_test_id(f"cell-{FITTER}-{day.isoformat()}")).to_contain_text(
            order["reference"]
        )
        block.drag_to(desk.get_by_test_id(f"cell-{OTHER_FITTER}-{day.isoformat()}"))
        expect(desk.get_by_test_id("desk-message")).to_contain_text(order["reference"])
        saved = world.order(order["id"])
        assert saved["assigned_fitter_id"] == fitter_id(world, OTHER_FITTER)
        assert local_start(saved) == local_start(order)  # same time, other fitter
        expect(desk.get_by_test_id(f"cell-{OTHER_FITTER}-{day.isoformat()}")).to_contain_text(
            order["reference"]
        )
        # The first fitter's phone loses it at its next sync.
        phone.page.get_by_test_id("sync-now").click()
        expect(phone.page.get_by_text(order["reference"])).to_have_count(0, timeout=SYNC_TIMEOUT_MS)
    finally:
        phone.close()


def test_hold_with_unassign_puts_the_order_back_in_the_queue(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    day = working_days(1)[0]
    order = planned(world, queued_order(world)["id"], world.fitter.user["id"], day, 15)
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    until = working_days(10)[-1]
    desk.get_by_label("Vilande till och med").fill(until.isoformat())
    desk.get_by_test_id("hold-unassign").check()
    desk.get_by_test_id("desk-hold").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("ingen montör")
    saved = world.order(order["id"])
    assert saved["status"] == "on_hold" and saved["assigned_fitter_id"] is None
    assert saved["hold_until"] == until.isoformat()
    desk.get_by_test_id("back-to-board").click()
    queued = desk.get_by_test_id(f"queue-{order['reference']}")
    expect(queued).to_contain_text("Vilande till")
    expect(desk.get_by_test_id(f"block-{order['reference']}")).to_have_count(0)

    # The date comes (the hold's end moved into the past, as the clock would move past it),
    # the hold job runs: the order is back in the queue as a new order, no longer on hold.
    end_hold_in_the_past(sqlite_server.database_url, order["id"])
    assert sqlite_server.cli("run-jobs", "--job", "holds ended").strip() == "holds ended: 1"
    back = world.order(order["id"])
    assert back["status"] == "ordered" and back["assigned_fitter_id"] is None
    desk.reload()
    expect(queued).to_be_visible()
    expect(queued).not_to_contain_text("Vilande till")


def end_hold_in_the_past(database_url: str, order_id: str) -> None:
    """Move an order's hold end into the past in the server's database: ten days back, so
    that the working day it resumes on has come whatever day the test runs (a weekend)."""
    import asyncio
    import concurrent.futures

    async def update() -> None:
        from server import db
        from server.orders.tables import WorkOrder

        async with db.connected(database_url):
            await WorkOrder.update({WorkOrder.hold_until: date.today() - timedelta(days=10)}).where(
                WorkOrder.id == order_id
            )

    # In a thread: Playwright's sync API may already run an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, update()).result()


def test_send_to_execution_offers_only_what_the_status_allows(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    day = working_days(7)[6]
    order = planned(world, queued_order(world)["id"], world.fitter.user["id"], day, 11)
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    desk.get_by_test_id("desk-confirm").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("redo för besöket")
    assert world.order(order["id"])["status"] == "ready_for_execution"
    # Ready for execution: it may still be moved (rebooked, then confirmed again), never
    # confirmed twice; hold and cancel stay.
    expect(desk.get_by_test_id("desk-order-status")).to_contain_text("Redo för besök")
    expect(desk.get_by_test_id("desk-plan")).to_be_visible()
    expect(desk.get_by_test_id("desk-confirm")).to_have_count(0)
    expect(desk.get_by_test_id("desk-hold")).to_be_visible()
    # Once the fitter has started the visit it takes no new time: dragging it to another hour
    # is refused in words before anything is sent.
    world.fitter.post(f"/api/orders/{order['id']}/transitions", {"action": "start"})
    assert world.order(order["id"])["status"] == "in_progress"
    desk.goto(f"{sqlite_server.url}/desk?view=day&date={day.isoformat()}")
    desk.get_by_test_id(f"block-{order['reference']}").drag_to(
        desk.get_by_test_id(f"slot-{FITTER}-15")
    )
    expect(desk.get_by_test_id("desk-message")).to_contain_text("kan inte få en ny tid")
    assert world.order(order["id"])["planned_start"] == order["planned_start"]


def test_cancel_needs_a_reason(desk: Any, world: World, sqlite_server: Any) -> None:
    from playwright.sync_api import expect

    order = queued_order(world)
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    desk.get_by_test_id("desk-cancel").click()
    expect(desk.locator("#cancel-error")).to_contain_text("Skriv varför")
    expect(desk.get_by_label("Orsak (krävs)")).to_be_focused()
    assert world.order(order["id"])["status"] == "ordered"
    desk.get_by_label("Orsak (krävs)").fill("Kunden har flyttat")
    desk.get_by_test_id("desk-cancel").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("makulerad")
    saved = world.order(order["id"])
    assert saved["status"] == "cancelled" and saved["cancel_reason"] == "Kunden har flyttat"
    # A closed order offers no actions.
    expect(desk.get_by_test_id("desk-cancel")).to_have_count(0)
    expect(desk.get_by_test_id("desk-plan")).to_have_count(0)


def test_forward_with_a_done_by_date(desk: Any, world: World, sqlite_server: Any) -> None:
    from playwright.sync_api import expect

    day = working_days(5)[4]
    order = planned(world, queued_order(world)["id"], world.fitter.user["id"], day, 14)
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    desk.get_by_test_id("desk-forward").click()
    expect(desk.get_by_text("Välj vem ordern ska till.")).to_be_visible()
    desk.get_by_label("Till kollega").select_option(label="Maria Montör")
    desk.get_by_label("Klar till", exact=True).fill(day.isoformat())
    desk.get_by_label("Vad ska göras (valfritt)").fill("Ring dottern först")
    desk.get_by_test_id("desk-forward").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("Maria Montör")
    expect(desk.get_by_test_id("desk-forwards")).to_contain_text("Maria Montör")
    (sent,) = world.planner.get(f"/api/orders/{order['id']}/forwards")
    assert sent["to_user_id"] == world.fitter.user["id"] and sent["done_by"] == day.isoformat()
    # It is on the fitter's activity list with its date.
    mine = world.fitter.get("/api/activity", forwarded_to_me="true")["items"]
    assert [(o["id"], o["forwarded_done_by"]) for o in mine] == [(order["id"], day.isoformat())]


def test_a_stale_order_gets_a_conflict_and_is_reloaded(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    order = queued_order(world)
    desk.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
    expect(desk.get_by_test_id("desk-order-fitter")).to_have_text("Ingen montör")
    # Meanwhile another planner assigns it.
    world.planner.post(
        f"/api/orders/{order['id']}/assignment", {"fitter_id": world.fitter.user["id"]}
    )
    desk.get_by_label("Orsak (krävs)").fill("Dubblett")
    desk.get_by_test_id("desk-cancel").click()
    expect(desk.get_by_test_id("desk-message")).to_contain_text("Någon annan ändrade ordern")
    expect(desk.get_by_test_id("desk-order-fitter")).not_to_have_text("Ingen montör")
    assert world.order(order["id"])["status"] == "ordered"


def test_a_stale_board_gets_a_conflict_and_reloads(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    order = queued_order(world)
    day = working_days(6)[5]
    desk.goto(f"{sqlite_server.url}/desk?view=day&date={day.isoformat()}")
    item = desk.get_by_test_id(f"queue-{order['reference']}")
    expect(item).to_be_visible()
    # Meanwhile another planner books it for the other fitter.
    other = fitter_id(world, OTHER_FITTER)
    planned(world, order["id"], other, day, 8)
    item.drag_to(desk.get_by_test_id(f"slot-{FITTER}-14"))
    expect(desk.get_by_test_id("desk-message")).to_contain_text("Någon annan ändrade ordern")
    # Reloaded: the order is where the other planner put it, and nothing was overwritten.
    expect(desk.get_by_test_id(f"block-{order['reference']}")).to_be_visible()
    saved = world.order(order["id"])
    assert saved["assigned_fitter_id"] == other
    assert local_start(saved).hour == 8


def test_activity_list_shows_orders_and_links_to_them(
    desk: Any, world: World, sqlite_server: Any
) -> None:
    from playwright.sync_api import expect

    order = queued_order(world, kind="service")
    desk.goto(sqlite_server.url + "/desk/activity")
    row = desk.get_by_test_id(f"activity-{order['reference']}")
    expect(row).to_be_visible()
    # Each row says what to do next: nobody has it, so assign it; no call yet today.
    expect(row.get_by_test_id("next-step")).to_contain_text("Tilldela en montör och planera")
    expect(row.get_by_test_id("days-without-call")).to_have_text("0 arbetsdagar utan samtal")
    # The routine's order by default; newest first on request: the order just placed first.
    expect(desk.get_by_label("Ordning")).to_have_value("urgent")
    desk.get_by_label("Ordning").select_option("newest")
    desk.get_by_test_id("activity-apply").click()
    expect(desk.get_by_test_id("activity-list").locator("tbody tr").first).to_have_attribute(
        "data-testid", f"activity-{order['reference']}"
    )
    # Placed today, it has not gone a working day without a call.
    desk.get_by_label("Utan samtal").select_option("1")
    desk.get_by_test_id("activity-apply").click()
    expect(row).to_have_count(0)
    desk.get_by_label("Utan samtal").select_option("")
    # Who closed how many today, per shift of the server's (default) shifts.
    closed = desk.get_by_test_id("closed-per-person")
    for shift in ("Dag", "Kväll", "Natt", "Totalt"):
        expect(closed).to_contain_text(shift)
    desk.get_by_label("Typ", exact=True).select_option(label="Service")
    desk.get_by_test_id("activity-apply").click()
    expect(row).to_be_visible()
    desk.get_by_label("Typ", exact=True).select_option(label="Besiktning")
    desk.get_by_test_id("activity-apply").click()
    expect(row).to_have_count(0)
    desk.get_by_label("Typ", exact=True).select_option(label="Service")
    desk.get_by_test_id("activity-apply").click()
    row.get_by_role("link", name=order["reference"]).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(order["reference"])


def test_board_logic_booking_order_and_clashes(desk: Any, sqlite_server: Any) -> None:
    """pwa/app/desk/plan.js on its own: the booking order per fitter and day, and each kind
    of clash (overlap, outside 07-17, a non-working day) against the server's calendar."""
    result = desk.evaluate(
        """async () => {
          const plan = await import('/app/desk/plan.js');
          const { calendar } = await import('/app/rules.js');
          const at = (d, h, m = 0) => plan.startAt(d, h * 60 + m).toISOString();
          const visit = (id, fitter, status, d, h, minutes) => ({
            id, reference: id.toUpperCase(), assigned_fitter_id: fitter, status,
            planned_start: at(d, h), estimate_minutes: minutes,
          });
          const orders = [
            visit('b', 'f1', 'scheduled', '2026-12-08', 13, 60),
            visit('a', 'f1', 'scheduled', '2026-12-08', 8, 90),
            visit('c', 'f2', 'scheduled', '2026-12-08', 8, 60),
            visit('x', 'f1', 'cancelled', '2026-12-08', 9, 60),
            visit('d', 'f2', 'scheduled', '2026-12-08', 8, 30),
          ];
          const cells = plan.bookings(orders);
          const found = (orderId, fitterId, d, h, m, minutes) => plan.clashes(
            { orderId, fitterId, start: plan.startAt(d, h * 60 + m), minutes },
            orders, calendar,
          ).map((c) => c.kind + (c.order ? ':' + c.order.reference : ''));
          const kinds = (...args) => found('n', ...args);
          const day = cells.get(plan.cellKey('f1', '2026-12-08'));
          return {
            week: plan.weekDays('2026-12-10'),
            order: day.map((b) => [b.position, b.order.reference, b.overlaps]),
            f2: cells.get(plan.cellKey('f2', '2026-12-08'))
              .map((b) => [b.order.reference, b.overlaps, b.lane]),
            lanes: day.map((b) => b.lane),
            append: plan.appendStart(orders, 'f1', '2026-12-08'),
            free: kinds('f1', '2026-12-08', 10, 0, 60),
            overlap: kinds('f1', '2026-12-08', 9, 0, 60),
            otherFitter: kinds('f2', '2026-12-08', 13, 0, 30),
            overlapTwo: kinds('f2', '2026-12-08', 8, 15, 30),
            late: kinds('f1', '2026-12-08', 16, 30, 60),
            early: kinds('f1', '2026-12-08', 6, 45, 30),
            christmas: kinds('f1', '2026-12-25', 10, 0, 60),
            saturday: kinds('f1', '2026-12-12', 10, 0, 60),
            movedSelf: found('a', 'f1', '2026-12-08', 8, 30, 60).length,
          };
        }"""
    )
    assert result["week"] == [
        "2026-12-07",
        "2026-12-08",
        "2026-12-09",
        "2026-12-10",
        "2026-12-11",
    ]
    # By planned start; a cancelled visit is not booked, so it clashes with nothing.
    assert result["order"] == [[1, "A", False], [2, "B", False]]
    # Same start: by reference, both flagged, side by side in the day view.
    assert result["f2"] == [["C", True, 0], ["D", True, 1]]
    assert result["lanes"] == [0, 0]
    assert result["append"] == 14 * 60  # after B (13:00-14:00)
    assert result["free"] == []
    assert result["overlap"] == ["overlap:A"]  # A runs 08:00-09:30
    assert result["otherFitter"] == []
    assert result["overlapTwo"] == ["overlap:C", "overlap:D"]
    assert result["late"] == ["outside_hours"]
    assert result["early"] == ["outside_hours"]
    assert result["christmas"] == ["non_working_day"]
    assert result["saturday"] == ["non_working_day"]
    assert result["movedSelf"] == 0


@pytest.mark.parametrize("viewport", [DESK, TABLET], ids=["1280x800", "768x1024"])
def test_desk_screens_look_right_and_pass_accessibility(
    sqlite_server: Any, browser: Any, world: World, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    size = f"{viewport['width']}x{viewport['height']}"
    context = browser.new_context(viewport=viewport, locale=LOCALE, timezone_id=TIMEZONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    holder = type("Desk", (), {"page": page, "context": context, "errors": errors})()
    try:
        login(holder, sqlite_server.url, PLANNER)
        day = working_days(1)[0]
        order = queued_order(world, kind="removal")
        planned(world, order["id"], world.fitter.user["id"], day, 11)
        queued_order(world, kind="inspection")
        page.goto(f"{sqlite_server.url}/desk?view=week&date={day.isoformat()}")
        expect(page.get_by_test_id(f"block-{order['reference']}")).to_be_visible()
        check_screen(page, f"desk-board-week-{size}", full_page=False)
        page.goto(f"{sqlite_server.url}/desk?view=day&date={day.isoformat()}")
        expect(page.get_by_test_id(f"block-{order['reference']}")).to_be_visible()
        check_screen(page, f"desk-board-day-{size}", full_page=False)
        page.goto(f"{sqlite_server.url}/desk/orders/{order['id']}")
        expect(page.get_by_test_id("desk-plan")).to_be_visible()
        check_screen(page, f"desk-order-{size}", full_page=False)
        page.goto(f"{sqlite_server.url}/desk/activity")
        expect(page.get_by_test_id("activity-list")).to_be_visible()
        check_screen(page, f"desk-activity-{size}", full_page=False)
        assert errors == []
    finally:
        context.close()


def test_closed_per_person_steps_through_the_days(desk: Any, sqlite_server: Any) -> None:
    """The closed-per-person table goes back a day and forward again (not past today), and
    keeps the focus on the button pressed."""
    from playwright.sync_api import expect

    desk.goto(sqlite_server.url + "/desk/activity")
    closed = desk.get_by_test_id("closed-per-person")
    expect(closed).to_contain_text("Totalt")
    next_day = closed.get_by_role("button", name="Nästa dag")
    expect(next_day).to_be_disabled()
    closed.get_by_role("button", name="Föregående dag").click()
    expect(next_day).to_be_enabled()
    expect(closed.get_by_role("button", name="Föregående dag")).to_be_focused()
    next_day.click()
    expect(next_day).to_be_disabled()
    expect(closed).to_contain_text("Totalt")
