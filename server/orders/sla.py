"""SLA dates of an order, derived from the working-day calendar (seed 000, step 3 and 4).

Pure: "today" is always a parameter. All dates are local calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

from server.calendar.working_days import WorkingDayCalendar

# Seed 000, step 3: "Normal handläggningstid för hela processen är fem arbetsdagar från
# beställning i WebOrder till dess att låsmontör klarrapporterar" (normal handling time for
# the whole process is five working days from the order until the fitter reports completion).
HANDLING_WORKING_DAYS = 5
# Seed 000, step 3a: deviation routine when the fitter gets no contact with the customer,
# relative or companion "inom tre arbetsdagar" (within three working days): the three working
# days after the ordering day must be over before the provider is told.
ESCALATION_WORKING_DAYS = 3
# Seed 000, step 3a "Steg 2": the fitter reaches neither the customer side nor the ordering
# provider -> the municipality's system administration ("systemförvaltare på KLK-IT"). The
# fitter must have tried the provider: one recorded call to it that nobody answered.
UNANSWERED_PROVIDER_CALLS_FOR_ADMINISTRATION = 1
# ... and the provider, e-mailed at level 1, gets the rest of that day and one full working day
# to reach the fitter first. The seed gives no interval; one working day is the routine's own
# rhythm (a call at least once a working day, step 3).
PROVIDER_ANSWER_WORKING_DAYS = 1
# An order is "at risk" when its due date is at most this many working days away.
AT_RISK_WORKING_DAYS = 1


class EscalationLevel(IntEnum):
    NONE = 0
    PROVIDER = 1  # the ordering home-care provider
    ADMINISTRATOR = 2  # the system administration (systemförvaltare, KLK-IT in seed 000)


@dataclass(frozen=True)
class ContactFacts:
    """What the order's recorded contact attempts say, for the escalation levels."""

    reached_anyone: bool  # a call answered since the order was placed (any side)
    unanswered_provider_calls: int = 0  # calls to the ordering provider nobody answered
    provider_escalated_on: date | None = None  # the local day level 1 was raised


def due_date(cal: WorkingDayCalendar, ordered_on: date) -> date:
    """The day completion should be reported by: ordered + 5 working days."""
    return cal.add_working_days(ordered_on, HANDLING_WORKING_DAYS)


def escalation_check_date(cal: WorkingDayCalendar, ordered_on: date) -> date:
    """Ordered + 3 working days: the last day on which a call must reach someone."""
    return cal.add_working_days(ordered_on, ESCALATION_WORKING_DAYS)


def provider_escalation_from(cal: WorkingDayCalendar, ordered_on: date) -> date:
    """The first day on which, with nobody reached, the provider is told: the day after the
    escalation check date, when the three working days after the ordering day are over."""
    return escalation_check_date(cal, ordered_on) + timedelta(days=1)


def administration_escalation_from(cal: WorkingDayCalendar, provider_escalated_on: date) -> date:
    """The first day on which level 2 may follow level 1: the provider's working day to
    answer (``PROVIDER_ANSWER_WORKING_DAYS``) after the day it was told is over."""
    return cal.add_working_days(provider_escalated_on, PROVIDER_ANSWER_WORKING_DAYS) + timedelta(
        days=1
    )


def completion_report_deadline(cal: WorkingDayCalendar, visit_on: date) -> date:
    """Seed 000, step 4: report "senast första arbetsdagen efter service" (the first working
    day after the visit, at the latest)."""
    return cal.next_working_day(visit_on)


def hold_resumes_on(cal: WorkingDayCalendar, hold_until: date) -> date:
    """Seed 002: an order put on hold until an approximate date comes back to the planner's
    queue at the start of that day, or of the first working day after it when the date is not
    a working day (nobody plans on a Sunday)."""
    return hold_until if cal.is_working_day(hold_until) else cal.next_working_day(hold_until)


def hold_is_over(cal: WorkingDayCalendar, hold_until: date, today: date) -> bool:
    """The hold has ended by the start of ``today`` (local)."""
    return hold_resumes_on(cal, hold_until) <= today


# ---------------------------------------------------------------------------------------------
# The flags an order shows, each defined once. The order's stored dates (due_on,
# report_deadline) are the ones computed above when it was placed or visited; lists and the
# activity view read them from the row (server.orders.flags) and filter on the same rules.


def overdue(due_on: date | None, today: date, *, is_open: bool) -> bool:
    """Open and past its due date (the due date itself is still in time)."""
    return is_open and due_on is not None and today > due_on


def at_risk_until(cal: WorkingDayCalendar, today: date) -> date:
    """The last due date that is at risk today: the next working day."""
    return cal.add_working_days(today, AT_RISK_WORKING_DAYS)


def at_risk(cal: WorkingDayCalendar, due_on: date | None, today: date, *, is_open: bool) -> bool:
    """Open, not yet overdue, and due today or on the next working day."""
    return is_open and due_on is not None and today <= due_on <= at_risk_until(cal, today)


def report_late(
    deadline: date | None, today: date, *, is_open: bool, reported_on: date | None
) -> bool:
    """The completion report came after its deadline (``reported_on``), or it is still missing
    on an open order past the deadline."""
    if deadline is None:
        return False
    if reported_on is not None:
        return reported_on > deadline
    return is_open and today > deadline


def is_overdue(cal: WorkingDayCalendar, ordered_on: date, today: date, done: bool) -> bool:
    """``overdue`` for an order placed on ``ordered_on``."""
    return overdue(due_date(cal, ordered_on), today, is_open=not done)


def is_at_risk(cal: WorkingDayCalendar, ordered_on: date, today: date, done: bool) -> bool:
    """``at_risk`` for an order placed on ``ordered_on``: not done, not yet overdue, and due
    today or on the next working day."""
    return at_risk(cal, due_date(cal, ordered_on), today, is_open=not done)


def is_report_late(cal: WorkingDayCalendar, visit_on: date, reported_on: date) -> bool:
    """``report_late`` for a report made on ``reported_on`` about a visit on ``visit_on``."""
    deadline = completion_report_deadline(cal, visit_on)
    return report_late(deadline, reported_on, is_open=False, reported_on=reported_on)


def escalation_level_due(
    cal: WorkingDayCalendar,
    ordered_on: date,
    today: date,
    facts: ContactFacts,
    current_level: int,
) -> int:
    """The escalation level the order should be at today (an :class:`EscalationLevel`).

    Level 1 (the provider) once the three working days after the ordering day are over with
    nobody reached. Level 2 (the system administration) only after level 1, and only when the
    routine's condition holds: nobody reached on either side, the fitter's calls to the
    provider unanswered, and the provider's time to answer over. Escalations are never
    withdrawn, so the result is at least ``current_level``; a successful contact stops further
    escalation. A job raises the order to the result and notifies when it is above
    ``current_level``.
    """
    current = EscalationLevel(current_level)
    if facts.reached_anyone:
        return current
    due = EscalationLevel.NONE
    if today >= provider_escalation_from(cal, ordered_on):
        due = EscalationLevel.PROVIDER
    if (
        current >= EscalationLevel.PROVIDER
        and facts.provider_escalated_on is not None
        and facts.unanswered_provider_calls >= UNANSWERED_PROVIDER_CALLS_FOR_ADMINISTRATION
        and today >= administration_escalation_from(cal, facts.provider_escalated_on)
    ):
        due = EscalationLevel.ADMINISTRATOR
    return max(current, due)
