"""SLA dates of an order, derived from the working-day calendar (seed 000, step 3 and 4).

Pure: "today" is always a parameter. All dates are local calendar dates.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum

from server.calendar.working_days import WorkingDayCalendar

# Seed 000, step 3: "Normal handläggningstid för hela processen är fem arbetsdagar från
# beställning i WebOrder till dess att låsmontör klarrapporterar" (normal handling time for
# the whole process is five working days from the order until the fitter reports completion).
HANDLING_WORKING_DAYS = 5
# Seed 000, step 3a: deviation routine when the fitter gets no contact with the customer,
# relative or companion "inom tre arbetsdagar" (within three working days).
ESCALATION_WORKING_DAYS = 3
# Seed 000, step 3a "Steg 2": still no contact after escalating to the provider -> the
# administrator ("systemförvaltare"). The seed gives no interval; one working day is ours.
ADMINISTRATOR_AFTER_PROVIDER_WORKING_DAYS = 1
# An order is "at risk" when its due date is at most this many working days away.
AT_RISK_WORKING_DAYS = 1


class EscalationLevel(IntEnum):
    NONE = 0
    PROVIDER = 1  # the ordering home-care provider
    ADMINISTRATOR = 2  # the administrator (systemförvaltare, e.g. KLK-IT in seed 000)


def due_date(cal: WorkingDayCalendar, ordered_on: date) -> date:
    """The day completion should be reported by: ordered + 5 working days."""
    return cal.add_working_days(ordered_on, HANDLING_WORKING_DAYS)


def escalation_check_date(cal: WorkingDayCalendar, ordered_on: date) -> date:
    """Ordered + 3 working days: from this day, with no successful contact, escalate."""
    return cal.add_working_days(ordered_on, ESCALATION_WORKING_DAYS)


def completion_report_deadline(cal: WorkingDayCalendar, visit_on: date) -> date:
    """Seed 000, step 4: report "senast första arbetsdagen efter service" (the first working
    day after the visit, at the latest)."""
    return cal.next_working_day(visit_on)


def is_overdue(cal: WorkingDayCalendar, ordered_on: date, today: date, done: bool) -> bool:
    """Not done and the due date has passed (the due date itself is still in time)."""
    return not done and today > due_date(cal, ordered_on)


def is_at_risk(cal: WorkingDayCalendar, ordered_on: date, today: date, done: bool) -> bool:
    """Not done, not yet overdue, and due today or on the next working day."""
    if done:
        return False
    due = due_date(cal, ordered_on)
    return today <= due and cal.working_days_between(today, due) <= AT_RISK_WORKING_DAYS


def is_report_late(cal: WorkingDayCalendar, visit_on: date, reported_on: date) -> bool:
    return reported_on > completion_report_deadline(cal, visit_on)


def escalation_level_due(
    cal: WorkingDayCalendar,
    ordered_on: date,
    today: date,
    had_successful_contact: bool,
    current_level: int,
) -> int:
    """The escalation level the order should be at today (an :class:`EscalationLevel`).

    Level 1 (provider) from the escalation check date; level 2 (administrator) from one
    working day later, and only once level 1 has been raised, so the provider always hears
    first. Escalations are never withdrawn, so the result is at least ``current_level``; a
    successful contact stops further escalation. A job raises the order to the result and
    notifies when it is above ``current_level``.
    """
    current = EscalationLevel(current_level)
    if had_successful_contact:
        return current
    check_on = escalation_check_date(cal, ordered_on)
    if today < check_on:
        due = EscalationLevel.NONE
    elif current >= EscalationLevel.PROVIDER and today >= cal.add_working_days(
        check_on, ADMINISTRATOR_AFTER_PROVIDER_WORKING_DAYS
    ):
        due = EscalationLevel.ADMINISTRATOR
    else:
        due = EscalationLevel.PROVIDER
    return max(current, due)
