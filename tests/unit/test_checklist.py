"""The pre-order checklist of seed 000: answers accepted, missing, unknown and refusing."""

from __future__ import annotations

import pytest

from server.errors import ChecklistRefused
from server.orders.checklist import (
    CHECKLIST,
    ChecklistAnswerRefused,
    checklist_required,
    validate_checklist,
)
from server.orders.lifecycle import OrderKind

SERVICE = OrderKind.SERVICE
BATTERY = OrderKind.BATTERY

GOOD = {
    "door_handled_like_metal_key": "yes",
    "battery_checked": "replaced",
    "lock_woken": "woken",
    "linked_correctly_in_care_system": "yes",
    "fault_location": "lock_unit",
}
KEYS = list(GOOD)


def refused(kind: OrderKind, answers: dict[str, str]) -> ChecklistAnswerRefused:
    with pytest.raises(ChecklistAnswerRefused) as caught:
        validate_checklist(kind, answers)
    assert isinstance(caught.value, ChecklistRefused)
    assert caught.value.message_sv
    return caught.value


def test_the_five_questions_of_seed_000() -> None:
    assert [q.key for q in CHECKLIST] == KEYS
    assert {q.key: set(q.allowed) for q in CHECKLIST} == {
        "door_handled_like_metal_key": {"yes", "no"},
        "battery_checked": {"replaced", "not_needed", "needs_replacement"},
        "lock_woken": {"woken", "was_entrance_lock", "not_woken"},
        "linked_correctly_in_care_system": {"yes", "no"},
        "fault_location": {"lock_unit", "lock_case", "unknown"},
    }
    for question in CHECKLIST:
        assert question.text_sv and question.text_en
        for refusal in question.refusals:
            assert refusal.answer in question.allowed
            assert refusal.explanation_sv and refusal.explanation_en


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"battery_checked": "not_needed"},
        {"fault_location": "unknown"},
    ],
)
def test_valid_service_answers_are_accepted(changes: dict[str, str]) -> None:
    answers = {**GOOD, **changes}
    assert validate_checklist(SERVICE, answers) == answers


def test_answers_are_normalised_and_ordered() -> None:
    messy = {" Fault_Location ": "Lock_Unit ", **{k: f"  {v.upper()}" for k, v in GOOD.items()}}
    del messy["fault_location"]
    result = validate_checklist(SERVICE, messy)
    assert result == GOOD
    assert list(result) == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_each_missing_question(key: str) -> None:
    answers = {k: v for k, v in GOOD.items() if k != key}
    error = refused(SERVICE, answers)
    assert error.code == "checklist_incomplete"
    assert error.field == key
    assert key in error.message and key in error.message_sv


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_answer_counts_as_missing(blank: str) -> None:
    error = refused(SERVICE, {**GOOD, "lock_woken": blank})
    assert error.code == "checklist_incomplete"
    assert error.field == "lock_woken"


def test_nothing_answered_names_every_question() -> None:
    error = refused(BATTERY, {})
    assert error.field == "door_handled_like_metal_key"
    for key in KEYS:
        assert key in error.message


def test_unknown_question() -> None:
    error = refused(SERVICE, {**GOOD, "door_colour": "red"})
    assert error.code == "checklist_unknown_question"
    assert error.field == "door_colour"
    for key in KEYS:
        assert key in error.message


@pytest.mark.parametrize("key", KEYS)
def test_unknown_answer_lists_the_allowed_answers(key: str) -> None:
    error = refused(SERVICE, {**GOOD, key: "maybe"})
    assert error.code == "checklist_invalid_answer"
    assert error.field == key
    assert "'maybe'" in error.message
    question = next(q for q in CHECKLIST if q.key == key)
    for allowed in question.allowed:
        assert f"'{allowed}'" in error.message


@pytest.mark.parametrize(
    ("key", "answer", "code", "english", "swedish"),
    [
        (
            "door_handled_like_metal_key",
            "no",
            "checklist_refused",
            "as you would with a metal key",
            "plåtnyckel",
        ),
        (
            "battery_checked",
            "needs_replacement",
            "battery_order_needed",
            "order a battery change instead",
            "beställ ett batteribyte",
        ),
        (
            "lock_woken",
            "was_entrance_lock",
            "checklist_refused",
            "entrance lock",
            "portlåset",
        ),
        ("lock_woken", "not_woken", "checklist_refused", "Wake the lock first", "Väck låset"),
        (
            "linked_correctly_in_care_system",
            "no",
            "checklist_refused",
            "fix the linking in the care system",
            "vårdsystemet",
        ),
        (
            "fault_location",
            "lock_case",
            "lock_case_customer_responsibility",
            "customer's own responsibility",
            "ansvarar kunden själv",
        ),
    ],
)
def test_each_refusing_answer_for_a_service_order(
    key: str, answer: str, code: str, english: str, swedish: str
) -> None:
    error = refused(SERVICE, {**GOOD, key: answer})
    assert error.field == key
    assert error.code == code
    assert english in error.message
    assert swedish in error.message_sv
    assert str(error) == error.message


def test_lock_case_refusal_explains_the_customers_responsibility() -> None:
    error = refused(SERVICE, {**GOOD, "fault_location": "lock_case"})
    assert "lock case" in error.message
    assert "inside the door" in error.message
    assert "no order is placed" in error.message
    assert "låskistan" in error.message_sv.lower()


def test_lock_case_wins_over_other_refusals() -> None:
    answers = {**GOOD, "door_handled_like_metal_key": "no", "fault_location": "lock_case"}
    assert refused(SERVICE, answers).field == "fault_location"


def test_battery_hint_comes_before_not_woken() -> None:
    # A flat battery is a likely reason the lock did not wake; point at the battery order.
    answers = {**GOOD, "battery_checked": "needs_replacement", "lock_woken": "not_woken"}
    assert refused(SERVICE, answers).code == "battery_order_needed"


@pytest.mark.parametrize("battery", ["needs_replacement", "replaced", "not_needed"])
def test_battery_order_only_needs_all_answered(battery: str) -> None:
    answers = {
        "door_handled_like_metal_key": "no",
        "battery_checked": battery,
        "lock_woken": "not_woken",
        "linked_correctly_in_care_system": "no",
        "fault_location": "unknown",
    }
    assert validate_checklist(BATTERY, answers) == answers


def test_battery_order_still_refuses_the_lock_case() -> None:
    answers = {**GOOD, "battery_checked": "needs_replacement", "fault_location": "lock_case"}
    assert refused(BATTERY, answers).code == "lock_case_customer_responsibility"


@pytest.mark.parametrize("kind", ["service", "battery"])
def test_kinds_with_checklist(kind: str) -> None:
    assert checklist_required(OrderKind(kind))


@pytest.mark.parametrize("kind", ["installation", "removal", "inspection"])
def test_kinds_without_checklist(kind: str) -> None:
    assert not checklist_required(OrderKind(kind))
    assert validate_checklist(OrderKind(kind), {}) == {}
    assert validate_checklist(OrderKind(kind), {"fault_location": "lock_case"}) == {}
