"""Shifts of the back office, for seed 001's follow-up of how many orders each person closed.

Pure: no I/O. A shift is a named span of the local clock, "Dag 07:00-16:00"; one that ends
before it starts ("Natt 22:00-07:00") runs over midnight, and on a given local day its
morning part counts under its name too. Shifts may leave gaps (a closing in a gap counts
under no shift) but may not overlap, so every closing has at most one shift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

# What `LOCKWORK_SHIFTS` is when unset: a day shift, an evening shift and the night.
DEFAULT_SHIFTS = "Dag 07:00-16:00, Kväll 16:00-22:00, Natt 22:00-07:00"
_MINUTES_PER_DAY = 24 * 60
_SHIFT = re.compile(
    r"\s*(?P<name>[^,]*?\S)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*"
)


class ShiftsInvalid(ValueError):
    """The shifts' text cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class Shift:
    name: str
    start: time
    end: time

    def minutes(self) -> frozenset[int]:
        """The minutes of the day the shift covers."""
        first, last = _minute(self.start), _minute(self.end)
        if first < last:
            return frozenset(range(first, last))
        return frozenset(range(first, _MINUTES_PER_DAY)) | frozenset(range(last))

    def covers(self, at: time) -> bool:
        return _minute(at) in self.minutes()


def _minute(at: time) -> int:
    return at.hour * 60 + at.minute


def _clock(text: str, where: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ShiftsInvalid(f"'{text}' in '{where}' is not a time of day (00:00-23:59).")
    return time(hours, minutes)


def parse_shifts(text: str) -> tuple[Shift, ...]:
    """``"Dag 07:00-16:00, Kväll 16:00-22:00"`` -> the shifts, in the order written."""
    shifts: list[Shift] = []
    for part in (p for p in text.split(",") if p.strip()):
        match = _SHIFT.fullmatch(part)
        if match is None:
            raise ShiftsInvalid(
                f"'{part.strip()}' is not a shift: write a name, a start and an end, "
                "e.g. 'Dag 07:00-16:00', and separate shifts with commas."
            )
        shift = Shift(
            name=match["name"],
            start=_clock(match["start"], part.strip()),
            end=_clock(match["end"], part.strip()),
        )
        if shift.start == shift.end:
            raise ShiftsInvalid(f"The shift '{shift.name}' starts when it ends.")
        for earlier in shifts:
            if earlier.name == shift.name:
                raise ShiftsInvalid(f"Two shifts are called '{shift.name}'; name them apart.")
            if earlier.minutes() & shift.minutes():
                raise ShiftsInvalid(
                    f"The shifts '{earlier.name}' and '{shift.name}' overlap; a closing must "
                    "belong to one shift."
                )
        shifts.append(shift)
    if not shifts:
        raise ShiftsInvalid("No shifts given: write at least one, e.g. 'Dag 07:00-16:00'.")
    return tuple(shifts)


def shift_of(shifts: tuple[Shift, ...], at: time) -> Shift | None:
    """The shift a local time of day falls in, or None in a gap between shifts."""
    return next((s for s in shifts if s.covers(at)), None)
