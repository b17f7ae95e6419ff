"""SLA dates travelling through midsummer, Easter and Christmas in Sweden and Norway (seed 000).

Every expected date was counted by hand on a calendar; the comments show the count.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.calendar.working_days import WorkingDayCalendar
from server.orders.sla import (
    ESCALATION_WORKING_DAYS,
    HANDLING_WORKING_DAYS,
    ContactFacts,
    EscalationLevel,
    administration_escalation_from,
    completion_report_deadline,
    due_date,
    escalation_check_date,
    escalation_level_due,
    hold_is_over,
    hold_resumes_on,
    is_at_risk,
    is_overdue,
    is_report_late,
    provider_escalation_from,
)

SE = WorkingDayCalendar("SE")
NO = WorkingDayCalendar("NO")
SE_NO_EVES = WorkingDayCalendar("SE", extra_non_working=frozenset())
D = date


def test_seed_000_constants() -> None:
    assert HANDLING_WORKING_DAYS == 5
    assert ESCALATION_WORKING_DAYS == 3
    assert [int(level) for level in EscalationLevel] == [0, 1, 2]
    assert EscalationLevel(1) is EscalationLevel.PROVIDER
    assert EscalationLevel(2) is EscalationLevel.ADMINISTRATOR


@pytest.mark.parametrize(
    ("cal", "ordered_on", "escalation_on", "due_on"),
    [
        # An ordinary week: Tue 10 Mar 2026 -> 11, 12, 13 | 16, 17.
        (SE, D(2026, 3, 10), D(2026, 3, 13), D(2026, 3, 17)),
        (NO, D(2026, 3, 10), D(2026, 3, 13), D(2026, 3, 17)),
        # Day before midsummer eve, Thu 18 Jun 2026. SE: Fri 19 off -> 22, 23, 24 | 25, 26.
        (SE, D(2026, 6, 18), D(2026, 6, 24), D(2026, 6, 26)),
        # NO works on Fri 19 and on sankthansaften (Tue 23): 19, 22, 23 | 24, 25.
        (NO, D(2026, 6, 18), D(2026, 6, 23), D(2026, 6, 25)),
        # Without the configured eves Sweden counts like Norway.
        (SE_NO_EVES, D(2026, 6, 18), D(2026, 6, 23), D(2026, 6, 25)),
        # Thu 19 Jun 2025. SE: Fri 20 off -> 23, 24, 25 | 26, 27. NO: 20, 23, 24 | 25, 26.
        (SE, D(2025, 6, 19), D(2025, 6, 25), D(2025, 6, 27)),
        (NO, D(2025, 6, 19), D(2025, 6, 24), D(2025, 6, 26)),
        # Day before Good Friday, Thu 2 Apr 2026 (Maundy Thursday, itself off in Norway):
        # 3 and 6 Apr off -> 7, 8, 9 | 10, 13 in both countries.
        (SE, D(2026, 4, 2), D(2026, 4, 9), D(2026, 4, 13)),
        (NO, D(2026, 4, 2), D(2026, 4, 9), D(2026, 4, 13)),
        # Wed 1 Apr 2026: Sweden works on Maundy Thursday -> 2, 7, 8 | 9, 10;
        # Norway does not -> 7, 8, 9 | 10, 13.
        (SE, D(2026, 4, 1), D(2026, 4, 8), D(2026, 4, 10)),
        (NO, D(2026, 4, 1), D(2026, 4, 9), D(2026, 4, 13)),
        # Day before Good Friday 2027, Thu 25 Mar: 26, 29 Mar off -> 30, 31, 1 Apr | 2, 5.
        (SE, D(2027, 3, 25), D(2027, 4, 1), D(2027, 4, 5)),
        (NO, D(2027, 3, 25), D(2027, 4, 1), D(2027, 4, 5)),
        # 23 Dec 2026 (Wed): 24, 25 off -> 28, 29, 30 | 31 and 1 Jan off -> 4, 5.
        (SE, D(2026, 12, 23), D(2026, 12, 30), D(2027, 1, 5)),
        (NO, D(2026, 12, 23), D(2026, 12, 30), D(2027, 1, 5)),
        # Without the eves, 24 and 31 Dec are working days: 24, 28, 29 | 30, 31.
        (SE_NO_EVES, D(2026, 12, 23), D(2026, 12, 29), D(2026, 12, 31)),
        # 30 Dec 2026 (Wed). SE: 4, 5, (6 Epiphany off) 7 | 8, 11. NO: 4, 5, 6 | 7, 8.
        (SE, D(2026, 12, 30), D(2027, 1, 7), D(2027, 1, 11)),
        (NO, D(2026, 12, 30), D(2027, 1, 6), D(2027, 1, 8)),
        # 23 Dec 2025 (Tue). SE: 29, 30, 2 Jan | 5, (6 off) 7. NO: 29, 30, 2 Jan | 5, 6.
        (SE, D(2025, 12, 23), D(2026, 1, 2), D(2026, 1, 7)),
        (NO, D(2025, 12, 23), D(2026, 1, 2), D(2026, 1, 6)),
        # 30 Dec 2025 (Tue). SE: 2, 5, (6 off) 7 | 8, 9. NO: 2, 5, 6 | 7, 8.
        (SE, D(2025, 12, 30), D(2026, 1, 7), D(2026, 1, 9)),
        (NO, D(2025, 12, 30), D(2026, 1, 6), D(2026, 1, 8)),
    ],
)
def test_due_and_escalation_dates(
    cal: WorkingDayCalendar, ordered_on: date, escalation_on: date, due_on: date
) -> None:
    assert escalation_check_date(cal, ordered_on) == escalation_on
    assert due_date(cal, ordered_on) == due_on


@pytest.mark.parametrize(
    ("cal", "visit_on", "deadline"),
    [
        (SE, D(2026, 3, 10), D(2026, 3, 11)),
        (SE, D(2026, 3, 13), D(2026, 3, 16)),  # Friday -> Monday
        (SE, D(2026, 6, 18), D(2026, 6, 22)),  # over midsummer eve
        (NO, D(2026, 6, 18), D(2026, 6, 19)),
        (SE, D(2026, 6, 19), D(2026, 6, 22)),  # a visit on midsummer eve itself
        (SE, D(2026, 4, 1), D(2026, 4, 2)),  # Maundy Thursday works in Sweden
        (NO, D(2026, 4, 1), D(2026, 4, 7)),
        (SE, D(2026, 4, 2), D(2026, 4, 7)),  # day before Good Friday
        (NO, D(2026, 4, 2), D(2026, 4, 7)),
        (SE, D(2026, 12, 23), D(2026, 12, 28)),
        (NO, D(2026, 12, 23), D(2026, 12, 28)),
        (SE_NO_EVES, D(2026, 12, 23), D(2026, 12, 24)),
        (SE, D(2026, 12, 30), D(2027, 1, 4)),
        (NO, D(2026, 12, 30), D(2027, 1, 4)),
        (SE, D(2025, 12, 30), D(2026, 1, 2)),
        (NO, D(2025, 12, 30), D(2026, 1, 2)),
        (SE, D(2026, 1, 5), D(2026, 1, 7)),  # Epiphany in Sweden
        (NO, D(2026, 1, 5), D(2026, 1, 6)),
    ],
)
def test_completion_report_deadline(
    cal: WorkingDayCalendar, visit_on: date, deadline: date
) -> None:
    assert completion_report_deadline(cal, visit_on) == deadline


@pytest.mark.parametrize(
    ("cal", "hold_until", "resumes_on"),
    [
        (SE, D(2026, 3, 18), D(2026, 3, 18)),  # a Wednesday: that day
        (SE, D(2026, 3, 21), D(2026, 3, 23)),  # Saturday -> Monday
        (SE, D(2026, 6, 19), D(2026, 6, 22)),  # midsummer eve (Fri) -> Monday
        (SE_NO_EVES, D(2026, 6, 19), D(2026, 6, 19)),  # the eve counted as a working day
        (SE, D(2026, 12, 24), D(2026, 12, 28)),  # Christmas eve, Christmas, Boxing day, Sunday
        (NO, D(2026, 5, 17), D(2026, 5, 18)),  # Norway's constitution day, a Sunday
    ],
)
def test_a_hold_ends_at_the_start_of_its_working_day(
    cal: WorkingDayCalendar, hold_until: date, resumes_on: date
) -> None:
    assert hold_resumes_on(cal, hold_until) == resumes_on
    assert hold_is_over(cal, hold_until, resumes_on)
    assert not hold_is_over(cal, hold_until, resumes_on - timedelta(days=1))


def test_report_late() -> None:
    visit = D(2026, 6, 18)
    assert not is_report_late(SE, visit, visit)
    assert not is_report_late(SE, visit, D(2026, 6, 22))
    assert is_report_late(SE, visit, D(2026, 6, 23))
    assert not is_report_late(NO, visit, D(2026, 6, 19))
    assert is_report_late(NO, visit, D(2026, 6, 22))


def test_overdue() -> None:
    ordered = D(2026, 6, 18)  # SE due Fri 26 Jun
    assert not is_overdue(SE, ordered, D(2026, 6, 26), done=False)
    assert is_overdue(SE, ordered, D(2026, 6, 27), done=False)
    assert not is_overdue(SE, ordered, D(2026, 6, 27), done=True)
    assert is_overdue(NO, ordered, D(2026, 6, 26), done=False)  # NO due Thu 25 Jun


def test_at_risk() -> None:
    ordered = D(2026, 6, 18)  # SE due Fri 26 Jun
    assert not is_at_risk(SE, ordered, D(2026, 6, 18), done=False)
    assert not is_at_risk(SE, ordered, D(2026, 6, 24), done=False)  # two working days left
    assert is_at_risk(SE, ordered, D(2026, 6, 25), done=False)
    assert is_at_risk(SE, ordered, D(2026, 6, 26), done=False)
    assert not is_at_risk(SE, ordered, D(2026, 6, 25), done=True)
    assert not is_at_risk(SE, ordered, D(2026, 6, 27), done=False)  # overdue, not "at risk"


def test_at_risk_over_a_weekend() -> None:
    ordered = D(2026, 3, 10)  # due Tue 17 Mar
    assert not is_at_risk(SE, ordered, D(2026, 3, 14), done=False)  # Sat: Mon and Tue left
    assert is_at_risk(SE, ordered, D(2026, 3, 16), done=False)
    # Over Christmas: ordered 23 Dec 2026, due Tue 5 Jan; on 31 Dec only Mon 4 and Tue 5 left.
    assert not is_at_risk(SE, D(2026, 12, 23), D(2026, 12, 31), done=False)
    assert not is_at_risk(SE, D(2026, 12, 23), D(2027, 1, 2), done=False)  # Sat: same two left
    assert is_at_risk(SE, D(2026, 12, 23), D(2027, 1, 4), done=False)  # Mon: only Tue 5 left


NOBODY = ContactFacts(reached_anyone=False)
REACHED = ContactFacts(reached_anyone=True)


def tried_provider(told_on: date, calls: int = 1) -> ContactFacts:
    """Nobody reached; the provider was told at level 1 on ``told_on``; the fitter called it."""
    return ContactFacts(
        reached_anyone=False, unanswered_provider_calls=calls, provider_escalated_on=told_on
    )


@pytest.mark.parametrize(
    ("cal", "today", "current", "facts", "expected"),
    [
        # SE, ordered Thu 18 Jun 2026 (midsummer eve Fri 19 off): the three working days are
        # Mon 22, Tue 23, Wed 24; level 1 once they are over, from Thu 25 Jun.
        (SE, D(2026, 6, 24), 0, NOBODY, EscalationLevel.NONE),  # the third day: not yet
        (SE, D(2026, 6, 25), 0, NOBODY, EscalationLevel.PROVIDER),
        # Told Thu 25: the provider has Fri 26 to answer; level 2 from Sat 27, and only with
        # a call to the provider that nobody answered.
        (SE, D(2026, 6, 26), 1, tried_provider(D(2026, 6, 25)), EscalationLevel.PROVIDER),
        (SE, D(2026, 6, 27), 1, tried_provider(D(2026, 6, 25)), EscalationLevel.ADMINISTRATOR),
        (SE, D(2026, 7, 27), 1, NOBODY, EscalationLevel.PROVIDER),  # never without that call
        (SE, D(2026, 7, 27), 1, tried_provider(D(2026, 6, 25), 0), EscalationLevel.PROVIDER),
        (SE, D(2026, 6, 27), 0, tried_provider(D(2026, 6, 25)), EscalationLevel.PROVIDER),
        (SE, D(2026, 6, 29), 2, NOBODY, EscalationLevel.ADMINISTRATOR),  # never withdrawn
        (SE, D(2026, 6, 29), 0, REACHED, EscalationLevel.NONE),
        (SE, D(2026, 6, 29), 1, REACHED, EscalationLevel.PROVIDER),
        # NO, same order: sankthansaften works, so the days are Fri 19, Mon 22, Tue 23.
        (NO, D(2026, 6, 23), 0, NOBODY, EscalationLevel.NONE),
        (NO, D(2026, 6, 24), 0, NOBODY, EscalationLevel.PROVIDER),
        (NO, D(2026, 6, 25), 1, tried_provider(D(2026, 6, 24)), EscalationLevel.PROVIDER),
        (NO, D(2026, 6, 26), 1, tried_provider(D(2026, 6, 24)), EscalationLevel.ADMINISTRATOR),
    ],
)
def test_escalation_after_midsummer_order(
    cal: WorkingDayCalendar, today: date, current: int, facts: ContactFacts, expected: int
) -> None:
    assert escalation_level_due(cal, D(2026, 6, 18), today, facts, current) == expected


@pytest.mark.parametrize(
    ("ordered", "third_day", "level_1", "level_2"),
    [
        # Tue 10 Mar 2026: Wed, Thu, Fri; told Sat 14; the provider's day Mon 16; Tue 17.
        (D(2026, 3, 10), D(2026, 3, 13), D(2026, 3, 14), D(2026, 3, 17)),
        # Thu 2 Apr 2026 (Good Friday 3, Easter Monday 6 Apr off): Tue 7, Wed 8, Thu 9; told
        # Fri 10; the provider's day Mon 13; level 2 from Tue 14.
        (D(2026, 4, 2), D(2026, 4, 9), D(2026, 4, 10), D(2026, 4, 14)),
        # Wed 23 Dec 2026 (Christmas eve to Boxing day off): Mon 28, Tue 29, Wed 30; told on
        # New Year's eve; the provider's day is Mon 4 Jan (New Year's day, a weekend); Tue 5.
        (D(2026, 12, 23), D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 5)),
        # Fri 19 Jun 2026 is midsummer eve itself: ordered on a day off, Mon 22 is the first.
        (D(2026, 6, 19), D(2026, 6, 24), D(2026, 6, 25), D(2026, 6, 27)),
    ],
)
def test_escalation_across_weekends_and_holidays(
    ordered: date, third_day: date, level_1: date, level_2: date
) -> None:
    assert escalation_check_date(SE, ordered) == third_day
    assert provider_escalation_from(SE, ordered) == level_1
    assert escalation_level_due(SE, ordered, third_day, NOBODY, 0) == 0
    assert escalation_level_due(SE, ordered, level_1, NOBODY, 0) == 1
    assert administration_escalation_from(SE, level_1) == level_2
    before = level_2 - timedelta(days=1)
    assert escalation_level_due(SE, ordered, before, tried_provider(level_1), 1) == 1
    assert escalation_level_due(SE, ordered, level_2, tried_provider(level_1), 1) == 2


days = st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31))


@given(
    ordered=days,
    offset=st.integers(0, 40),
    current=st.sampled_from(list(EscalationLevel)),
    reached=st.booleans(),
    calls=st.integers(0, 3),
    told_after=st.none() | st.integers(0, 10),
)
def test_escalation_never_comes_early_and_level_2_follows_the_routine(
    ordered: date,
    offset: int,
    current: EscalationLevel,
    reached: bool,
    calls: int,
    told_after: int | None,
) -> None:
    today = ordered + timedelta(days=offset)
    told_on = (
        None
        if told_after is None
        else provider_escalation_from(SE, ordered) + timedelta(days=told_after)
    )
    facts = ContactFacts(
        reached_anyone=reached, unanswered_provider_calls=calls, provider_escalated_on=told_on
    )
    due = escalation_level_due(SE, ordered, today, facts, current)
    assert due >= current  # never withdrawn
    if due > current:
        assert not reached
        # Three whole working days after the ordering day lie before today.
        assert SE.working_days_between(ordered, today - timedelta(days=1)) >= 3
    if due == EscalationLevel.ADMINISTRATOR and current < EscalationLevel.ADMINISTRATOR:
        assert current == EscalationLevel.PROVIDER and calls >= 1 and told_on is not None
        # A whole working day for the provider after the day it was told.
        assert SE.working_days_between(told_on, today - timedelta(days=1)) >= 1


def test_escalation_rejects_an_unknown_level() -> None:
    with pytest.raises(ValueError):
        escalation_level_due(SE, D(2026, 6, 18), D(2026, 6, 24), NOBODY, 3)
