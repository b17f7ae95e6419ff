"""The SLA flags on an order's stored dates (server.orders.sla): what the order lists, the
activity view and their filters all show."""

from __future__ import annotations

from datetime import date as D

from server.calendar.working_days import WorkingDayCalendar
from server.orders.sla import at_risk, at_risk_until, overdue, report_late

SE = WorkingDayCalendar("SE")
DUE = D(2026, 6, 26)  # Friday


def test_overdue() -> None:
    assert not overdue(DUE, D(2026, 6, 26), is_open=True)  # the due date itself is in time
    assert overdue(DUE, D(2026, 6, 27), is_open=True)
    assert not overdue(DUE, D(2026, 6, 27), is_open=False)
    assert not overdue(None, D(2026, 6, 27), is_open=True)  # a draft has no due date


def test_at_risk() -> None:
    assert at_risk_until(SE, D(2026, 6, 18)) == D(2026, 6, 22)  # over Midsummer
    assert not at_risk(SE, DUE, D(2026, 6, 24), is_open=True)  # two working days left
    assert at_risk(SE, DUE, D(2026, 6, 25), is_open=True)
    assert at_risk(SE, DUE, D(2026, 6, 26), is_open=True)
    assert not at_risk(SE, DUE, D(2026, 6, 27), is_open=True)  # overdue, not "at risk"
    assert not at_risk(SE, DUE, D(2026, 6, 25), is_open=False)
    assert not at_risk(SE, None, D(2026, 6, 25), is_open=True)


def test_report_late() -> None:
    deadline = D(2026, 6, 22)
    assert not report_late(None, D(2026, 7, 1), is_open=True, reported_on=None)
    # Reported: late only when after the deadline, whatever today is.
    assert not report_late(deadline, D(2026, 7, 1), is_open=False, reported_on=deadline)
    assert report_late(deadline, D(2026, 6, 22), is_open=False, reported_on=D(2026, 6, 23))
    # Not reported yet: an open order is late from the day after the deadline.
    assert not report_late(deadline, deadline, is_open=True, reported_on=None)
    assert report_late(deadline, D(2026, 6, 23), is_open=True, reported_on=None)
    assert not report_late(deadline, D(2026, 6, 23), is_open=False, reported_on=None)
