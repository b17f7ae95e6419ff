"""What to do next with an order on the activity list (seed 001: each row says it).

Pure: no I/O. A code per row; the app words it in the person's language. The order of the
checks is the order of urgency: a colleague's request with a date first, then an unassigned
order (nobody will act on it), then what the order's status asks for.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from server.orders.lifecycle import OrderStatus


class NextStep(StrEnum):
    FORWARDED = "forwarded"  # a colleague asked you to act on it by a date
    ASSIGN = "assign"  # no fitter: assign and plan it
    CALL = "call"  # call the resident (or the provider) and book a time
    CONFIRM = "confirm"  # a time is planned: confirm it or send a booking letter
    PRINT_LETTER = "print_letter"  # the booking letter waits to be printed and sent
    AWAIT_REPLY = "await_reply"  # the resident has the letter; wait for the answer
    FOLLOW_UP = "follow_up"  # the resident's answer needs a call (seed 002)
    VISIT = "visit"  # booked and confirmed: the fitter goes there
    REPORT = "report"  # the visit is on: report completion
    REPORT_LATE = "report_late"  # the completion report is past its deadline
    RESUME = "resume"  # on hold: it comes back by itself on its date, or resume it now
    NONE = "none"  # closed


_BY_STATUS = {
    OrderStatus.DRAFT: NextStep.CALL,
    OrderStatus.ORDERED: NextStep.CALL,
    OrderStatus.CONTACTING: NextStep.CALL,
    OrderStatus.SCHEDULED: NextStep.CONFIRM,
    OrderStatus.READY_TO_PRINT: NextStep.PRINT_LETTER,
    OrderStatus.AWAITING_RESPONSE: NextStep.AWAIT_REPLY,
    OrderStatus.MANUAL_FOLLOWUP: NextStep.FOLLOW_UP,
    OrderStatus.READY_FOR_EXECUTION: NextStep.VISIT,
    OrderStatus.IN_PROGRESS: NextStep.REPORT,
    OrderStatus.ON_HOLD: NextStep.RESUME,
    OrderStatus.DONE: NextStep.NONE,
    OrderStatus.CANCELLED: NextStep.NONE,
}
assert set(_BY_STATUS) == set(OrderStatus)

# Statuses in which an order without a fitter is stuck until someone assigns it.
_NEEDS_A_FITTER = frozenset(
    {
        OrderStatus.ORDERED,
        OrderStatus.CONTACTING,
        OrderStatus.SCHEDULED,
        OrderStatus.READY_TO_PRINT,
        OrderStatus.AWAITING_RESPONSE,
        OrderStatus.MANUAL_FOLLOWUP,
        OrderStatus.READY_FOR_EXECUTION,
    }
)


def next_step(
    status: OrderStatus,
    *,
    has_fitter: bool,
    report_late: bool,
    forwarded_done_by: date | None,
) -> NextStep:
    if status in (OrderStatus.DONE, OrderStatus.CANCELLED):
        return NextStep.NONE
    if forwarded_done_by is not None:
        return NextStep.FORWARDED
    if not has_fitter and status in _NEEDS_A_FITTER:
        return NextStep.ASSIGN
    if status is OrderStatus.IN_PROGRESS and report_late:
        return NextStep.REPORT_LATE
    return _BY_STATUS[status]
