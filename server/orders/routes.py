"""HTTP routes of the orders area: decode, call the order service, encode."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import Parameter

from server.accounts.permissions import Principal
from server.clock import LOCAL_ZONE
from server.orders import contact_plan, flags
from server.orders.escalation import SEEKING_CONTACT
from server.orders.schemas import (
    AssignmentIn,
    CompletionOut,
    ContactAttemptIn,
    ContactAttemptOut,
    MessageIn,
    MessageOut,
    NextCallOut,
    OrderEventOut,
    OrderIn,
    OrderOut,
    TransitionIn,
)
from server.orders.service import OrderFilters, OrderService
from server.orders.tables import ContactAttempt, OrderEvent, OrderMessage
from server.web import Limit, Offset, Page, Services, found, provide_principal


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
    )


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_orders(
        self,
        principal: Principal,
        services: Services,
        status: Annotated[list[str] | None, Parameter(description="One or more statuses")] = None,
        kind: str | None = None,
        customer_id: UUID | None = None,
        fitter_id: UUID | None = None,
        escalated: bool | None = None,
        overdue: bool | None = None,
        reference: Annotated[str | None, Parameter(max_length=16)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Orders you may see: escalated first, then oldest first."""
        service = OrderService(services)
        filters = OrderFilters(
            status=status,
            kind=kind,
            customer_id=customer_id,
            fitter_id=fitter_id,
            escalated=escalated,
            overdue=overdue,
            reference=reference,
        )
        total, rows = await service.list_orders(principal, filters, limit, offset)
        return Page(
            total=total,
            limit=limit,
            offset=offset,
            items=[order_out(service, principal, r) for r in rows],
        )

    @post("/")
    async def create_order(
        self, data: OrderIn, principal: Principal, services: Services
    ) -> OrderOut:
        """Place an order (home-care staff): the checklist of seed 000 must be answered."""
        service = OrderService(services)
        order_id = await service.create(principal, data)
        return order_out(service, principal, await service.visible(principal, order_id))

    @get("/{order_id:uuid}")
    async def get_order(self, order_id: UUID, principal: Principal, services: Services) -> OrderOut:
        service = OrderService(services)
        row = await service.visible(principal, order_id)
        return order_out(service, principal, row, await service.completion(order_id))

    @post("/{order_id:uuid}/transitions")
    async def transition_order(
        self, order_id: UUID, data: TransitionIn, principal: Principal, services: Services
    ) -> OrderOut:
        """Move the order through its life cycle (schedule, start, complete, hold, cancel, ...)."""
        service = OrderService(services)
        await service.transition(principal, order_id, data)
        return order_out(
            service,
            principal,
            await service.visible(principal, order_id),
            await service.completion(order_id),
        )

    @post("/{order_id:uuid}/assignment")
    async def assign_order(
        self, order_id: UUID, data: AssignmentIn, principal: Principal, services: Services
    ) -> OrderOut:
        """Assign the order to a fitter (planners), or unassign it with ``fitter_id: null``."""
        service = OrderService(services)
        await service.assign(principal, order_id, data)
        return order_out(service, principal, await service.visible(principal, order_id))

    @get("/{order_id:uuid}/contact-attempts")
    async def list_contact_attempts(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[ContactAttemptOut]:
        await OrderService(services).visible(principal, order_id)
        rows = (
            await ContactAttempt.select()
            .where(ContactAttempt.order == order_id)
            .order_by(ContactAttempt.at)
        )
        return [contact_attempt_out(r) for r in rows]

    @post("/{order_id:uuid}/contact-attempts")
    async def add_contact_attempt(
        self, order_id: UUID, data: ContactAttemptIn, principal: Principal, services: Services
    ) -> ContactAttemptOut:
        """Log one call to the customer, a relative or the provider (seed 000: at least daily)."""
        attempt_id = await OrderService(services).add_contact_attempt(principal, order_id, data)
        row = found(
            await ContactAttempt.select().where(ContactAttempt.id == attempt_id).first(), "attempt"
        )
        return contact_attempt_out(row)

    @get("/{order_id:uuid}/next-call")
    async def next_call(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> NextCallOut:
        """When to call next: once every working day, rotating the time of day (seed 000)."""
        row = await OrderService(services).visible(principal, order_id)
        attempts = (
            await ContactAttempt.select(ContactAttempt.at, ContactAttempt.outcome)
            .where(ContactAttempt.order == order_id)
            .order_by(ContactAttempt.at)
        )
        reached = any(a["outcome"] == "reached" for a in attempts)
        if reached or row["status"] not in SEEKING_CONTACT or row["ordered_at"] is None:
            return NextCallOut(
                needed=False, at=None, window=None, attempts=len(attempts), missed_days=[]
            )
        suggestion = contact_plan.next_call(
            [a["at"] for a in attempts],
            services.clock.now(),
            services.calendar,
            ordered_on=row["ordered_at"].astimezone(LOCAL_ZONE).date(),
            zone=LOCAL_ZONE,
        )
        return NextCallOut(
            needed=True,
            at=suggestion.at,
            window=suggestion.window,
            attempts=len(attempts),
            missed_days=list(suggestion.missed_days),
        )

    @get("/{order_id:uuid}/messages")
    async def list_messages(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[MessageOut]:
        """The order's dialogue, oldest first."""
        await OrderService(services).visible(principal, order_id)
        rows = (
            await OrderMessage.select()
            .where(OrderMessage.order == order_id)
            .order_by(OrderMessage.at)
        )
        return [message_out(r) for r in rows]

    @post("/{order_id:uuid}/messages")
    async def add_message(
        self, order_id: UUID, data: MessageIn, principal: Principal, services: Services
    ) -> MessageOut:
        """Write on the order: everyone who can see it takes part."""
        message_id = await OrderService(services).add_message(principal, order_id, data)
        row = found(
            await OrderMessage.select().where(OrderMessage.id == message_id).first(), "message"
        )
        return message_out(row)

    @get("/{order_id:uuid}/events")
    async def list_events(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[OrderEventOut]:
        """The order's audit trail: who changed what, when, from which device."""
        await OrderService(services).visible(principal, order_id)
        rows = (
            await OrderEvent.select()
            .where(OrderEvent.order == order_id)
            .order_by(OrderEvent.at)
            .output(load_json=True)
        )
        return [
            OrderEventOut(
                id=r["id"],
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
            for r in rows
        ]


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
