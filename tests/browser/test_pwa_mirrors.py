"""The app's offline copies of server rules give the server's answers, run in real Chromium.

pwa/app/calendar.js mirrors server/calendar/working_days.py and pwa/app/contact-plan.js mirrors
server/orders/contact_plan.py (the /next-call rule), so a fitter offline sees the same next
call time as online. Cases are drawn at random (fixed seed) around holidays and DST changes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from server.calendar.working_days import WorkingDayCalendar
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


@pytest.mark.parametrize("country", ["SE", "NO"])
def test_working_days_match_the_server(page: Any, country: str) -> None:
    first, days = date(2025, 1, 1), 365 * 6
    got = page.evaluate(
        """async ([country, first, days]) => {
          const { WorkingDays } = await import('/app/calendar.js');
          const { addDays } = await import('/app/time.js');
          const cal = new WorkingDays(country);
          return Array.from({ length: days }, (_, i) => cal.isWorkingDay(addDays(first, i)));
        }""",
        [country, first.isoformat(), days],
    )
    cal = WorkingDayCalendar(country)
    expected = [cal.is_working_day(first + timedelta(days=i)) for i in range(days)]
    pairs = enumerate(zip(got, expected, strict=True))
    wrong = [first + timedelta(days=i) for i, (a, b) in pairs if a != b]
    assert wrong == []
