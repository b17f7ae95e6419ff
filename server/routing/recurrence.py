"""Recurring orders (seed 003: "återkommande ärenden ... genereras enligt schema"). Pure.

A schedule says what to do (an order kind), to which locks (all installed locks of the
organisation's customers, or one model), how often (every N months from a first day) and how
far ahead an order is made (lead days). Period ``k`` starts ``k`` intervals after the first
day (month arithmetic, the day clamped to the month's end: 31 January + 1 month is 28 or 29
February). A period's orders are made once its start minus the lead is reached, and only for
the period in force then: a server that was off for a whole period does not make a pile of
late orders when it comes back (the next period's come in time). That a period's order is
made once per lock is the database's part (a unique run per schedule, period and lock).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Schedule:
    first_day: date
    interval_months: int
    lead_days: int


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(schedule: Schedule, index: int) -> date:
    return add_months(schedule.first_day, index * schedule.interval_months)


def due_period(schedule: Schedule, today: date) -> int | None:
    """The period whose orders should exist by ``today`` (made ``lead_days`` ahead), or None
    before the first one is due."""
    if schedule.interval_months < 1 or schedule.lead_days < 0:
        raise ValueError("a schedule repeats at least every month, with no negative lead")
    lead = timedelta(days=schedule.lead_days)
    if today < schedule.first_day - lead:
        return None
    # Months since the first day give a near guess; step to the exact period.
    months = (today.year - schedule.first_day.year) * 12 + today.month - schedule.first_day.month
    index = max(0, months // schedule.interval_months - 1)
    while period_start(schedule, index + 1) - lead <= today:
        index += 1
    while index > 0 and period_start(schedule, index) - lead > today:
        index -= 1
    return index


def period_label(schedule: Schedule, index: int) -> str:
    """How the order names its period: the period's first day."""
    return period_start(schedule, index).isoformat()
