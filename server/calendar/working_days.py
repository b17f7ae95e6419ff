"""Working days in Sweden and Norway: no weekends, no public holidays, no configured eves.

Pure: no clock; every method takes the date it is asked about. Public holidays come from the
``holidays`` library (category "public" only, Sundays not listed as holidays, names in
English); weekends are handled here, explicitly, so the result does not depend on the
library's Sunday options.

The eves are not public holidays, but in Sweden midsummer eve, Christmas eve and New Year's
eve are de facto days off, and SLA deadlines (seed 000: "arbetsdagar") must not fall on them.
They are configurable by name (``extra_non_working``; pass an empty set to make them working
days):

==================  ================================  ===================================
name                Sweden (SE)                       Norway (NO)
==================  ================================  ===================================
``midsummer_eve``   the Friday from 19 to 25 June     not applied: sankthansaften (23 June)
                                                      is an ordinary working day in Norway
``christmas_eve``   24 December                       24 December (julaften)
``new_years_eve``   31 December                       31 December (nyttårsaften)
==================  ================================  ===================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import holidays

SUPPORTED_COUNTRIES: tuple[str, ...] = ("SE", "NO")
EVE_NAMES: tuple[str, ...] = ("midsummer_eve", "christmas_eve", "new_years_eve")
DEFAULT_EXTRA_NON_WORKING: frozenset[str] = frozenset(EVE_NAMES)

_SATURDAY = 5


def _swedish_midsummer_eve(year: int) -> date:
    # The Friday in 19–25 June (midsummer day is the Saturday after it).
    june_19 = date(year, 6, 19)
    return june_19 + timedelta(days=(4 - june_19.weekday()) % 7)


def _christmas_eve(year: int) -> date:
    return date(year, 12, 24)


def _new_years_eve(year: int) -> date:
    return date(year, 12, 31)


_EVE_LABELS: Mapping[str, str] = {
    "midsummer_eve": "Midsummer Eve",
    "christmas_eve": "Christmas Eve",
    "new_years_eve": "New Year's Eve",
}

# Which eve names mean a day off in each country, and when they fall; a name missing for a
# country is accepted in the configuration but has no effect there (see the module docstring).
_EVES_BY_COUNTRY: Mapping[str, Mapping[str, Callable[[int], date]]] = {
    "SE": {
        "midsummer_eve": _swedish_midsummer_eve,
        "christmas_eve": _christmas_eve,
        "new_years_eve": _new_years_eve,
    },
    "NO": {
        "christmas_eve": _christmas_eve,
        "new_years_eve": _new_years_eve,
    },
}


class WorkingDayCalendar:
    """The working days of one country. Cheap to query: holidays are cached per year."""

    def __init__(
        self,
        country: str = "SE",
        extra_non_working: frozenset[str] = DEFAULT_EXTRA_NON_WORKING,
    ) -> None:
        if country not in SUPPORTED_COUNTRIES:
            raise ValueError(
                f"Unsupported country {country!r}: use 'SE' (Sweden) or 'NO' (Norway)."
            )
        unknown = sorted(set(extra_non_working) - set(EVE_NAMES))
        if unknown:
            raise ValueError(
                f"Unknown non-working eve name(s): {', '.join(unknown)}. "
                f"Known names: {', '.join(EVE_NAMES)} (or none, to work on all eves)."
            )
        self.country = country
        self.extra_non_working = frozenset(extra_non_working)
        self._eves = {
            name: when
            for name, when in _EVES_BY_COUNTRY[country].items()
            if name in self.extra_non_working
        }
        self._by_year: dict[int, dict[date, str]] = {}

    def __repr__(self) -> str:
        eves = ", ".join(sorted(self.extra_non_working))
        return f"WorkingDayCalendar(country={self.country!r}, extra_non_working={{{eves}}})"

    def _named_days(self, year: int) -> dict[date, str]:
        days = self._by_year.get(year)
        if days is None:
            # include_sundays=False: its default has differed between countries and versions.
            public = holidays.country_holidays(
                self.country,
                years=year,
                language="en_US",
                categories=("public",),
                include_sundays=False,
            )
            days = {day: str(name) for day, name in public.items()}
            for name, when in self._eves.items():
                day = when(year)
                # An eve never coincides with a public holiday today, but keep both if it does.
                label = _EVE_LABELS[name]
                days[day] = f"{days[day]}; {label}" if day in days else label
            self._by_year[year] = days
        return days

    def holiday_name(self, d: date) -> str | None:
        """The public holiday or configured eve on ``d`` (English name), else None."""
        return self._named_days(d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < _SATURDAY and d not in self._named_days(d.year)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (``d`` itself does not count); n=0 gives ``d``."""
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}.")
        day = d
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]; 0 when ``end`` is not after ``start``."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
