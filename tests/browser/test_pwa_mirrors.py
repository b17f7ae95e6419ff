"""The app's rules give the server's answers, run in real Chromium.

pwa/app/calendar.js and pwa/app/contact-plan.js apply the rules the server publishes
(server/app_rules.py: the calendar of server/calendar/working_days.py for the configured
country and eves, the call windows of server/orders/contact_plan.py), so a fitter offline sees
the same working days and next call time as online. The app as served uses the server's own
document; the same JavaScript fed the documents of other settings (Norway, other eves) gives
the Python calendar's answers for those too. Cases are drawn at random (fixed seed) around
holidays and DST changes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from server.app_rules import app_rules
from server.calendar.working_days import DEFAULT_EXTRA_NON_WORKING, WorkingDayCalendar
from server.clock import LOCAL_ZONE
from server.orders import contact_plan

pytestmark = pytest.mark.browser

CASES = 400
# Days that make the rule interesting: Easter, midsummer, Christmas, the DST changes.
ANCHORS = [
    date(2026, 4, 1),
    date(2026, 6, 17),
    date(2026, 12, 22),
    date(2027, 3, 26),
    date(2026, 10, 23),
    date(2027, 5, 12),
]
# Settings of a server: country and non-working eves (LOCKWORK_COUNTRY, ..._NON_WORKING_EVES).
CONFIGS = [
    ("SE", DEFAULT_EXTRA_NON_WORKING),
    ("NO", DEFAULT_EXTRA_NON_WORKING),
    ("SE", frozenset()),
    ("SE", frozenset({"christmas_eve"})),
    ("NO", frozenset({"new_years_eve"})),
    ("NO", frozenset({"midsummer_eve"})),  # accepted, but no day off in Norway
]
CONFIG_IDS = [f"{country}-{'+'.join(sorted(eves)) or 'no_eves'}" for country, eves in CONFIGS]
FIRST, DAYS = date(2025, 1, 1), 365 * 6


@pytest.fixture(scope="module")
def page(sqlite_server: Any, browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(sqlite_server.url + "/login")
    tab.get_by_role("heading", name="Logga in").wait_for()
    yield tab
    context.close()


def _case(rng: random.Random) -> dict[str, Any]:
    anchor = rng.choice(ANCHORS)
    ordered = datetime.combine(anchor, datetime.min.time(), LOCAL_ZONE) + timedelta(
        hours=rng.uniform(7, 17)
    )
    now = ordered + timedelta(hours=rng.uniform(0.1, 24 * 9))
    span = (now - ordered).total_seconds()
    attempts = sorted(
        ordered + timedelta(seconds=rng.uniform(0, span)) for _ in range(rng.randint(0, 6))
    )
    return {
        "ordered_at": ordered.astimezone(UTC).isoformat(),
        "now": now.astimezone(UTC).isoformat(),
        "attempts": [a.astimezone(UTC).isoformat() for a in attempts],
    }


def _expected(case: dict[str, Any], cal: WorkingDayCalendar) -> dict[str, Any]:
    ordered = datetime.fromisoformat(case["ordered_at"])
    suggestion = contact_plan.next_call(
        [datetime.fromisoformat(a) for a in case["attempts"]],
        datetime.fromisoformat(case["now"]),
        cal,
        ordered_on=ordered.astimezone(LOCAL_ZONE).date(),
        zone=LOCAL_ZONE,
    )
    return {
        "at": suggestion.at.astimezone(UTC).isoformat().replace("+00:00", ".000Z"),
        "window": suggestion.window,
        "missed_days": [d.isoformat() for d in suggestion.missed_days],
    }


JS_NEXT_CALL = """async (cases) => {
  const { nextCall } = await import('/app/contact-plan.js');
  return cases.map((c) => {
    const order = { status: 'contacting', ordered_at: c.ordered_at };
    const attempts = c.attempts.map((at) => ({ at, outcome: 'no_answer' }));
    const r = nextCall(order, attempts, new Date(c.now));
    return { at: r.at, window: r.window, missed_days: r.missed_days };
  });
}"""


def test_next_call_matches_the_server(page: Any) -> None:
    rng = random.Random(4)
    cases = [_case(rng) for _ in range(CASES)]
    cal = WorkingDayCalendar("SE")
    got = page.evaluate(JS_NEXT_CALL, cases)
    for case, answer in zip(cases, got, strict=True):
        assert answer == _expected(case, cal), case


def test_no_call_suggested_once_reached(page: Any) -> None:
    answer = page.evaluate(
        """async () => {
          const { nextCall } = await import('/app/contact-plan.js');
          return nextCall({ status: 'contacting', ordered_at: '2026-12-01T08:00:00Z' },
            [{ at: '2026-12-01T09:00:00Z', outcome: 'reached' }], new Date('2026-12-02T08:00:00Z'));
        }"""
    )
    assert answer["needed"] is False and answer["at"] is None


def _rules(country: str, eves: frozenset[str]) -> dict[str, Any]:
    """The document a server with these settings publishes, for the years of the tests."""
    return app_rules(WorkingDayCalendar(country, eves), FIRST.year, (FIRST + timedelta(DAYS)).year)


@pytest.mark.parametrize(("country", "eves"), CONFIGS, ids=CONFIG_IDS)
def test_working_days_match_the_server(page: Any, country: str, eves: frozenset[str]) -> None:
    got = page.evaluate(
        """async ([rules, first, days]) => {
          const { WorkingDays } = await import('/app/calendar.js');
          const { addDays } = await import('/app/time.js');
          const cal = new WorkingDays(rules.calendar);
          const working = Array.from(
            { length: days }, (_, i) => cal.isWorkingDay(addDays(first, i)));
          const next = [first];
          while (next.length < 1000) next.push(cal.nextWorkingDay(next[next.length - 1]));
          return { working, next };
        }""",
        [_rules(country, eves), FIRST.isoformat(), DAYS],
    )
    cal = WorkingDayCalendar(country, eves)
    expected = [cal.is_working_day(FIRST + timedelta(days=i)) for i in range(DAYS)]
    pairs = enumerate(zip(got["working"], expected, strict=True))
    wrong = [FIRST + timedelta(days=i) for i, (a, b) in pairs if a != b]
    assert wrong == []
    assert got["next"] == [cal.add_working_days(FIRST, n).isoformat() for n in range(1000)]


JS_NEXT_CALL_WITH = """async ([rules, cases]) => {
  const { nextCall } = await import('/app/contact-plan.js');
  return cases.map((c) => {
    const order = { status: 'contacting', ordered_at: c.ordered_at };
    const attempts = c.attempts.map((at) => ({ at, outcome: 'no_answer' }));
    const r = nextCall(order, attempts, new Date(c.now), rules);
    return { at: r.at, window: r.window, missed_days: r.missed_days };
  });
}"""


@pytest.mark.parametrize(("country", "eves"), CONFIGS, ids=CONFIG_IDS)
def test_next_call_matches_the_server_for_each_calendar(
    page: Any, country: str, eves: frozenset[str]
) -> None:
    rng = random.Random(f"{country}{sorted(eves)}")
    cases = [_case(rng) for _ in range(150)]
    cal = WorkingDayCalendar(country, eves)
    got = page.evaluate(JS_NEXT_CALL_WITH, [_rules(country, eves), cases])
    for case, answer in zip(cases, got, strict=True):
        assert answer == _expected(case, cal), case


def test_the_app_uses_the_rules_the_server_publishes(page: Any, sqlite_server: Any) -> None:
    served = page.evaluate(
        """async () => {
          const { RULES } = await import('/app/rules.js');
          const answer = await fetch('/app-rules.json');
          return [RULES, await answer.json()];
        }"""
    )
    rules, published = served
    assert rules == published
    years = rules["calendar"]["first_year"], rules["calendar"]["last_year"]
    assert rules == app_rules(WorkingDayCalendar(), *years)  # the default settings: SE, all eves


STATUSES = [
    "draft",
    "ordered",
    "contacting",
    "scheduled",
    "ready_for_execution",
    "in_progress",
    "on_hold",
    "done",
    "cancelled",
]


def test_the_flags_of_an_order_are_the_servers_true_now(page: Any) -> None:
    """pwa/app/flags.js works the flags out on the phone from today's date (issue 16: a flag
    clears when its condition ends, also on a phone that has not synced since yesterday); they
    are the server's (server/orders/flags.py) for every status, due date and moment."""
    from server.orders import flags

    rng = random.Random(16)
    cal = WorkingDayCalendar("SE")
    rows = []
    for _ in range(CASES):
        anchor = rng.choice(ANCHORS)
        now = datetime.combine(anchor, datetime.min.time(), LOCAL_ZONE) + timedelta(
            hours=rng.uniform(0, 24 * 6)
        )
        due = anchor + timedelta(days=rng.randint(-4, 8)) if rng.random() < 0.9 else None
        rows.append(
            {
                "status": rng.choice(STATUSES),
                "due_on": due.isoformat() if due else None,
                "escalation_level": rng.choice([0, 0, 1, 2]),
                "now": now.astimezone(UTC).isoformat(),
            }
        )
    got = page.evaluate(
        """async (rows) => {
          const { flagsNow } = await import('/app/flags.js');
          return rows.map((r) => flagsNow(r, new Date(r.now)));
        }""",
        rows,
    )
    for row, answer in zip(rows, got, strict=True):
        today = datetime.fromisoformat(row["now"]).astimezone(LOCAL_ZONE).date()
        server_row = {
            **row,
            "due_on": date.fromisoformat(row["due_on"]) if row["due_on"] else None,
            "completed_at": None,
            "report_deadline": None,
        }
        expected = {
            "escalated": flags.is_escalated_now(server_row),
            "overdue": flags.is_overdue(server_row, today),
            "atRisk": flags.is_at_risk(server_row, today, cal),
        }
        assert answer == expected, row


def _first_bookable_hour(now: datetime, minutes: int, cal: WorkingDayCalendar) -> datetime:
    """Written out from the rule, by scanning: the first whole local hour after ``now`` on a
    working day, inside the working hours, with room for the visit."""
    from server.calendar.working_hours import WORKING_DAY_END, WORKING_DAY_START

    local_now = now.astimezone(LOCAL_ZONE)
    hour = local_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while True:
        start = hour.hour * 60
        begins = WORKING_DAY_START.hour * 60 + WORKING_DAY_START.minute
        ends = WORKING_DAY_END.hour * 60 + WORKING_DAY_END.minute
        if cal.is_working_day(hour.date()) and begins <= start and start + minutes <= ends:
            return hour
        hour = (hour + timedelta(hours=1)).astimezone(LOCAL_ZONE)


def test_the_booking_suggestion_is_inside_working_hours(page: Any) -> None:
    """Issue 16: the phone suggests a time a fitter would book, never 02:00 or a holiday."""
    rng = random.Random(2)
    cal = WorkingDayCalendar("SE")
    cases = []
    for _ in range(CASES):
        anchor = rng.choice(ANCHORS)
        now = datetime.combine(anchor, datetime.min.time(), LOCAL_ZONE) + timedelta(
            minutes=rng.randint(0, 60 * 24 * 5)
        )
        cases.append(
            {"now": now.astimezone(UTC).isoformat(), "minutes": rng.choice([30, 60, 90, 240])}
        )
    got = page.evaluate(
        """async (cases) => {
          const { suggestedStart } = await import('/app/booking-time.js');
          return cases.map((c) => suggestedStart(c.minutes, new Date(c.now)).toISOString());
        }""",
        cases,
    )
    for case, answer in zip(cases, got, strict=True):
        expected = _first_bookable_hour(datetime.fromisoformat(case["now"]), case["minutes"], cal)
        assert datetime.fromisoformat(answer.replace("Z", "+00:00")) == expected, case
