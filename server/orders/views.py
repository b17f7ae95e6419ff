"""Wire encoders of the orders area: rows as the API and the sync protocol show them."""

from __future__ import annotations

from typing import Any

from server.accounts.permissions import Principal
from server.booking import codes
from server.orders import flags
from server.orders.schemas import (
    CompletionOut,
    ContactAttemptOut,
    ForwardOut,
    MessageOut,
    NextCallOut,
    OrderEventOut,
    OrderOut,
)
from server.orders.service import NextCall, OrderService


def completion_out(row: dict[str, Any] | None) -> CompletionOut | None:
    if row is None:
        return None
    return CompletionOut(
        reported_by_id=row["reported_by"],
        reported_at=row["reported_at"],
        visit_on=row["visit_on"],
        work_done=row["work_done"],
        battery_replaced=row["battery_replaced"],
        lock_replaced=row["lock_replaced"],
        materials=list(row["materials"]),
        minutes_spent=row["minutes_spent"],
        late=row["late"],
        lock_evidence_overridden=row["lock_evidence_overridden"],
        override_reason=row["override_reason"],
    )


def order_out(
    service: OrderService,
    principal: Principal,
    row: dict[str, Any],
    completion: dict[str, Any] | None = None,
) -> OrderOut:
    address = ", ".join(p for p in (row["customer_street"], row["customer_city"]) if p)
    return OrderOut(
        id=row["id"],
        reference=row["reference"],
        kind=row["kind"],
        status=row["status"],
        held_from=row["held_from"],
        customer_id=row["customer"],
        customer_name=row["customer_name"],
        customer_address=address,
        lock_id=row["lock"],
        ordering_organisation_id=row["ordering_organisation"],
        ordered_by_id=row["ordered_by"],
        performing_organisation_id=row["performing_organisation"],
        feedback_name=row["feedback_name"],
        feedback_email=row["feedback_email"],
        feedback_phone=row["feedback_phone"],
        customer_best_times=row["customer_best_times"],
        provider_best_times=row["provider_best_times"],
        checklist=dict(row["checklist"] or {}),
        description=row["description"],
        assigned_fitter_id=row["assigned_fitter"],
        assigned_fitter_name=row.get("assigned_fitter_name"),
        planned_start=row["planned_start"],
        estimate_minutes=row["estimate_minutes"],
        ordered_at=row["ordered_at"],
        due_on=row["due_on"],
        escalation_check_on=row["escalation_check_on"],
        escalation_level=row["escalation_level"],
        hold_until=row["hold_until"],
        visit_on=row["visit_on"],
        report_deadline=row["report_deadline"],
        completed_at=row["completed_at"],
        cancel_reason=row["cancel_reason"],
        overdue=service.is_overdue(row),
        at_risk=flags.is_at_risk(row, service.s.clock.today(), service.s.calendar),
        report_late=flags.is_report_late(row, service.s.clock.today()),
        version=row["version"],
        allowed_actions=service.allowed_for(principal, row),
        completion=completion_out(completion),
        booking_code=codes.format_code(row["booking_code"]) if row.get("booking_code") else None,
        booking_channel=row.get("booking_channel") or None,
        origin=row.get("origin") or "checklist",
        origin_ref=row.get("origin_ref") or "",
        assigned_group_id=row.get("assigned_group"),
        assignment_rule=row.get("assignment_rule") or "",
    )


def contact_attempt_out(r: dict[str, Any]) -> ContactAttemptOut:
    return ContactAttemptOut(
        id=r["id"],
        order_id=r["order"],
        at=r["at"],
        made_by_id=r["made_by"],
        to_whom=r["to_whom"],
        contact_name=r["contact_name"],
        phone=r["phone"],
        outcome=r["outcome"],
        note=r["note"],
    )


def message_out(r: dict[str, Any]) -> MessageOut:
    return MessageOut(
        id=r["id"],
        order_id=r["order"],
        author_id=r["author"],
        author_name=r["author_name"],
        body=r["body"],
        at=r["at"],
    )


def order_event_out(r: dict[str, Any]) -> OrderEventOut:
    return OrderEventOut(
        id=r["id"],
        order_id=r["order"],
        at=r["at"],
        actor_id=r["actor"],
        actor_name=r["actor_name"],
        device=r["device"],
        action=r["action"],
        from_status=r["from_status"],
        to_status=r["to_status"],
        changes=dict(r["changes"] or {}),
        flagged=r["flagged"],
        note=r["note"],
    )


def next_call_out(plan: NextCall) -> NextCallOut:
    s = plan.suggestion
    if s is None:
        return NextCallOut(
            needed=False, at=None, window=None, attempts=plan.attempts, missed_days=[]
        )
    return NextCallOut(
        needed=True,
        at=s.at,
        window=s.window,
        attempts=plan.attempts,
        missed_days=list(s.missed_days),
    )


def forward_out(row: dict[str, Any]) -> ForwardOut:
    return ForwardOut(
        id=row["id"],
        order_id=row["order"],
        from_user_id=row["from_user"],
        to_user_id=row["to_user"],
        done_by=row["done_by"],
        note=row["note"],
        created_at=row["created_at"],
        done_at=row["done_at"],
        done_by_user_id=row["done_by_user"],
    )
