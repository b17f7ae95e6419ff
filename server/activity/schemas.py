"""Wire types of the activity list."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec


class ActivityItem(msgspec.Struct, kw_only=True):
    id: UUID
    reference: str
    kind: str
    status: str
    customer_name: str
    ordering_organisation_id: UUID
    performing_organisation_id: UUID | None
    assigned_fitter_id: UUID | None
    ordered_at: datetime
    due_on: date | None
    escalation_level: int
    overdue: bool
    at_risk: bool
    report_deadline: date | None
    report_late: bool
    # Forwarded to you to act on by this date (the earliest, if several), not done yet.
    forwarded_done_by: date | None = None
    # What to do next (server.activity.next_step.NextStep): the app words it.
    next_step: str = "none"
    # Working days since the last call attempt (or since it was placed), while the order
    # still seeks contact; null otherwise.
    days_without_call: int | None = None


class ClosedInShift(msgspec.Struct, kw_only=True):
    shift: str
    closed: int


class ClosedPerPerson(msgspec.Struct, kw_only=True):
    user_id: UUID | None
    name: str
    closed: int
    # Per shift of LOCKWORK_SHIFTS, in its order (a closing between shifts is in `closed`
    # only).
    per_shift: list[ClosedInShift] = msgspec.field(default_factory=list)
