"""What each action writes on the order besides its status (pure: no I/O and no clock).

One table beside the life cycle's (``server.orders.lifecycle.TRANSITIONS``): for each action,
the order fields it sets or clears and where each new value comes from. ``OrderService``
applies it when an order moves (and when an order is created already placed); an action not in
the table changes the status alone. What the action's ``OrderEvent`` records of the new values
is the second table, ``LOGGED_FIELDS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from server.calendar.working_days import WorkingDayCalendar
from server.orders import sla
from server.orders.lifecycle import Action, OrderStatus


class Value(StrEnum):
    """Where a field's new value comes from."""

    GIVEN = "given"  # the request's field of the same name (see ``EffectInputs``)
    CURRENT_STATUS = "current_status"  # the status the order leaves
    CLEARED = "cleared"  # None
    REASON = "reason"  # the request's reason; "" when none
    NOW = "now"
    TODAY = "today"
    DUE_DATE = "due_date"  # ordered today + 5 working days (sla.due_date)
    ESCALATION_CHECK_DATE = "escalation_check_date"  # sla.escalation_check_date from today
    VISIT_DAY = "visit_day"  # the visit day the completion report gives (checked by the caller)
    # The first working day after the visit_on set by the same action (sla, seed 000 step 4).
    REPORT_DEADLINE = "report_deadline"


FIELD_EFFECTS: Final[Mapping[Action, Mapping[str, Value]]] = {
    # Placing starts the SLA clock (seed 000, step 3).
    Action.PLACE: {
        "ordered_at": Value.NOW,
        "due_on": Value.DUE_DATE,
        "escalation_check_on": Value.ESCALATION_CHECK_DATE,
    },
    Action.SCHEDULE: {"planned_start": Value.GIVEN, "estimate_minutes": Value.GIVEN},
    # The hold remembers the status to resume to.
    Action.PUT_ON_HOLD: {"hold_until": Value.GIVEN, "held_from": Value.CURRENT_STATUS},
    Action.RESUME: {"hold_until": Value.CLEARED, "held_from": Value.CLEARED},
    # The visit is today until the completion report says otherwise.
    Action.START: {"visit_on": Value.TODAY, "report_deadline": Value.REPORT_DEADLINE},
    Action.CANCEL: {"cancel_reason": Value.REASON},
    Action.COMPLETE: {
        "completed_at": Value.NOW,
        "visit_on": Value.VISIT_DAY,
        "report_deadline": Value.REPORT_DEADLINE,
    },
}

# The fields whose new values the action's OrderEvent records (dates as ISO text).
LOGGED_FIELDS: Final[Mapping[Action, tuple[str, ...]]] = {
    Action.SCHEDULE: ("planned_start", "estimate_minutes"),
    Action.PUT_ON_HOLD: ("hold_until",),
}


@dataclass(frozen=True, kw_only=True)
class EffectInputs:
    """What the values may come from; the request's fields are named as the order's."""

    now: datetime
    today: date
    current: OrderStatus
    planned_start: datetime | None = None
    estimate_minutes: int | None = None
    hold_until: date | None = None
    reason: str | None = None
    visit_day: date | None = None


_GIVEN_FIELDS: Final = frozenset(f.name for f in fields(EffectInputs))

# Catch a bad edit at import time: a given value must exist, a report deadline follows the
# visit day it is counted from, and only fields the action sets are logged.
for _effects in FIELD_EFFECTS.values():
    _names = list(_effects)
    for _name, _value in _effects.items():
        assert _value is not Value.GIVEN or _name in _GIVEN_FIELDS, _name
        assert _value is not Value.REPORT_DEADLINE or "visit_on" in _names[: _names.index(_name)]
assert all(set(names) <= set(FIELD_EFFECTS[a]) for a, names in LOGGED_FIELDS.items())


def _resolve(
    value: Value, name: str, inputs: EffectInputs, cal: WorkingDayCalendar, done: dict[str, Any]
) -> Any:
    if value is Value.GIVEN:
        return getattr(inputs, name)
    if value is Value.CURRENT_STATUS:
        return inputs.current.value
    if value is Value.CLEARED:
        return None
    if value is Value.REASON:
        return inputs.reason or ""
    if value is Value.NOW:
        return inputs.now
    if value is Value.TODAY:
        return inputs.today
    if value is Value.DUE_DATE:
        return sla.due_date(cal, inputs.today)
    if value is Value.ESCALATION_CHECK_DATE:
        return sla.escalation_check_date(cal, inputs.today)
    if value is Value.VISIT_DAY:
        assert inputs.visit_day is not None, "completing needs the visit day"
        return inputs.visit_day
    assert value is Value.REPORT_DEADLINE
    return sla.completion_report_deadline(cal, done["visit_on"])


def field_values(action: Action, inputs: EffectInputs, cal: WorkingDayCalendar) -> dict[str, Any]:
    """The order's fields ``action`` sets, by name, with their new values."""
    values: dict[str, Any] = {}
    for name, value in FIELD_EFFECTS.get(action, {}).items():
        values[name] = _resolve(value, name, inputs, cal, values)
    return values


def _logged(value: Any) -> Any:
    # A datetime is a date too.
    return value.isoformat() if isinstance(value, date) else value


def logged_changes(action: Action, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the action's OrderEvent records of the values ``field_values`` gave."""
    return {name: _logged(values[name]) for name in LOGGED_FIELDS.get(action, ())}
