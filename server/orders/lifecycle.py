"""The order life cycle: one table of transitions with guards (DESIGN.md, "Order life cycle").

Pure: no I/O and no clock; "today" comes in the context. The API, the sync push handler and the
background jobs all move orders through :func:`transition`, so a rule lives in one place.

Paths (seeds 000 and 002)::

    draft -> ordered -> contacting -> scheduled -> ready_for_execution -> in_progress -> done
    scheduled -> ready_to_print -> awaiting_response -> (reply "OK") ready_for_execution
                                                     -> (other/none) manual_followup
    manual_followup -> ready_for_execution (confirmed by phone) | scheduled (a new time)
    any open status but draft -> on_hold -> back to the status it was held from
    any open status -> cancelled
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from server.errors import TransitionRefused
from server.locks.evidence import LOCK_REPORT, PAIRING_RECEIPT


class OrderStatus(StrEnum):
    DRAFT = "draft"
    ORDERED = "ordered"
    CONTACTING = "contacting"
    SCHEDULED = "scheduled"
    READY_TO_PRINT = "ready_to_print"
    AWAITING_RESPONSE = "awaiting_response"
    MANUAL_FOLLOWUP = "manual_followup"
    READY_FOR_EXECUTION = "ready_for_execution"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    DONE = "done"
    CANCELLED = "cancelled"


CLOSED_STATUSES: frozenset[OrderStatus] = frozenset({OrderStatus.DONE, OrderStatus.CANCELLED})
OPEN_STATUSES: frozenset[OrderStatus] = frozenset(OrderStatus) - CLOSED_STATUSES
# A draft has not been ordered yet, so there is nothing to wait for: it is edited or cancelled.
HOLDABLE_STATUSES: frozenset[OrderStatus] = OPEN_STATUSES - {
    OrderStatus.ON_HOLD,
    OrderStatus.DRAFT,
}
# Orders still looking for contact. Once a time is agreed (scheduled and later) the contact
# was made, even if nobody logged it as a call; on hold, nobody is expected to call.
SEEKING_CONTACT: tuple[str, ...] = (OrderStatus.ORDERED.value, OrderStatus.CONTACTING.value)


# A booked visit: its assigned fitter may have what the lock demands (pairing tickets, staff
# credentials, unbind tokens), and evidence from the visit is taken. Leaving these statuses
# (cancelled, done, on hold, back to the letter path) revokes what was issued.
VISIT_STATUSES: frozenset[OrderStatus] = frozenset(
    {OrderStatus.SCHEDULED, OrderStatus.READY_FOR_EXECUTION, OrderStatus.IN_PROGRESS}
)


class OrderKind(StrEnum):
    INSTALLATION = "installation"
    SERVICE = "service"
    BATTERY = "battery"
    REMOVAL = "removal"
    INSPECTION = "inspection"


class EvidenceLock(StrEnum):
    """Which lock the closing report must come from."""

    ORDER_LOCK = "order_lock"  # the lock the order names (none named: no evidence possible)
    AT_CUSTOMER = "at_customer"  # a lock paired at the order's customer: the new one


@dataclass(frozen=True)
class EvidencePolicy:
    """What lock evidence closes an order of one kind.

    ``report`` is the kind of lock-signed report (server.locks.evidence) verified for the
    order's visit that completes it, from ``lock``; None: the order closes without lock
    evidence. ``override_allowed``: a written override reason may close it without the report
    (the order is then flagged in the audit trail).
    """

    report: str | None
    lock: EvidenceLock | None = None
    override_allowed: bool = False


# Jobs that leave a working lock behind must prove it with a reading signed by the lock: an
# installation with the new lock's pairing receipt, a service or battery visit with a report
# (battery read) from the order's lock. A removal or an inspection leaves nothing to prove.
NO_LOCK_EVIDENCE: Final = EvidencePolicy(report=None)
EVIDENCE_POLICY: Final[Mapping[OrderKind, EvidencePolicy]] = {
    OrderKind.INSTALLATION: EvidencePolicy(
        report=PAIRING_RECEIPT, lock=EvidenceLock.AT_CUSTOMER, override_allowed=True
    ),
    OrderKind.SERVICE: EvidencePolicy(
        report=LOCK_REPORT, lock=EvidenceLock.ORDER_LOCK, override_allowed=True
    ),
    OrderKind.BATTERY: EvidencePolicy(
        report=LOCK_REPORT, lock=EvidenceLock.ORDER_LOCK, override_allowed=True
    ),
    OrderKind.REMOVAL: NO_LOCK_EVIDENCE,
    OrderKind.INSPECTION: NO_LOCK_EVIDENCE,
}
assert set(EVIDENCE_POLICY) == set(OrderKind)
assert all((p.report is None) == (p.lock is None) for p in EVIDENCE_POLICY.values())

KINDS_NEEDING_LOCK_EVIDENCE: Final[frozenset[OrderKind]] = frozenset(
    kind for kind, policy in EVIDENCE_POLICY.items() if policy.report is not None
)
# Kinds that need an existing lock at the customer (an installation brings its own).
KINDS_ON_EXISTING_LOCK: frozenset[OrderKind] = frozenset(
    {OrderKind.SERVICE, OrderKind.BATTERY, OrderKind.REMOVAL, OrderKind.INSPECTION}
)


class Action(StrEnum):
    PLACE = "place"
    START_CONTACTING = "start_contacting"
    SCHEDULE = "schedule"
    CONFIRM = "confirm"
    LOCK_APPOINTMENT = "lock_appointment"
    PRINT_LETTER = "print_letter"
    RECORD_REPLY = "record_reply"
    FOLLOW_UP_MANUALLY = "follow_up_manually"
    START = "start"
    COMPLETE = "complete"
    PUT_ON_HOLD = "put_on_hold"
    RESUME = "resume"
    CANCEL = "cancel"


@dataclass(frozen=True, kw_only=True)
class TransitionContext:
    """What the guards may look at; the caller fills in what the action needs."""

    kind: OrderKind
    today: date
    planned_start: datetime | None = None
    hold_until: date | None = None
    held_from: OrderStatus | None = None
    reply_text: str | None = None
    reason: str | None = None
    has_completion_report: bool = False
    has_verified_lock_report: bool = False
    override_reason: str | None = None


@dataclass(frozen=True)
class TransitionResult:
    status: OrderStatus
    # True when an order closed without a verified lock report; the audit trail flags it.
    lock_evidence_overridden: bool = False


Guard = Callable[[TransitionContext], None]
"""Raises :class:`TransitionRefused` when the context does not allow the move."""

Chooser = Callable[[TransitionContext], OrderStatus]
"""Picks the target when a move has more than one possible outcome."""


@dataclass(frozen=True)
class Rule:
    """One row of the table: where a move may lead and what it needs."""

    targets: frozenset[OrderStatus]
    guards: tuple[Guard, ...] = ()
    choose: Chooser | None = None


# ---------------------------------------------------------------------------------------------
# Guards


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _needs_planned_start(ctx: TransitionContext) -> None:
    if ctx.planned_start is None:
        raise TransitionRefused(
            "Scheduling needs a planned start (date and time agreed or proposed). "
            "Pick a time in the calendar and try again.",
            code="planned_start_missing",
        )


def _needs_hold_until(ctx: TransitionContext) -> None:
    if ctx.hold_until is None:
        raise TransitionRefused(
            "Putting an order on hold needs an approximate date when the customer is back. "
            "Give a date and try again.",
            code="hold_until_missing",
        )
    if ctx.hold_until < ctx.today:
        raise TransitionRefused(
            f"The hold date {ctx.hold_until.isoformat()} is in the past. "
            f"Give today ({ctx.today.isoformat()}) or a later date.",
            code="hold_until_in_past",
        )


def _needs_valid_held_from(ctx: TransitionContext) -> None:
    if ctx.held_from not in HOLDABLE_STATUSES:
        shown = ctx.held_from.value if ctx.held_from is not None else "unknown"
        raise TransitionRefused(
            f"This order cannot be resumed: the status it was held from is {shown!r}. "
            "Schedule it anew or cancel it instead.",
            code="held_from_invalid",
        )


def _needs_reason(ctx: TransitionContext) -> None:
    if _blank(ctx.reason):
        raise TransitionRefused(
            "Cancelling an order needs a reason (for example: the customer moved, or the "
            "fault was in the lock case). Write a reason and try again.",
            code="reason_missing",
        )


def _needs_completion_report(ctx: TransitionContext) -> None:
    if not ctx.has_completion_report:
        raise TransitionRefused(
            "Completion needs a completion report: what was done, materials and time spent. "
            "Fill in the report and try again.",
            code="completion_report_missing",
        )


def _lacks_lock_evidence(ctx: TransitionContext) -> bool:
    """The order's kind needs lock evidence (``EVIDENCE_POLICY``) and its visit has none."""
    return EVIDENCE_POLICY[ctx.kind].report is not None and not ctx.has_verified_lock_report


def _needs_lock_evidence(ctx: TransitionContext) -> None:
    if not _lacks_lock_evidence(ctx):
        return
    if EVIDENCE_POLICY[ctx.kind].override_allowed:
        if not _blank(ctx.override_reason):
            return
        advice = "Connect the gateway to the lock, or give an override reason."
        advice_sv = "Anslut gatewayen till låset, eller skriv ett skäl att stänga utan kvittot."
    else:
        advice = "Connect the gateway to the lock."
        advice_sv = "Anslut gatewayen till låset."
    raise TransitionRefused(
        "Completion needs a lock report verified by the lock (battery read, new lock "
        f"paired). {advice}",
        code="lock_evidence_missing",
        message_sv="Ärendet kan stängas först när låsets kvitto har kommit fram (batteriet "
        f"avläst, nytt lås parkopplat). {advice_sv}",
    )


# ---------------------------------------------------------------------------------------------
# Choosers


def _is_ok_reply(text: str | None) -> bool:
    # Seed 002: only the exact text "OK" confirms; "Ok!!" or "Det er greit" go to a person.
    # Surrounding whitespace and letter case are not meaningful in an SMS reply.
    return text is not None and text.strip().casefold() == "ok"


def _after_reply(ctx: TransitionContext) -> OrderStatus:
    if _is_ok_reply(ctx.reply_text):
        return OrderStatus.READY_FOR_EXECUTION
    return OrderStatus.MANUAL_FOLLOWUP


def _held_from(ctx: TransitionContext) -> OrderStatus:
    assert ctx.held_from is not None  # _needs_valid_held_from ran first
    return ctx.held_from


# ---------------------------------------------------------------------------------------------
# The table


def _to(status: OrderStatus, *guards: Guard) -> Rule:
    return Rule(targets=frozenset({status}), guards=guards)


TRANSITIONS: dict[tuple[OrderStatus, Action], Rule] = {
    (OrderStatus.DRAFT, Action.PLACE): _to(OrderStatus.ORDERED),
    (OrderStatus.ORDERED, Action.START_CONTACTING): _to(OrderStatus.CONTACTING),
    **{
        (source, Action.SCHEDULE): _to(OrderStatus.SCHEDULED, _needs_planned_start)
        # A confirmed visit moved to a new time with the customer (issue 16: the fitter
        # rebooks) is scheduled again, and confirmed again; its lock access goes with the old
        # time (OrderService.transition revokes on every schedule).
        for source in (
            OrderStatus.ORDERED,
            OrderStatus.CONTACTING,
            OrderStatus.SCHEDULED,
            OrderStatus.MANUAL_FOLLOWUP,
            OrderStatus.READY_FOR_EXECUTION,
        )
    },
    (OrderStatus.SCHEDULED, Action.CONFIRM): _to(OrderStatus.READY_FOR_EXECUTION),
    (OrderStatus.MANUAL_FOLLOWUP, Action.CONFIRM): _to(OrderStatus.READY_FOR_EXECUTION),
    (OrderStatus.SCHEDULED, Action.LOCK_APPOINTMENT): _to(OrderStatus.READY_TO_PRINT),
    (OrderStatus.READY_TO_PRINT, Action.PRINT_LETTER): _to(OrderStatus.AWAITING_RESPONSE),
    (OrderStatus.AWAITING_RESPONSE, Action.RECORD_REPLY): Rule(
        targets=frozenset({OrderStatus.READY_FOR_EXECUTION, OrderStatus.MANUAL_FOLLOWUP}),
        choose=_after_reply,
    ),
    (OrderStatus.AWAITING_RESPONSE, Action.FOLLOW_UP_MANUALLY): _to(OrderStatus.MANUAL_FOLLOWUP),
    (OrderStatus.READY_FOR_EXECUTION, Action.START): _to(OrderStatus.IN_PROGRESS),
    (OrderStatus.IN_PROGRESS, Action.COMPLETE): _to(
        OrderStatus.DONE, _needs_completion_report, _needs_lock_evidence
    ),
    **{
        (source, Action.PUT_ON_HOLD): _to(OrderStatus.ON_HOLD, _needs_hold_until)
        for source in HOLDABLE_STATUSES
    },
    (OrderStatus.ON_HOLD, Action.RESUME): Rule(
        targets=HOLDABLE_STATUSES, guards=(_needs_valid_held_from,), choose=_held_from
    ),
    **{
        (source, Action.CANCEL): _to(OrderStatus.CANCELLED, _needs_reason)
        for source in OPEN_STATUSES
    },
}

# A row with several outcomes must say how to pick one; catch a bad edit at import time.
assert all((len(rule.targets) > 1) == (rule.choose is not None) for rule in TRANSITIONS.values())
assert not any(source in CLOSED_STATUSES for source, _ in TRANSITIONS)


# How each action reads in "a <status> order cannot <phrase>".
_ACTION_PHRASES: Mapping[Action, str] = {
    Action.PLACE: "be placed",
    Action.START_CONTACTING: "move to contacting",
    Action.SCHEDULE: "be scheduled",
    Action.CONFIRM: "be confirmed",
    Action.LOCK_APPOINTMENT: "have its appointment locked",
    Action.PRINT_LETTER: "have its booking letter printed",
    Action.RECORD_REPLY: "take a customer reply",
    Action.FOLLOW_UP_MANUALLY: "be moved to manual follow-up",
    Action.START: "be started",
    Action.COMPLETE: "be completed",
    Action.PUT_ON_HOLD: "be put on hold",
    Action.RESUME: "be resumed",
    Action.CANCEL: "be cancelled",
}


def allowed_actions(current: OrderStatus) -> frozenset[Action]:
    """The actions the table offers from ``current``, before any guard looks at the context."""
    return frozenset(action for source, action in TRANSITIONS if source is current)


def _not_allowed(current: OrderStatus, action: Action) -> TransitionRefused:
    label = current.value.replace("_", " ")
    article = "an" if label[0] in "aeiou" else "a"
    message = (
        f"This order is '{current.value}'; {article} {label} order cannot "
        f"{_ACTION_PHRASES[action]}."
    )
    if current in CLOSED_STATUSES:
        message += " Done and cancelled orders are closed; place a new order if needed."
    else:
        possible = ", ".join(sorted(a.value.replace("_", " ") for a in allowed_actions(current)))
        message += f" Possible now: {possible}."
    return TransitionRefused(message, code="transition_not_allowed")


def transition(current: OrderStatus, action: Action, ctx: TransitionContext) -> TransitionResult:
    """Move an order with ``action``, or raise :class:`TransitionRefused` saying why not."""
    rule = TRANSITIONS.get((current, action))
    if rule is None:
        raise _not_allowed(current, action)
    for guard in rule.guards:
        guard(ctx)
    if rule.choose is None:
        (target,) = rule.targets
    else:
        target = rule.choose(ctx)
        assert target in rule.targets
    overridden = action is Action.COMPLETE and _lacks_lock_evidence(ctx)
    return TransitionResult(status=target, lock_evidence_overridden=overridden)
