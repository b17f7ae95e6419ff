"""When a booking's reminders are due (seed 002, "Påminnelser"). Pure: no I/O, no clock.

- The booking reminder: no answer came within the administrator's time after the letter was
  made (by post it takes days) or the booking SMS was sent (read the same day).
- The appointment reminder: on the day before the visit.
Both go only in the daytime: a text that wakes an old person at night is worse than none, so
a reminder that falls due at night waits for the morning.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from server.booking.letters import BookingChannel

# Residents get SMS between these local hours only (the quiet hours of Nordic telemarketing
# rules are 20-09; this keeps inside them with an hour to spare in the evening).
SMS_FROM: Final = time(9, 0)
SMS_UNTIL: Final = time(19, 0)


def in_sms_hours(now: datetime, zone: ZoneInfo) -> bool:
    local = now.astimezone(zone).time()
    return SMS_FROM <= local < SMS_UNTIL


def booking_reminder_due(
    sent_at: datetime,
    channel: BookingChannel,
    now: datetime,
    *,
    after_letter: timedelta,
    after_sms: timedelta,
) -> bool:
    """True once the wait for an answer to this channel's booking is over."""
    wait = after_sms if channel is BookingChannel.SMS else after_letter
    return now >= sent_at + wait


def appointment_reminder_due(planned_start: datetime, now: datetime, zone: ZoneInfo) -> bool:
    """True on the local day before the visit (and not on the visit's own day)."""
    visit_day = planned_start.astimezone(zone).date()
    return now.astimezone(zone).date() == visit_day - timedelta(days=1)
