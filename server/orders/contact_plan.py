"""When to call next (seed 000, step 3): at least once a working day, at different times.

"Låsmontör söker kund/anhörig/utförare minst 1 ggr/dag, vid olika tider på dygnet" (the
fitter tries to reach the customer, relative or provider at least once a day, at different
times of day). Pure: the attempts, "now" and the calendar come in; a suggestion comes out.

The day is split into three call windows. The next call goes in the earliest working day that
has no attempt yet (today, if there is still time), in the window used least so far, never in
the window of the latest attempt when another is free, so successive calls rotate through
morning, midday and afternoon.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.calendar.working_days import WorkingDayCalendar

# Call windows in local time. Morning: after the morning home-care round has started and
# people are up; midday: around lunch, when relatives working days can take a call; afternoon:
# before the end of the fitters' working day.
MORNING_START, MORNING_END = time(8, 0), time(10, 0)
MIDDAY_START, MIDDAY_END = time(11, 30), time(13, 30)
AFTERNOON_START, AFTERNOON_END = time(14, 30), time(16, 30)
# A suggestion for "now" is rounded up to this many minutes: people plan in such steps.
ROUND_TO_MINUTES = 5
# Looking further ahead than this for a free working day means the calendar is broken.
MAX_DAYS_AHEAD = 60


@dataclass(frozen=True)
class CallWindow:
    name: str
    start: time
    end: time


MORNING = CallWindow("morning", MORNING_START, MORNING_END)
MIDDAY = CallWindow("midday", MIDDAY_START, MIDDAY_END)
AFTERNOON = CallWindow("afternoon", AFTERNOON_START, AFTERNOON_END)
WINDOWS: tuple[CallWindow, ...] = (MORNING, MIDDAY, AFTERNOON)


@dataclass(frozen=True)
class CallSuggestion:
    at: datetime  # local time, timezone-aware
    window: str
    # The working days, before today, since the last attempt (or since the ordering day) with
    # no attempt: the routine's current gap. A call today closes it (issue 16: the flag is true
    # now, not a record of past gaps; the history keeps every call).
    missed_days: tuple[date, ...]


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def window_of(t: time) -> CallWindow:
    """The window a call at local time ``t`` counts for: the nearest one (split at midpoints)."""
    for earlier, later in itertools.pairwise(WINDOWS):
        midpoint = (_minutes(earlier.end) + _minutes(later.start)) / 2
        if _minutes(t) < midpoint:
            return earlier
    return WINDOWS[-1]


def missed_days(
    attempt_days: set[date], ordered_on: date, today: date, cal: WorkingDayCalendar
) -> tuple[date, ...]:
    missed: list[date] = []
    day = cal.next_working_day(max([ordered_on, *attempt_days]))
    while day < today:
        missed.append(day)
        day = cal.next_working_day(day)
    return tuple(missed)


def _round_up(t: datetime) -> datetime:
    step = ROUND_TO_MINUTES
    extra = (-t.minute) % step
    rounded = t.replace(second=0, microsecond=0) + timedelta(minutes=extra)
    return rounded if rounded >= t else rounded + timedelta(minutes=step)


def next_call(
    attempts: Sequence[datetime],
    now: datetime,
    cal: WorkingDayCalendar,
    *,
    ordered_on: date,
    zone: ZoneInfo,
) -> CallSuggestion:
    """The next call to make, given the times of the earlier attempts (any outcome)."""
    local_now = now.astimezone(zone)
    today = local_now.date()
    local = sorted(a.astimezone(zone) for a in attempts)
    days_tried = {a.date() for a in local}
    count = {w.name: 0 for w in WINDOWS}
    last_in: dict[str, datetime] = {}
    for a in local:
        w = window_of(a.timetz().replace(tzinfo=None))
        count[w.name] += 1
        last_in[w.name] = a
    latest_window = window_of(local[-1].time()).name if local else None

    def rank(w: CallWindow) -> tuple[int, datetime, int]:
        never = datetime.min.replace(tzinfo=zone)
        return (count[w.name], last_in.get(w.name, never), WINDOWS.index(w))

    day = today
    for _ in range(MAX_DAYS_AHEAD):
        if cal.is_working_day(day) and day not in days_tried:
            open_windows = [
                w for w in WINDOWS if day > today or w.end > local_now.time().replace(tzinfo=None)
            ]
            preferred = [w for w in open_windows if w.name != latest_window] or open_windows
            if preferred:
                window = min(preferred, key=rank)
                at = datetime.combine(day, window.start, tzinfo=zone)
                if day == today and at < local_now:
                    at = _round_up(local_now)
                return CallSuggestion(
                    at=at,
                    window=window.name,
                    missed_days=missed_days(days_tried, ordered_on, today, cal),
                )
        day = cal.next_working_day(day)
    raise ValueError("No working day found in the next 60 days; check the calendar.")
