"""Work orders, contact attempts, completion reports and the audit trail (order events)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Organisation, User
from server.customers.tables import Customer
from server.locks.tables import Lock


class WorkOrder(Table):
    id = UUID(primary_key=True)
    reference = Varchar(length=16, unique=True, help_text="Short reference people can read out.")
    kind = Varchar(length=20, help_text="installation | service | battery | removal | inspection")
    status = Varchar(length=24, index=True)
    held_from = Varchar(length=24, null=True, default=None, help_text="Status before on_hold.")
    customer = ForeignKey(Customer, null=False)
    lock = ForeignKey(Lock, null=True, default=None)
    ordering_organisation = ForeignKey(Organisation, null=False)
    ordered_by = ForeignKey(User, null=False)
    performing_organisation = ForeignKey(Organisation, null=True, default=None)
    feedback_name = Varchar(length=200, default="")
    feedback_email = Varchar(length=254, default="")
    feedback_phone = Varchar(length=40, default="")
    customer_best_times = Text(default="")
    provider_best_times = Text(default="")
    checklist = JSON(default={})
    description = Text(default="", help_text="Seed 000 'Övrigt': what does not work, in detail.")
    assigned_fitter = ForeignKey(User, null=True, default=None)
    planned_start = Timestamptz(null=True, default=None)
    estimate_minutes = Integer(null=True, default=None)
    ordered_at = Timestamptz(null=True, default=None)
    due_on = Date(null=True, default=None)
    escalation_check_on = Date(null=True, default=None)
    escalation_level = Integer(default=0)
    hold_until = Date(null=True, default=None)
    visit_on = Date(null=True, default=None)
    report_deadline = Date(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(default="")
    # Seed 002's letter path (server.booking). The code is unique among orders through the
    # index work_order_booking_code_key (SQLite cannot add a UNIQUE column to a table).
    booking_code = Varchar(
        length=9,
        null=True,
        default=None,
        help_text="The live booking code (server.booking.codes), made when the time is locked; "
        "printed in the letter and shown on the fitter's phone.",
    )
    booking_channel = Varchar(length=10, default="", help_text="letter | sms, once locked.")
    booking_sent_at = Timestamptz(
        null=True,
        default=None,
        help_text="When the letter was made or the booking SMS queued: the reminder counts "
        "from here.",
    )
    booking_reply = Text(default="", help_text="The resident's last answer, exactly as written.")
    # Where the order came from (issue 13): checklist (home-care staff, seed 000), fault_report
    # (a case triaged by a planner), recurring (a schedule) or automatic (a battery rule).
    origin = Varchar(length=20, default="checklist")
    origin_ref = Text(
        default="",
        help_text="What made it: the case number, the schedule and period, or the reading.",
    )
    # Issue 13: a group's queue instead of one fitter, and the rule that placed the order.
    assigned_group = UUID(
        null=True, default=None, help_text="The fitter group whose queue holds the order."
    )
    assignment_rule = Varchar(
        length=200, default="", help_text="The assignment rule that placed it ('' by hand)."
    )
    version = Integer(default=1, help_text="Grows by one with every change; optimistic locking.")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ContactAttempt(Table):
    id = UUID(primary_key=True)
    order = ForeignKey(WorkOrder, null=False)
    at = Timestamptz()
    made_by = ForeignKey(User, null=False)
    to_whom = Varchar(length=20, help_text="customer | relative | provider | other")
    contact_name = Varchar(length=200, default="")
    phone = Varchar(length=40, default="")
    outcome = Varchar(length=20, help_text="reached | no_answer | busy | wrong_number | voicemail")
    note = Text(default="")
    device = Varchar(length=100, default="")


class OrderPhoto(Table):
    """A photo the fitter took for the order (issue 16: with a completion closed without the
    lock's evidence). Stored as re-encoded JPEG without metadata (server.orders.photos)."""

    id = UUID(primary_key=True)
    order = ForeignKey(WorkOrder, null=False, index=True)
    taken_by = ForeignKey(User, null=False)
    at = Timestamptz()
    purpose = Varchar(length=40, help_text="evidence_override")
    width = Integer()
    height = Integer()
    size_bytes = Integer()
    jpeg = Bytea()
    device = Varchar(length=100, default="")


class CompletionReport(Table):
    id = UUID(primary_key=True)
    order = ForeignKey(WorkOrder, null=False, unique=True)
    reported_by = ForeignKey(User, null=False)
    reported_at = Timestamptz()
    visit_on = Date()
    work_done = Text()
    battery_replaced = Boolean(default=False)
    lock_replaced = Boolean(default=False)
    materials = JSON(default=[])
    minutes_spent = Integer()
    late = Boolean(default=False, help_text="Filed after the first working day after the visit.")
    lock_evidence_overridden = Boolean(default=False)
    override_reason = Text(default="")


class OrderEvent(Table):
    """The audit trail: every change to an order, by whom, when and from which device."""

    id = UUID(primary_key=True)
    order = ForeignKey(WorkOrder, null=False, index=True)
    at = Timestamptz()
    actor = ForeignKey(User, null=True, default=None)
    actor_name = Varchar(length=200, default="", help_text="'system' for background jobs.")
    device = Varchar(length=100, default="")
    action = Varchar(length=40)
    from_status = Varchar(length=24, null=True, default=None)
    to_status = Varchar(length=24, null=True, default=None)
    changes = JSON(default={})
    flagged = Boolean(default=False, help_text="Needs attention in the audit, e.g. an override.")
    note = Text(default="")


class OrderMessage(Table):
    """A message on an order: the dialogue between home-care staff, planner and fitter."""

    id = UUID(primary_key=True)
    order = ForeignKey(WorkOrder, null=False, index=True)
    author = ForeignKey(User, null=False)
    author_name = Varchar(length=200, default="")
    body = Text()
    at = Timestamptz()
    device = Varchar(length=100, default="")


class OrderForward(Table):
    """An order handed to a colleague to act on by a date (seed 001: "ta ärendet vidare",
    "Klar till"): it shows on their activity list until one of them marks it done."""

    id = UUID(primary_key=True)
    order = ForeignKey(WorkOrder, null=False, index=True)
    from_user = ForeignKey(User, null=False)
    to_user = ForeignKey(User, null=False, index=True)
    done_by = Date(help_text="The date it should be done by (seed 001: 'Klar till').")
    note = Text(default="", help_text="What the colleague is asked to do.")
    created_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None, index=True)
    done_by_user = ForeignKey(User, null=True, default=None, help_text="Who marked it done.")
