"""Wire encoders of the activity list."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.activity.next_step import next_step
from server.activity.schemas import ActivityItem, ClosedInShift, ClosedPerPerson
from server.activity.service import ClosedCount
from server.calendar.working_days import WorkingDayCalendar
from server.orders import flags
from server.orders.lifecycle import OrderStatus


def activity_item(
    r: dict[str, Any],
    today: date,
    calendar: WorkingDayCalendar,
    forwarded_done_by: date | None = None,
    days_without_call: int | None = None,
) -> ActivityItem:
    report_late = flags.is_report_late(r, today)
    return ActivityItem(
        id=r["id"],
        reference=r["reference"],
        kind=r["kind"],
        status=r["status"],
        customer_name=r["customer_name"],
        ordering_organisation_id=r["ordering_organisation"],
        performing_organisation_id=r["performing_organisation"],
        assigned_fitter_id=r["assigned_fitter"],
        ordered_at=r["ordered_at"],
        due_on=r["due_on"],
        escalation_level=r["escalation_level"],
        overdue=flags.is_overdue(r, today),
        at_risk=flags.is_at_risk(r, today, calendar),
        report_deadline=r["report_deadline"],
        report_late=report_late,
        forwarded_done_by=forwarded_done_by,
        next_step=next_step(
            OrderStatus(r["status"]),
            has_fitter=r["assigned_fitter"] is not None,
            report_late=report_late,
            forwarded_done_by=forwarded_done_by,
        ).value,
        days_without_call=days_without_call,
    )


def closed_per_person_out(counts: list[ClosedCount]) -> list[ClosedPerPerson]:
    return [
        ClosedPerPerson(
            user_id=c.user_id,
            name=c.name,
            closed=c.closed,
            per_shift=[ClosedInShift(shift=name, closed=n) for name, n in c.per_shift],
        )
        for c in counts
    ]
