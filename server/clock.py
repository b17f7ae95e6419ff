"""The one place the server reads the time, so tests can travel in time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# Working days, deadlines and "today" are Nordic local dates, not UTC dates.
LOCAL_ZONE = ZoneInfo("Europe/Stockholm")


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(LOCAL_ZONE).date()


class FrozenClock(Clock):
    """A clock tests set by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at
