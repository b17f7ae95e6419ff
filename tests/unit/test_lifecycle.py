"""The order state machine on its own: the table, each guard, and closed orders staying closed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import product
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.errors import TransitionRefused
from server.orders.lifecycle import (
    KINDS_NEEDING_LOCK_EVIDENCE,
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    OrderKind,
    OrderStatus,
    TransitionContext,
    TransitionResult,
    allowed_actions,
    transition,
)

TODAY = date(2026, 3, 10)

# Written out by hand from DESIGN.md and the brief; deliberately not derived from the module.
# (status, action) -> status reached with a context that satisfies every guard (see PASSING).
EXPECTED: dict[tuple[str, str], str] = {
    ("draft", "place"): "ordered",
    ("ordered", "start_contacting"): "contacting",
    ("ordered", "schedule"): "scheduled",
    ("contacting", "schedule"): "scheduled",
    ("scheduled", "schedule"): "scheduled",
    ("manual_followup", "schedule"): "scheduled",
    ("ready_for_execution", "schedule"): "scheduled",  # rebooked (issue 16)
    ("scheduled", "confirm"): "ready_for_execution",
    ("manual_followup", "confirm"): "ready_for_execution",
    ("scheduled", "lock_appointment"): "ready_to_print",
    ("ready_to_print", "print_letter"): "awaiting_response",
    ("awaiting_response", "record_reply"): "ready_for_execution",
    ("awaiting_response", "follow_up_manually"): "manual_followup",
    ("ready_for_execution", "start"): "in_progress",
    ("in_progress", "complete"): "done",
    ("ordered", "put_on_hold"): "on_hold",
    ("contacting", "put_on_hold"): "on_hold",
    ("scheduled", "put_on_hold"): "on_hold",
    ("ready_to_print", "put_on_hold"): "on_hold",
    ("awaiting_response", "put_on_hold"): "on_hold",
    ("manual_followup", "put_on_hold"): "on_hold",
    ("ready_for_execution", "put_on_hold"): "on_hold",
    ("in_progress", "put_on_hold"): "on_hold",
    ("on_hold", "resume"): "contacting",
    ("draft", "cancel"): "cancelled",
    ("ordered", "cancel"): "cancelled",
    ("contacting", "cancel"): "cancelled",
    ("scheduled", "cancel"): "cancelled",
    ("ready_to_print", "cancel"): "cancelled",
    ("awaiting_response", "cancel"): "cancelled",
    ("manual_followup", "cancel"): "cancelled",
    ("ready_for_execution", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
    ("on_hold", "cancel"): "cancelled",
}

PASSING = TransitionContext(
    kind=OrderKind.SERVICE,
    today=TODAY,
    planned_start=datetime(2026, 3, 12, 10, 0),
    hold_until=TODAY,
    held_from=OrderStatus.CONTACTING,
    reply_text="OK",
    reason="The customer moved to a nursing home.",
    has_completion_report=True,
    has_verified_lock_report=True,
)

HOLDABLE = [
    "ordered",
    "contacting",
    "scheduled",
    "ready_to_print",
    "awaiting_response",
    "manual_followup",
    "ready_for_execution",
    "in_progress",
]


def ctx(**changes: Any) -> TransitionContext:
    return replace(PASSING, **changes)


@pytest.mark.parametrize(
    ("status", "action"),
    list(product(OrderStatus, Action)),
    ids=lambda v: v.value,
)
def test_every_status_action_pair(status: OrderStatus, action: Action) -> None:
    expected = EXPECTED.get((status.value, action.value))
    if expected is None:
        with pytest.raises(TransitionRefused) as refused:
            transition(status, action, PASSING)
        assert refused.value.code == "transition_not_allowed"
        assert f"This order is '{status.value}'" in refused.value.message
    else:
        assert transition(status, action, PASSING) == TransitionResult(OrderStatus(expected))


def test_table_and_allowed_actions_match_the_expected_table() -> None:
    assert {(s.value, a.value) for s, a in TRANSITIONS} == set(EXPECTED)
    for status in OrderStatus:
        expected = {a for s, a in EXPECTED if s == status.value}
        assert {a.value for a in allowed_actions(status)} == expected
    assert allowed_actions(OrderStatus.DONE) == frozenset()
    assert allowed_actions(OrderStatus.CANCELLED) == frozenset()


def test_open_statuses() -> None:
    assert {s.value for s in OPEN_STATUSES} == {
        "draft",
        "ordered",
        "contacting",
        "scheduled",
        "ready_to_print",
        "awaiting_response",
        "manual_followup",
        "ready_for_execution",
        "in_progress",
        "on_hold",
    }


def test_refusal_message_for_a_closed_order() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.DONE, Action.PUT_ON_HOLD, PASSING)
    assert refused.value.message.startswith(
        "This order is 'done'; a done order cannot be put on hold."
    )


def test_refusal_message_lists_what_is_possible() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.ORDERED, Action.START, PASSING)
    message = refused.value.message
    assert "an ordered order cannot be started" in message
    assert "schedule" in message and "start contacting" in message


# --- SCHEDULE --------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["ordered", "contacting", "scheduled", "manual_followup"])
def test_schedule_needs_planned_start(source: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus(source), Action.SCHEDULE, ctx(planned_start=None))
    assert refused.value.code == "planned_start_missing"
    assert "planned start" in refused.value.message
    assert transition(OrderStatus(source), Action.SCHEDULE, ctx()).status is OrderStatus.SCHEDULED


# --- PUT_ON_HOLD -----------------------------------------------------------------------------


def test_hold_needs_a_date() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.CONTACTING, Action.PUT_ON_HOLD, ctx(hold_until=None))
    assert refused.value.code == "hold_until_missing"


def test_hold_date_cannot_be_in_the_past() -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.CONTACTING, Action.PUT_ON_HOLD, ctx(hold_until=TODAY - timedelta(1)))
    assert refused.value.code == "hold_until_in_past"
    assert "2026-03-09" in refused.value.message


@pytest.mark.parametrize("until", [TODAY, TODAY + timedelta(days=1), date(2027, 1, 1)])
def test_hold_until_today_or_later(until: date) -> None:
    result = transition(OrderStatus.SCHEDULED, Action.PUT_ON_HOLD, ctx(hold_until=until))
    assert result.status is OrderStatus.ON_HOLD


def test_draft_and_held_orders_cannot_be_put_on_hold() -> None:
    for status in (OrderStatus.DRAFT, OrderStatus.ON_HOLD):
        with pytest.raises(TransitionRefused):
            transition(status, Action.PUT_ON_HOLD, PASSING)


# --- RESUME ----------------------------------------------------------------------------------


@pytest.mark.parametrize("held_from", HOLDABLE)
def test_resume_returns_to_held_from(held_from: str) -> None:
    result = transition(OrderStatus.ON_HOLD, Action.RESUME, ctx(held_from=OrderStatus(held_from)))
    assert result.status == OrderStatus(held_from)


@pytest.mark.parametrize("held_from", [None, "on_hold", "draft", "done", "cancelled"])
def test_resume_refuses_a_bad_held_from(held_from: str | None) -> None:
    status = OrderStatus(held_from) if held_from else None
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.ON_HOLD, Action.RESUME, ctx(held_from=status))
    assert refused.value.code == "held_from_invalid"


def test_hold_then_resume_round_trip() -> None:
    held = transition(OrderStatus.AWAITING_RESPONSE, Action.PUT_ON_HOLD, PASSING)
    back = transition(held.status, Action.RESUME, ctx(held_from=OrderStatus.AWAITING_RESPONSE))
    assert back.status is OrderStatus.AWAITING_RESPONSE


# --- CANCEL ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_cancel_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.DRAFT, Action.CANCEL, ctx(reason=reason))
    assert refused.value.code == "reason_missing"


def test_cancel_with_reason() -> None:
    result = transition(OrderStatus.ON_HOLD, Action.CANCEL, ctx(reason="Lock case fault"))
    assert result.status is OrderStatus.CANCELLED


# --- RECORD_REPLY (seed 002) -----------------------------------------------------------------


@pytest.mark.parametrize("reply", ["OK", "ok", " OK ", "OK\n", "Ok"])
def test_ok_reply_confirms(reply: str) -> None:
    result = transition(OrderStatus.AWAITING_RESPONSE, Action.RECORD_REPLY, ctx(reply_text=reply))
    assert result.status is OrderStatus.READY_FOR_EXECUTION


@pytest.mark.parametrize(
    "reply", ["Ok!!", "Det er greit", "KONTAKT", "OK takk", "O K", "", "   ", None]
)
def test_any_other_reply_goes_to_manual_followup(reply: str | None) -> None:
    result = transition(OrderStatus.AWAITING_RESPONSE, Action.RECORD_REPLY, ctx(reply_text=reply))
    assert result.status is OrderStatus.MANUAL_FOLLOWUP


def test_letter_path_end_to_end() -> None:
    status = OrderStatus.SCHEDULED
    for action in (Action.LOCK_APPOINTMENT, Action.PRINT_LETTER):
        status = transition(status, action, PASSING).status
    assert status is OrderStatus.AWAITING_RESPONSE
    status = transition(status, Action.RECORD_REPLY, ctx(reply_text="Ok!!")).status
    assert status is OrderStatus.MANUAL_FOLLOWUP
    # Seed 002: confirmed by phone ("Send til utførelse"), or a new time.
    assert transition(status, Action.CONFIRM, PASSING).status is OrderStatus.READY_FOR_EXECUTION
    assert transition(status, Action.SCHEDULE, PASSING).status is OrderStatus.SCHEDULED


# --- COMPLETE --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(OrderKind))
def test_complete_needs_a_completion_report(kind: OrderKind) -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(
            OrderStatus.IN_PROGRESS, Action.COMPLETE, ctx(kind=kind, has_completion_report=False)
        )
    assert refused.value.code == "completion_report_missing"


def test_kinds_needing_lock_evidence() -> None:
    assert {k.value for k in KINDS_NEEDING_LOCK_EVIDENCE} == {"installation", "service", "battery"}


@pytest.mark.parametrize("kind", ["installation", "service", "battery"])
@pytest.mark.parametrize("override", [None, "", "  "])
def test_complete_needs_lock_evidence_or_override(kind: str, override: str | None) -> None:
    context = ctx(kind=OrderKind(kind), has_verified_lock_report=False, override_reason=override)
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.IN_PROGRESS, Action.COMPLETE, context)
    assert refused.value.code == "lock_evidence_missing"
    assert "Connect the gateway to the lock, or give an override reason." in refused.value.message


@pytest.mark.parametrize("kind", ["installation", "service", "battery"])
def test_complete_with_override_is_flagged(kind: str) -> None:
    context = ctx(
        kind=OrderKind(kind),
        has_verified_lock_report=False,
        override_reason="Gateway broken; battery replaced and tested by hand.",
    )
    result = transition(OrderStatus.IN_PROGRESS, Action.COMPLETE, context)
    assert result == TransitionResult(OrderStatus.DONE, lock_evidence_overridden=True)


@pytest.mark.parametrize("kind", ["installation", "service", "battery"])
def test_complete_with_verified_report_is_not_flagged(kind: str) -> None:
    context = ctx(kind=OrderKind(kind), override_reason="not needed")
    result = transition(OrderStatus.IN_PROGRESS, Action.COMPLETE, context)
    assert result == TransitionResult(OrderStatus.DONE, lock_evidence_overridden=False)


@pytest.mark.parametrize("kind", ["removal", "inspection"])
def test_complete_without_lock_evidence_for_other_kinds(kind: str) -> None:
    context = ctx(kind=OrderKind(kind), has_verified_lock_report=False)
    result = transition(OrderStatus.IN_PROGRESS, Action.COMPLETE, context)
    assert result == TransitionResult(OrderStatus.DONE, lock_evidence_overridden=False)


def test_complete_report_is_checked_before_lock_evidence() -> None:
    context = ctx(has_completion_report=False, has_verified_lock_report=False)
    with pytest.raises(TransitionRefused) as refused:
        transition(OrderStatus.IN_PROGRESS, Action.COMPLETE, context)
    assert refused.value.code == "completion_report_missing"


def test_phone_path_end_to_end() -> None:
    status = OrderStatus.DRAFT
    for action in (
        Action.PLACE,
        Action.START_CONTACTING,
        Action.SCHEDULE,
        Action.CONFIRM,
        Action.START,
        Action.COMPLETE,
    ):
        status = transition(status, action, PASSING).status
    assert status is OrderStatus.DONE


# --- Property: closed orders stay closed -----------------------------------------------------

optional_text = st.none() | st.sampled_from(["", " ", "OK", "ok", "Ok!!", "KONTAKT", "moved"])
contexts = st.builds(
    TransitionContext,
    kind=st.sampled_from(OrderKind),
    today=st.just(TODAY),
    planned_start=st.none() | st.just(datetime(2026, 3, 12, 10, 0)),
    hold_until=st.none() | st.sampled_from([TODAY - timedelta(days=1), TODAY, date(2026, 4, 1)]),
    held_from=st.none() | st.sampled_from(OrderStatus),
    reply_text=optional_text,
    reason=optional_text,
    has_completion_report=st.booleans(),
    has_verified_lock_report=st.booleans(),
    override_reason=optional_text,
)


@settings(max_examples=300, deadline=None)
@given(
    start=st.sampled_from(OrderStatus),
    steps=st.lists(st.tuples(st.sampled_from(Action), contexts), max_size=40),
)
def test_random_sequences_never_leave_done_or_cancelled(
    start: OrderStatus, steps: list[tuple[Action, TransitionContext]]
) -> None:
    status = start
    for action, context in steps:
        closed = status in {OrderStatus.DONE, OrderStatus.CANCELLED}
        try:
            result = transition(status, action, context)
        except TransitionRefused:
            continue
        assert not closed, f"{status} left with {action}"
        assert action in allowed_actions(status)
        assert (status.value, action.value) in EXPECTED
        status = result.status
        if result.lock_evidence_overridden:
            assert status is OrderStatus.DONE
