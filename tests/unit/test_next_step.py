"""What the activity list says to do next (server.activity.next_step)."""

from __future__ import annotations

from datetime import date

import pytest

from server.activity.next_step import NextStep, next_step
from server.orders.lifecycle import OrderStatus as S

DONE_BY = date(2026, 3, 12)


@pytest.mark.parametrize(
    ("status", "has_fitter", "report_late", "forwarded", "expected"),
    [
        (S.ORDERED, False, False, None, NextStep.ASSIGN),
        (S.ORDERED, True, False, None, NextStep.CALL),
        (S.CONTACTING, True, False, None, NextStep.CALL),
        (S.SCHEDULED, True, False, None, NextStep.CONFIRM),
        (S.SCHEDULED, False, False, None, NextStep.ASSIGN),
        (S.READY_TO_PRINT, True, False, None, NextStep.PRINT_LETTER),
        (S.AWAITING_RESPONSE, True, False, None, NextStep.AWAIT_REPLY),
        (S.MANUAL_FOLLOWUP, True, False, None, NextStep.FOLLOW_UP),
        (S.READY_FOR_EXECUTION, True, False, None, NextStep.VISIT),
        (S.IN_PROGRESS, True, False, None, NextStep.REPORT),
        (S.IN_PROGRESS, True, True, None, NextStep.REPORT_LATE),
        (S.ON_HOLD, False, False, None, NextStep.RESUME),
        (S.ORDERED, False, False, DONE_BY, NextStep.FORWARDED),
        (S.DONE, True, False, DONE_BY, NextStep.NONE),
        (S.CANCELLED, False, False, None, NextStep.NONE),
    ],
)
def test_next_step(
    status: S, has_fitter: bool, report_late: bool, forwarded: date | None, expected: NextStep
) -> None:
    assert (
        next_step(
            status, has_fitter=has_fitter, report_late=report_late, forwarded_done_by=forwarded
        )
        is expected
    )


def test_every_open_status_has_a_step() -> None:
    for status in S:
        step = next_step(status, has_fitter=True, report_late=False, forwarded_done_by=None)
        assert (step is NextStep.NONE) == (status in (S.DONE, S.CANCELLED))
