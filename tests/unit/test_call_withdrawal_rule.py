"""The pure rule of taking back a call (server/orders/call_withdrawal.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.orders.call_withdrawal import (
    CLOCK_TOLERANCE,
    WITHDRAWAL_WINDOW,
    WithdrawalRefusal,
    withdrawal_refusal,
)

CALLER = uuid.UUID(int=1)
CALLED = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def refusal(after: timedelta, *, by: uuid.UUID = CALLER, now_after: timedelta | None = None):
    now = CALLED + (now_after if now_after is not None else after)
    return withdrawal_refusal(
        caller=CALLER, withdrawn_by=by, called_at=CALLED, withdrawn_at=CALLED + after, now=now
    )


def test_the_window_is_inclusive_and_ends_there() -> None:
    assert refusal(timedelta(0)) is None
    assert refusal(WITHDRAWAL_WINDOW) is None
    assert refusal(WITHDRAWAL_WINDOW + timedelta(seconds=1)) is WithdrawalRefusal.TOO_LATE


def test_someone_else_never_takes_back_a_call() -> None:
    assert refusal(timedelta(seconds=5), by=uuid.UUID(int=2)) is WithdrawalRefusal.NOT_THE_CALLER


def test_times_that_cannot_be() -> None:
    assert refusal(timedelta(seconds=-1)) is WithdrawalRefusal.BEFORE_THE_CALL
    ahead = timedelta(seconds=5)
    assert refusal(ahead, now_after=ahead - CLOCK_TOLERANCE) is None
    assert (
        refusal(ahead, now_after=ahead - CLOCK_TOLERANCE - timedelta(seconds=1))
        is WithdrawalRefusal.IN_THE_FUTURE
    )


@given(
    after=st.timedeltas(min_value=timedelta(hours=-1), max_value=timedelta(hours=1)),
    late=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2)),
)
def test_a_delay_in_reaching_the_server_never_matters(after: timedelta, late: timedelta) -> None:
    """An undo that waited offline is judged by the device's two times alone."""
    on_time = refusal(after, now_after=max(after, timedelta(0)))
    assert refusal(after, now_after=max(after, timedelta(0)) + late) == on_time
    assert (on_time is None) == (timedelta(0) <= after <= WITHDRAWAL_WINDOW)
