"""Taking back a call logged by mistake (issue 16: "after a tap show what was saved with an
undo"). Pure: who may, and until when.

The app offers "Ångra" for a few seconds after a call is logged; the withdrawal is a mutation
like any other (queued offline, applied exactly once). Both times below come from the same
device clock (when the call was logged, when it was taken back), so a withdrawal that waited
in an offline outbox for hours is judged by the seconds between the two taps, not by when it
reached the server.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID

# The app shows its undo for seconds; the server allows more, for a slow tap and a device
# clock that moved (a time sync) between the two taps. Past it, a wrong call is corrected by
# logging the right one, and the history keeps both.
WITHDRAWAL_WINDOW = timedelta(minutes=10)
# A withdrawal time this far ahead of the server's clock is refused as impossible (the same
# tolerance the app leaves when it stamps a call: its estimate of the server clock's error).
CLOCK_TOLERANCE = timedelta(seconds=30)


class WithdrawalRefusal(Enum):
    NOT_THE_CALLER = "not_the_caller"
    TOO_LATE = "too_late"
    IN_THE_FUTURE = "in_the_future"
    BEFORE_THE_CALL = "before_the_call"


def withdrawal_refusal(
    *,
    caller: UUID,
    withdrawn_by: UUID,
    called_at: datetime,
    withdrawn_at: datetime,
    now: datetime,
) -> WithdrawalRefusal | None:
    """Why this withdrawal is refused, or None when it may go ahead.

    Only the person who logged the call takes it back (a planner corrects by logging anew),
    at a time after the call and within :data:`WITHDRAWAL_WINDOW` of it.
    """
    if caller != withdrawn_by:
        return WithdrawalRefusal.NOT_THE_CALLER
    if withdrawn_at > now + CLOCK_TOLERANCE:
        return WithdrawalRefusal.IN_THE_FUTURE
    if withdrawn_at < called_at:
        return WithdrawalRefusal.BEFORE_THE_CALL
    if withdrawn_at - called_at > WITHDRAWAL_WINDOW:
        return WithdrawalRefusal.TOO_LATE
    return None
