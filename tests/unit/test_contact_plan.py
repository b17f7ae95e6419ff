"""The next suggested call (seed 000 step 3): daily, rotating the time of day."""

from __future__ import annotations

from datetime import date, datetime, time

from hypothesis import given, settings
from hypothesis import strategies as st

from server.calendar.working_days import WorkingDayCalendar
from server.clock import LOCAL_ZONE
from server.orders.contact_plan import (
    AFTERNOON,
    MIDDAY,
    MORNING,
    WINDOWS,
    next_call,
    window_of,
)

CAL = WorkingDayCalendar("SE")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_ZONE)


def suggest(attempts: list[datetime], now: datetime, ordered_on: date):
    return next_call(attempts, now, CAL, ordered_on=ordered_on, zone=LOCAL_ZONE)


def test_windows_cover_the_day() -> None:
    assert window_of(time(6, 0)) is MORNING
    assert window_of(time(10, 44)) is MORNING
    assert window_of(time(10, 46)) is MIDDAY
    assert window_of(time(13, 59)) is MIDDAY
    assert window_of(time(14, 0)) is AFTERNOON
    assert window_of(time(22, 0)) is AFTERNOON


def test_first_call_today_now_or_in_the_next_window() -> None:
    tuesday = date(2026, 3, 10)
    during_morning = suggest([], local(tuesday, 8, 41), tuesday)
    assert during_morning.at == local(tuesday, 8, 45) and during_morning.window == "morning"
    before_work = suggest([], local(tuesday, 6, 0), tuesday)
    assert before_work.at == local(tuesday, 8, 0)
    evening = suggest([], local(tuesday, 18, 0), tuesday)
    assert evening.at == local(date(2026, 3, 11), 8, 0)


def test_calls_rotate_through_the_day_one_per_working_day() -> None:
    ordered = date(2026, 3, 9)  # Monday
    attempts = [local(ordered, 9, 0)]  # Monday morning
    tuesday = suggest(attempts, local(ordered, 9, 5), ordered)
    assert tuesday.at == local(date(2026, 3, 10), MIDDAY.start.hour, MIDDAY.start.minute)
    attempts.append(tuesday.at)
    wednesday = suggest(attempts, local(date(2026, 3, 10), 12, 0), ordered)
    assert wednesday.window == "afternoon" and wednesday.at.date() == date(2026, 3, 11)
    attempts.append(wednesday.at)
    thursday = suggest(attempts, local(date(2026, 3, 11), 15, 0), ordered)
    assert thursday.window == "morning"  # all used once; the longest ago comes back


def test_holidays_are_skipped_and_missed_days_reported() -> None:
    # Ordered Thursday 18 June 2026; midsummer eve Friday 19 June is not a working day.
    ordered = date(2026, 6, 18)
    s = suggest([local(ordered, 15, 0)], local(ordered, 15, 5), ordered)
    assert s.at.date() == date(2026, 6, 22) and s.window == "morning"
    # Nobody called on Monday 22 or Tuesday 23: the routine was missed on both days.
    later = suggest([local(ordered, 15, 0)], local(date(2026, 6, 24), 7, 0), ordered)
    assert later.missed_days == (date(2026, 6, 22), date(2026, 6, 23))
    assert later.at == local(date(2026, 6, 24), 8, 0)


def test_the_gap_is_the_current_one_and_a_call_today_closes_it() -> None:
    """Issue 16: "3 arbetsdagar utan kontaktförsök" is true now, not a record of past gaps."""
    ordered = date(2026, 3, 2)  # Monday
    monday_next = local(date(2026, 3, 9), 9, 0)
    # No call since the order: Tuesday to Friday are the gap.
    assert suggest([], monday_next, ordered).missed_days == tuple(
        date(2026, 3, d) for d in (3, 4, 5, 6)
    )
    # A call on Wednesday: only Thursday and Friday are the gap now.
    wednesday = [local(date(2026, 3, 4), 10, 0)]
    assert suggest(wednesday, monday_next, ordered).missed_days == (
        date(2026, 3, 5),
        date(2026, 3, 6),
    )
    # Today's call logged: no gap, whatever came before.
    today = [local(date(2026, 3, 9), 8, 30)]
    assert suggest(today, monday_next, ordered).missed_days == ()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.datetimes(
            min_value=datetime(2026, 1, 1),
            max_value=datetime(2026, 12, 20),
            timezones=st.just(LOCAL_ZONE),
        ),
        max_size=8,
    ),
    st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2026, 12, 20),
        timezones=st.just(LOCAL_ZONE),
    ),
)
def test_a_suggestion_is_a_future_working_day_without_a_call_in_a_window(attempts, now) -> None:
    attempts = [a for a in attempts if a <= now]
    s = suggest(attempts, now, date(2026, 1, 1))
    assert s.at >= now
    assert CAL.is_working_day(s.at.date())
    assert s.at.date() not in {a.date() for a in attempts}
    window = next(w for w in WINDOWS if w.name == s.window)
    assert window.start <= s.at.timetz().replace(tzinfo=None) <= window.end
    if attempts and len(WINDOWS) > 1 and s.at.date() > now.date():
        # A new day starts in a different window than the latest call.
        assert s.window != window_of(max(attempts).time()).name
