"""The one date-time and the one date the API accepts, used by every request type.

``Instant`` is a date-time that carries its UTC offset: a naive one is ambiguous around the
daylight-saving change, and comparing it with the server's aware clock fails. ``Day`` is a
calendar date. Both must lie in the years ``EARLIEST_YEAR``..``LATEST_YEAR``: no job in Lockwork
is planned, called or reported outside them, and the range keeps every conversion (to UTC, to
Swedish local time, adding working days) far from Python's year 1 and 9999, where it overflows.

msgspec checks the offset while decoding but has no range constraint for dates, so the range is
checked by :class:`Bounded`, the base of every request struct with a date in it: msgspec calls its
``__post_init__`` after decoding and reports the ``ValueError`` as a validation error (400)
that names the field. Query parameters go through :func:`bounded_day`.

Pure: no I/O.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import msgspec

from server.errors import ValidationFailed

# Lockwork's working range (see the module docstring); the latest year is included.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2099
EARLIEST = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
AFTER_LATEST = datetime(LATEST_YEAR + 1, 1, 1, tzinfo=UTC)
EARLIEST_DAY = date(EARLIEST_YEAR, 1, 1)
LATEST_DAY = date(LATEST_YEAR, 12, 31)

RANGE_TEXT = f"between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"

Instant = Annotated[
    datetime,
    msgspec.Meta(
        tz=True,
        extra_json_schema={
            "description": (
                "ISO 8601 date-time with a UTC offset (Z or +01:00), " + RANGE_TEXT + " (UTC)"
            )
        },
    ),
]
Day = Annotated[
    date,
    msgspec.Meta(extra_json_schema={"description": "ISO 8601 date, " + RANGE_TEXT}),
]


def instant_problem(value: datetime) -> str | None:
    """What is wrong with ``value`` as an :data:`Instant`, or None."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "must carry a UTC offset (Z or +01:00)"
    # Aware comparisons subtract offsets as timedeltas: they do not overflow at year 1 or 9999.
    if not EARLIEST <= value < AFTER_LATEST:
        return f"must lie {RANGE_TEXT} (UTC)"
    return None


def day_problem(value: date) -> str | None:
    """What is wrong with ``value`` as a :data:`Day`, or None."""
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        return f"must lie {RANGE_TEXT}"
    return None


def _problem(value: object) -> str | None:
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return instant_problem(value)
    if isinstance(value, date):
        return day_problem(value)
    return None


class Bounded(msgspec.Struct, kw_only=True):
    """Base of request structs: every date-time and date field within Lockwork's range."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            problem = _problem(getattr(self, name))
            if problem:
                raise ValueError(f"`{name}` {problem}")


def bounded_day(value: date | None, field: str) -> date | None:
    """A date from a query parameter, checked like a :data:`Day` field (None passes)."""
    problem = day_problem(value) if value is not None else None
    if problem:
        raise ValidationFailed(f"`{field}` {problem}.", field=field)
    return value
