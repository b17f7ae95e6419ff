"""The working-day calendar for Sweden and Norway, 2025–2027, with literal dates.

Each date below was worked out by hand (Easter: 20 Apr 2025, 5 Apr 2026, 28 Mar 2027) and
checked against a weekday table, not read from the ``holidays`` library.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.calendar.working_days import DEFAULT_EXTRA_NON_WORKING, WorkingDayCalendar

SE = WorkingDayCalendar("SE")
NO = WorkingDayCalendar("NO")
D = date

# Weekdays (Mon–Fri) that are not working days in both countries.
BOTH_OFF = [
    # 2025
    D(2025, 1, 1),  # Wed, New Year's Day
    D(2025, 4, 18),  # Good Friday
    D(2025, 4, 21),  # Easter Monday
    D(2025, 5, 1),  # Thu, May Day / Labour Day
    D(2025, 5, 29),  # Thu, Ascension Day
    D(2025, 12, 24),  # Wed, Christmas Eve (configured eve)
    D(2025, 12, 25),  # Thu
    D(2025, 12, 26),  # Fri
    D(2025, 12, 31),  # Wed, New Year's Eve (configured eve)
    # 2026
    D(2026, 1, 1),  # Thu
    D(2026, 4, 3),  # Good Friday
    D(2026, 4, 6),  # Easter Monday
    D(2026, 5, 1),  # Fri
    D(2026, 5, 14),  # Thu, Ascension Day
    D(2026, 12, 24),  # Thu
    D(2026, 12, 25),  # Fri
    D(2026, 12, 31),  # Thu
    # 2027
    D(2027, 1, 1),  # Fri
    D(2027, 3, 26),  # Good Friday
    D(2027, 3, 29),  # Easter Monday
    D(2027, 5, 6),  # Thu, Ascension Day
    D(2027, 12, 24),  # Fri
    D(2027, 12, 31),  # Fri
]

# Weekdays off in Sweden only.
SE_ONLY_OFF = [
    D(2025, 1, 6),  # Mon, Epiphany
    D(2025, 6, 6),  # Fri, National Day
    D(2025, 6, 20),  # Fri, midsummer eve
    D(2026, 1, 6),  # Tue, Epiphany
    D(2026, 6, 19),  # Fri, midsummer eve
    D(2027, 1, 6),  # Wed, Epiphany
    D(2027, 6, 25),  # Fri, midsummer eve
]

# Weekdays off in Norway only.
NO_ONLY_OFF = [
    D(2025, 4, 17),  # Maundy Thursday
    D(2025, 6, 9),  # Whit Monday
    D(2026, 4, 2),  # Maundy Thursday
    D(2026, 5, 25),  # Whit Monday
    D(2027, 3, 25),  # Maundy Thursday
    D(2027, 5, 17),  # Mon, Constitution Day and Whit Monday on the same day
]

# Weekdays that are working days in both countries, next to the holidays above.
BOTH_WORKING = [
    D(2025, 4, 16),  # Wed before Easter
    D(2025, 4, 22),  # Tue after Easter Monday
    D(2025, 5, 30),  # Fri after Ascension (a "klämdag", still a working day)
    D(2025, 6, 23),  # Mon, sankthansaften in Norway
    D(2025, 12, 23),  # Tue
    D(2025, 12, 29),  # Mon
    D(2025, 12, 30),  # Tue
    D(2026, 1, 2),  # Fri
    D(2026, 4, 7),  # Tue after Easter Monday
    D(2026, 5, 15),  # Fri after Ascension
    D(2026, 6, 22),  # Mon after midsummer
    D(2026, 6, 23),  # Tue, sankthansaften
    D(2026, 6, 24),  # Wed, St John's Day (no holiday in either country)
    D(2026, 12, 23),  # Wed
    D(2026, 12, 28),  # Mon
    D(2026, 12, 30),  # Wed
    D(2027, 1, 4),  # Mon
    D(2027, 3, 24),  # Wed before Maundy Thursday
    D(2027, 3, 30),  # Tue after Easter Monday
    D(2027, 6, 23),  # Wed, sankthansaften
    D(2027, 12, 23),  # Thu
    D(2027, 12, 27),  # Mon (26 December is a Sunday: no extra day off)
]


@pytest.mark.parametrize("day", BOTH_OFF, ids=str)
def test_off_in_both_countries(day: date) -> None:
    assert day.weekday() < 5
    assert not SE.is_working_day(day)
    assert not NO.is_working_day(day)
    assert SE.holiday_name(day) is not None
    assert NO.holiday_name(day) is not None


@pytest.mark.parametrize("day", SE_ONLY_OFF, ids=str)
def test_off_in_sweden_only(day: date) -> None:
    assert day.weekday() < 5
    assert not SE.is_working_day(day)
    assert NO.is_working_day(day)
    assert NO.holiday_name(day) is None


@pytest.mark.parametrize("day", NO_ONLY_OFF, ids=str)
def test_off_in_norway_only(day: date) -> None:
    assert day.weekday() < 5
    assert not NO.is_working_day(day)
    assert SE.is_working_day(day)
    assert SE.holiday_name(day) is None


@pytest.mark.parametrize("day", BOTH_WORKING, ids=str)
def test_working_in_both_countries(day: date) -> None:
    assert SE.is_working_day(day)
    assert NO.is_working_day(day)
    assert SE.holiday_name(day) is None
    assert NO.holiday_name(day) is None


@pytest.mark.parametrize(
    ("cal", "day", "name"),
    [
        (SE, D(2026, 4, 3), "Good Friday"),
        (SE, D(2026, 4, 6), "Easter Monday"),
        (SE, D(2026, 5, 14), "Ascension Day"),
        (SE, D(2026, 6, 6), "National Day"),  # a Saturday in 2026
        (SE, D(2027, 6, 6), "National Day"),  # a Sunday in 2027
        (SE, D(2025, 6, 20), "Midsummer Eve"),
        (SE, D(2025, 6, 21), "Midsummer Day"),
        (SE, D(2026, 6, 19), "Midsummer Eve"),
        (SE, D(2026, 6, 20), "Midsummer Day"),
        (SE, D(2027, 6, 25), "Midsummer Eve"),
        (SE, D(2027, 6, 26), "Midsummer Day"),
        (SE, D(2026, 12, 24), "Christmas Eve"),
        (SE, D(2026, 12, 31), "New Year's Eve"),
        (SE, D(2027, 1, 1), "New Year's Day"),
        (NO, D(2026, 4, 2), "Maundy Thursday"),
        (NO, D(2025, 5, 17), "Constitution Day"),  # a Saturday
        (NO, D(2026, 5, 17), "Constitution Day"),  # a Sunday
        (NO, D(2026, 12, 24), "Christmas Eve"),
        (NO, D(2026, 12, 26), "Second Day of Christmas"),
    ],
)
def test_holiday_names(cal: WorkingDayCalendar, day: date, name: str) -> None:
    assert cal.holiday_name(day) == name


def test_norway_17_may_2027_is_also_whit_monday() -> None:
    name = NO.holiday_name(D(2027, 5, 17))
    assert name is not None and "Constitution Day" in name


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_norway_has_no_midsummer_holiday(year: int) -> None:
    for day in (D(year, 6, d) for d in range(19, 27)):
        assert NO.holiday_name(day) is None
        assert NO.is_working_day(day) == (day.weekday() < 5)


def test_weekends_are_never_working_days() -> None:
    for cal in (SE, NO, WorkingDayCalendar("SE", frozenset())):
        assert not cal.is_working_day(D(2026, 3, 14))  # Saturday
        assert not cal.is_working_day(D(2026, 3, 15))  # Sunday
        assert cal.holiday_name(D(2026, 3, 15)) is None  # Sundays are not named holidays


def test_default_eves() -> None:
    assert {"midsummer_eve", "christmas_eve", "new_years_eve"} == DEFAULT_EXTRA_NON_WORKING


def test_eves_can_be_made_working_days() -> None:
    cal = WorkingDayCalendar("SE", extra_non_working=frozenset())
    for day in (D(2026, 6, 19), D(2026, 12, 24), D(2026, 12, 31)):
        assert cal.is_working_day(day)
        assert cal.holiday_name(day) is None
    assert not cal.is_working_day(D(2026, 12, 25))  # public holidays stay


def test_eves_are_chosen_one_by_one() -> None:
    cal = WorkingDayCalendar("SE", extra_non_working=frozenset({"christmas_eve"}))
    assert not cal.is_working_day(D(2026, 12, 24))
    assert cal.is_working_day(D(2026, 12, 31))
    assert cal.is_working_day(D(2026, 6, 19))
    no = WorkingDayCalendar("NO", extra_non_working=frozenset({"new_years_eve"}))
    assert no.is_working_day(D(2026, 12, 24))
    assert not no.is_working_day(D(2026, 12, 31))


def test_midsummer_eve_name_has_no_effect_in_norway() -> None:
    only_midsummer = WorkingDayCalendar("NO", extra_non_working=frozenset({"midsummer_eve"}))
    assert only_midsummer.is_working_day(D(2026, 6, 19))
    assert only_midsummer.is_working_day(D(2026, 6, 23))


def test_unknown_country() -> None:
    with pytest.raises(ValueError, match=r"'SE' \(Sweden\) or 'NO' \(Norway\)"):
        WorkingDayCalendar("DK")


def test_unknown_eve_name() -> None:
    with pytest.raises(ValueError, match=r"easter_eve.*midsummer_eve"):
        WorkingDayCalendar("SE", extra_non_working=frozenset({"easter_eve"}))


def test_add_working_days() -> None:
    assert SE.add_working_days(D(2026, 3, 10), 0) == D(2026, 3, 10)
    assert SE.add_working_days(D(2026, 4, 3), 0) == D(2026, 4, 3)  # n=0 even on a holiday
    assert SE.add_working_days(D(2026, 3, 10), 1) == D(2026, 3, 11)
    assert SE.add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 16)  # Fri -> Mon
    assert SE.add_working_days(D(2026, 3, 14), 1) == D(2026, 3, 16)  # Sat -> Mon
    assert SE.add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 7)  # over Easter
    assert NO.add_working_days(D(2026, 4, 1), 1) == D(2026, 4, 7)
    assert SE.add_working_days(D(2026, 4, 1), 1) == D(2026, 4, 2)
    with pytest.raises(ValueError):
        SE.add_working_days(D(2026, 3, 10), -1)


def test_next_working_day() -> None:
    assert SE.next_working_day(D(2026, 6, 18)) == D(2026, 6, 22)  # over midsummer
    assert NO.next_working_day(D(2026, 6, 18)) == D(2026, 6, 19)
    assert SE.next_working_day(D(2026, 12, 23)) == D(2026, 12, 28)
    assert SE.next_working_day(D(2026, 12, 30)) == D(2027, 1, 4)  # over the year end
    assert SE.next_working_day(D(2027, 1, 5)) == D(2027, 1, 7)  # Epiphany in Sweden
    assert NO.next_working_day(D(2027, 1, 5)) == D(2027, 1, 6)
    assert NO.next_working_day(D(2026, 4, 1)) == D(2026, 4, 7)  # six days: Easter in Norway
    assert SE.next_working_day(D(2025, 12, 23)) == D(2025, 12, 29)  # six days: Christmas 2025


def test_working_days_between() -> None:
    assert SE.working_days_between(D(2026, 3, 10), D(2026, 3, 10)) == 0
    assert SE.working_days_between(D(2026, 3, 10), D(2026, 3, 11)) == 1  # end included
    assert SE.working_days_between(D(2026, 3, 13), D(2026, 3, 16)) == 1  # start excluded
    assert SE.working_days_between(D(2026, 3, 11), D(2026, 3, 10)) == 0
    assert SE.working_days_between(D(2026, 12, 23), D(2027, 1, 8)) == 7
    assert NO.working_days_between(D(2026, 12, 23), D(2027, 1, 8)) == 8


dates = st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31))
calendars = st.sampled_from([SE, NO, WorkingDayCalendar("SE", frozenset())])


@given(cal=calendars, day=dates, n=st.integers(min_value=0, max_value=30))
def test_add_and_count_agree(cal: WorkingDayCalendar, day: date, n: int) -> None:
    later = cal.add_working_days(day, n)
    assert cal.working_days_between(day, later) == n
    if n:
        assert cal.is_working_day(later)


@given(cal=calendars, day=dates)
def test_next_working_day_skips_only_days_off(cal: WorkingDayCalendar, day: date) -> None:
    following = cal.next_working_day(day)
    assert following > day and cal.is_working_day(following)
    between = (day + timedelta(days=i) for i in range(1, (following - day).days))
    assert not any(cal.is_working_day(d) for d in between)
    # The longest runs off: Maundy Thursday to Easter Monday in Norway, Christmas 2025.
    assert (following - day).days <= 6
