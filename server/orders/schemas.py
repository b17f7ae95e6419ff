"""Wire types of the orders area."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.accounts.schemas import Email, Phone
from server.wire import Bounded, Day, Instant

KindName = Literal["installation", "service", "battery", "removal", "inspection"]
ActionName = Literal[
    "place",
    "start_contacting",
    "schedule",
    "confirm",
    "lock_appointment",
    "print_letter",
    "record_reply",
    "follow_up_manually",
    "start",
    "complete",
    "put_on_hold",
    "resume",
    "cancel",
]
Text2000 = Annotated[str, msgspec.Meta(max_length=2000)]
Text500 = Annotated[str, msgspec.Meta(max_length=500)]
AnswerKey = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
AnswerValue = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]


class OrderIn(msgspec.Struct, kw_only=True):
    kind: KindName
    customer_id: UUID
    lock_id: UUID | None = None
    checklist: Annotated[dict[AnswerKey, AnswerValue], msgspec.Meta(max_length=20)] = {}
    description: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    customer_best_times: Text500 = ""
    provider_best_times: Text500 = ""
    feedback_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    feedback_email: Email = ""
    feedback_phone: Phone = ""
    draft: bool = False


class MaterialIn(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1


class CompletionIn(Bounded, kw_only=True):
    work_done: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    minutes_spent: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)]
    battery_replaced: bool = False
    lock_replaced: bool = False
    materials: Annotated[list[MaterialIn], msgspec.Meta(max_length=50)] = []
    visit_on: Day | None = None


class TransitionIn(Bounded, kw_only=True):
    action: ActionName
    expected_version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    planned_start: Instant | None = None
    estimate_minutes: Annotated[int, msgspec.Meta(ge=5, le=24 * 60)] | None = None
    hold_until: Day | None = None
    reply_text: Text500 | None = None
    reason: Text2000 | None = None
    completion: CompletionIn | None = None
    override_reason: Text2000 | None = None
    # put_on_hold only (seed 002): the order also leaves its fitter and, when the hold ends,
    # comes back to the planner's queue unassigned. The planner's (or an admin's) to ask.
    unassign: bool = False


class ContactAttemptIn(Bounded, kw_only=True):
    to_whom: Literal["customer", "relative", "provider", "other"]
    outcome: Literal["reached", "no_answer", "busy", "wrong_number", "voicemail"]
    contact_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    phone: Phone = ""
    note: Text2000 = ""
    at: Instant | None = None


class PhotoOut(msgspec.Struct, kw_only=True):
    """A photo's facts; its JPEG is at ``GET /api/orders/{order_id}/photos/{id}``."""

    id: UUID
    order_id: UUID
    taken_by_id: UUID
    at: datetime
    purpose: str
    width: int
    height: int
    size_bytes: int


class ContactAttemptOut(msgspec.Struct, kw_only=True):
    id: UUID
    order_id: UUID
    at: datetime
    made_by_id: UUID
    to_whom: str
    contact_name: str
    phone: str
    outcome: str
    note: str


class AssignmentIn(Bounded, kw_only=True):
    fitter_id: UUID | None
    expected_version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    # The planner's board: assign and plan in one step (the schedule action in the same
    # transaction), so a refused plan leaves the order as it was, not assigned without a time.
    planned_start: Instant | None = None
    estimate_minutes: Annotated[int, msgspec.Meta(ge=5, le=24 * 60)] | None = None


class OrderEventOut(msgspec.Struct, kw_only=True):
    id: UUID
    order_id: UUID
    at: datetime
    actor_id: UUID | None
    actor_name: str
    device: str
    action: str
    from_status: str | None
    to_status: str | None
    changes: dict[str, object]
    flagged: bool
    note: str


class CompletionOut(msgspec.Struct, kw_only=True):
    reported_by_id: UUID
    reported_at: datetime
    visit_on: date
    work_done: str
    battery_replaced: bool
    lock_replaced: bool
    materials: list[dict[str, object]]
    minutes_spent: int
    late: bool
    lock_evidence_overridden: bool
    override_reason: str


class OrderOut(msgspec.Struct, kw_only=True):
    id: UUID
    reference: str
    kind: str
    status: str
    held_from: str | None
    customer_id: UUID
    customer_name: str
    customer_address: str
    lock_id: UUID | None
    ordering_organisation_id: UUID
    ordered_by_id: UUID
    performing_organisation_id: UUID | None
    feedback_name: str
    feedback_email: str
    feedback_phone: str
    customer_best_times: str
    provider_best_times: str
    checklist: dict[str, str]
    description: str
    assigned_fitter_id: UUID | None
    planned_start: datetime | None
    estimate_minutes: int | None
    ordered_at: datetime | None
    due_on: date | None
    escalation_check_on: date | None
    escalation_level: int
    hold_until: date | None
    visit_on: date | None
    report_deadline: date | None
    completed_at: datetime | None
    cancel_reason: str
    overdue: bool
    version: int
    allowed_actions: list[str]
    completion: CompletionOut | None = None
    # Who is coming, for home-care staff and the planner (None while unassigned).
    assigned_fitter_name: str | None = None
    # Due today or on the next working day, not done yet.
    at_risk: bool = False
    # The completion report was filed (or is still missing) after its deadline.
    report_late: bool = False
    # Seed 002: the code in the resident's booking letter, printed form (K7Q-HM3-XPR); the
    # fitter shows it at the door. None until the appointment is locked.
    booking_code: str | None = None
    # How the booking goes out once locked: letter | sms (None before).
    booking_channel: str | None = None
    # Issue 13: where it came from (checklist | fault_report | recurring | automatic) and what
    # made it; the group queue it waits in; the assignment rule that placed it ('' by hand).
    origin: str = "checklist"
    origin_ref: str = ""
    assigned_group_id: UUID | None = None
    assignment_rule: str = ""


class NextCallOut(msgspec.Struct, kw_only=True):
    """The routine of seed 000 step 3 applied to this order's contact attempts."""

    needed: bool  # False once contact was made or the order no longer seeks contact
    at: datetime | None
    window: str | None  # morning | midday | afternoon
    attempts: int
    missed_days: list[date]  # working days since ordering with no attempt


class MessageIn(msgspec.Struct, kw_only=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class MessageOut(msgspec.Struct, kw_only=True):
    id: UUID
    order_id: UUID
    author_id: UUID
    author_name: str
    body: str
    at: datetime


class CalendarFeedOut(msgspec.Struct, kw_only=True):
    """A fitter's new calendar feed: the address to subscribe to, shown once."""

    url: str
    secret: str


class ForwardIn(Bounded, kw_only=True):
    """Hand the order to a colleague of your organisation to act on by ``done_by`` (seed 001:
    "ta ärendet vidare", "Klar till")."""

    to_user_id: UUID
    done_by: Day
    note: Text2000 = ""


class ForwardOut(msgspec.Struct, kw_only=True):
    id: UUID
    order_id: UUID
    from_user_id: UUID
    to_user_id: UUID
    done_by: date
    note: str
    created_at: datetime
    done_at: datetime | None
    done_by_user_id: UUID | None
