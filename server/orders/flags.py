"""Per-order SLA flags, computed from the order row alone (lists need no extra queries)."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.calendar.working_days import WorkingDayCalendar
from server.clock import LOCAL_ZONE
from server.orders import sla
from server.orders.lifecycle import OPEN_STATUSES, OrderStatus

OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)


def is_overdue(row: dict[str, Any], today: date) -> bool:
    """Open and past its due date (the due date itself is still in time)."""
    return bool(row["due_on"] and row["status"] in OPEN_VALUES and row["due_on"] < today)


def at_risk_limit(cal: WorkingDayCalendar, today: date) -> date:
    """Open orders due between today and this day (inclusive) are at risk."""
    return cal.add_working_days(today, sla.AT_RISK_WORKING_DAYS)


def is_at_risk(row: dict[str, Any], today: date, cal: WorkingDayCalendar) -> bool:
    due = row["due_on"]
    return bool(due and row["status"] in OPEN_VALUES and today <= due <= at_risk_limit(cal, today))


def is_report_late(row: dict[str, Any], today: date) -> bool:
    """The completion report came (or is still missing) after its deadline: the first working
    day after the visit (seed 000, step 4)."""
    deadline = row["report_deadline"]
    if deadline is None:
        return False
    if row["status"] == OrderStatus.DONE and row["completed_at"] is not None:
        return bool(row["completed_at"].astimezone(LOCAL_ZONE).date() > deadline)
    return row["status"] in OPEN_VALUES and today > deadline
