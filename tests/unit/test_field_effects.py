"""What each action writes on the order besides its status, pinned: the table, and the values
it gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from server.calendar.working_days import WorkingDayCalendar
from server.orders.field_effects import (
    FIELD_EFFECTS,
    LOGGED_FIELDS,
    EffectInputs,
    field_values,
    logged_changes,
)
from server.orders.lifecycle import Action, OrderStatus

# Written out by hand from DESIGN.md and the order service as it was; deliberately not derived
# from the module. action -> {field: where its new value comes from}
EXPECTED: dict[str, dict[str, str]] = {
    "place": {
        "ordered_at": "now",
        "due_on": "due_date",
        "escalation_check_on": "escalation_check_date",
    },
    "schedule": {"planned_start": "given", "estimate_minutes": "given"},
    "put_on_hold": {"hold_until": "given", "held_from": "current_status"},
    "resume": {"hold_until": "cleared", "held_from": "cleared"},
    "start": {"visit_on": "today", "report_deadline": "report_deadline"},
    "cancel": {"cancel_reason": "reason"},
    "complete": {
        "completed_at": "now",
        "visit_on": "visit_day",
        "report_deadline": "report_deadline",
    },
}
EXPECTED_LOGGED: dict[str, tuple[str, ...]] = {
    "schedule": ("planned_start", "estimate_minutes"),
    "put_on_hold": ("hold_until",),
}

SE = WorkingDayCalendar("SE")
NOW = datetime(2026, 6, 18, 9, 30, tzinfo=UTC)  # Thursday before Midsummer Eve
TODAY = date(2026, 6, 18)


def test_the_table_is_exactly_the_expected_one() -> None:
    actual = {
        action.value: {name: value.value for name, value in effects.items()}
        for action, effects in FIELD_EFFECTS.items()
    }
    assert actual == EXPECTED
    assert {a.value: names for a, names in LOGGED_FIELDS.items()} == EXPECTED_LOGGED


def test_actions_outside_the_table_change_only_the_status() -> None:
    inputs = EffectInputs(now=NOW, today=TODAY, current=OrderStatus.SCHEDULED)
    for action in Action:
        if action.value not in EXPECTED:
            assert field_values(action, inputs, SE) == {}
            assert logged_changes(action, {}) == {}


def _values(action: Action, **given: Any) -> dict[str, Any]:
    inputs = EffectInputs(now=NOW, today=TODAY, current=OrderStatus.CONTACTING, **given)
    return field_values(action, inputs, SE)


def test_the_values() -> None:
    # Placed on Thursday 18 June 2026: Midsummer Eve (19th) is no working day in Sweden.
    assert _values(Action.PLACE) == {
        "ordered_at": NOW,
        "due_on": date(2026, 6, 26),
        "escalation_check_on": date(2026, 6, 24),
    }
    start = datetime(2026, 6, 22, 8, 0, tzinfo=UTC)
    scheduled = _values(Action.SCHEDULE, planned_start=start, estimate_minutes=45)
    assert scheduled == {"planned_start": start, "estimate_minutes": 45}
    assert logged_changes(Action.SCHEDULE, scheduled) == {
        "planned_start": start.isoformat(),
        "estimate_minutes": 45,
    }
    held = _values(Action.PUT_ON_HOLD, hold_until=date(2026, 7, 1))
    assert held == {"hold_until": date(2026, 7, 1), "held_from": "contacting"}
    assert logged_changes(Action.PUT_ON_HOLD, held) == {"hold_until": "2026-07-01"}
    assert _values(Action.RESUME) == {"hold_until": None, "held_from": None}
    assert _values(Action.START) == {
        "visit_on": TODAY,
        "report_deadline": date(2026, 6, 22),  # the next working day after Midsummer
    }
    assert _values(Action.CANCEL) == {"cancel_reason": ""}
    assert _values(Action.CANCEL, reason="Moved") == {"cancel_reason": "Moved"}
    assert _values(Action.COMPLETE, visit_day=date(2026, 6, 17)) == {
        "completed_at": NOW,
        "visit_on": date(2026, 6, 17),
        "report_deadline": TODAY,
    }
