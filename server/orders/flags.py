"""The SLA flags of order rows: read from a row (lists need no extra queries), and the same
rules as query filters. The flags are defined once, in ``server.orders.sla``; this module only
maps an order row (and the order table) onto those definitions."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.calendar.working_days import WorkingDayCalendar
from server.clock import LOCAL_ZONE
from server.orders import sla
from server.orders.lifecycle import OPEN_STATUSES, SEEKING_CONTACT, OrderStatus
from server.orders.tables import WorkOrder

OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)


def _is_open(row: dict[str, Any]) -> bool:
    return row["status"] in OPEN_VALUES


def _reported_on(row: dict[str, Any]) -> date | None:
    """The local day a done order's completion report came."""
    if row["status"] == OrderStatus.DONE and row["completed_at"] is not None:
        reported: date = row["completed_at"].astimezone(LOCAL_ZONE).date()
        return reported
    return None


def is_overdue(row: dict[str, Any], today: date) -> bool:
    return sla.overdue(row["due_on"], today, is_open=_is_open(row))


def is_at_risk(row: dict[str, Any], today: date, cal: WorkingDayCalendar) -> bool:
    return sla.at_risk(cal, row["due_on"], today, is_open=_is_open(row))


def is_escalated_now(row: dict[str, Any]) -> bool:
    """Escalated and still seeking contact (``escalated_filter`` below; pwa/app/flags.js)."""
    return bool(row["escalation_level"]) and row["status"] in SEEKING_CONTACT


def is_report_late(row: dict[str, Any], today: date) -> bool:
    """The completion report came (or is still missing) after its deadline: the first working
    day after the visit (seed 000, step 4)."""
    return sla.report_late(
        row["report_deadline"], today, is_open=_is_open(row), reported_on=_reported_on(row)
    )


# --- the same rules as WHERE conditions on WorkOrder (``wanted``: the flag set, or not set) ---


def overdue_filter(today: date, wanted: bool) -> Any:
    """``sla.overdue``: open and due before today."""
    if wanted:
        return WorkOrder.status.is_in(sorted(OPEN_VALUES)) & (WorkOrder.due_on < today)
    return (
        WorkOrder.status.not_in(sorted(OPEN_VALUES))
        | WorkOrder.due_on.is_null()
        | (WorkOrder.due_on >= today)
    )


def at_risk_filter(cal: WorkingDayCalendar, today: date, wanted: bool) -> Any:
    """``sla.at_risk``: open and due between today and ``sla.at_risk_until``."""
    until = sla.at_risk_until(cal, today)
    if wanted:
        return (
            WorkOrder.status.is_in(sorted(OPEN_VALUES))
            & (WorkOrder.due_on >= today)
            & (WorkOrder.due_on <= until)
        )
    return (
        WorkOrder.status.not_in(sorted(OPEN_VALUES))
        | WorkOrder.due_on.is_null()
        | (WorkOrder.due_on < today)
        | (WorkOrder.due_on > until)
    )


def escalated_filter(wanted: bool) -> Any:
    """Escalated now: raised to a level above none (server.orders.escalation) and still seeking
    contact. Once someone is reached and the visit booked, the escalation is history (the
    order's events keep it) and the flag is no longer shown (issue 16; pwa/app/flags.js)."""
    now = (WorkOrder.escalation_level > 0) & WorkOrder.status.is_in(list(SEEKING_CONTACT))
    if wanted:
        return now
    return (WorkOrder.escalation_level == 0) | WorkOrder.status.not_in(list(SEEKING_CONTACT))
