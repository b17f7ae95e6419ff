"""HTTP routes of the orders area: decode, call the order service, encode."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.di import Provide
from litestar.params import Parameter

from server.accounts.permissions import Principal
from server.context import Services
from server.orders.forwards import ForwardService
from server.orders.schemas import (
    AssignmentIn,
    ContactAttemptIn,
    ContactAttemptOut,
    ForwardIn,
    ForwardOut,
    MessageIn,
    MessageOut,
    NextCallOut,
    OrderEventOut,
    OrderIn,
    OrderOut,
    PhotoOut,
    TransitionIn,
)
from server.orders.service import OrderFilters, OrderService
from server.orders.views import (
    contact_attempt_out,
    forward_out,
    message_out,
    next_call_out,
    order_event_out,
    order_out,
)
from server.web import Limit, Offset, Page, provide_principal
from server.wire import RANGE_TEXT, bounded_day


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
        unassigned: Annotated[
            bool | None, Parameter(description="true: no fitter yet; false: assigned")
        ] = None,
        planned: Annotated[
            bool | None, Parameter(description="true: has a planned start; false: none yet")
        ] = None,
        planned_from: Annotated[
            date | None, Parameter(description=f"Planned on or after this local day, {RANGE_TEXT}")
        ] = None,
        planned_to: Annotated[
            date | None, Parameter(description=f"Planned on or before this local day, {RANGE_TEXT}")
        ] = None,
        due_to: Annotated[
            date | None, Parameter(description=f"Due on or before this day, {RANGE_TEXT}")
        ] = None,
        area: Annotated[
            str | None, Parameter(max_length=100, description="The customer's area")
        ] = None,
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
            unassigned=unassigned,
            planned=planned,
            planned_from=bounded_day(planned_from, "planned_from"),
            planned_to=bounded_day(planned_to, "planned_to"),
            due_to=bounded_day(due_to, "due_to"),
            area=area,
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

    @get("/{order_id:uuid}/forwards")
    async def list_forwards(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[ForwardOut]:
        """Who the order was forwarded to, by when, and whether it is done; oldest first."""
        return [
            forward_out(r) for r in await ForwardService(services).forwards(principal, order_id)
        ]

    @post("/{order_id:uuid}/forwards")
    async def forward_order(
        self, order_id: UUID, data: ForwardIn, principal: Principal, services: Services
    ) -> ForwardOut:
        """Forward the order to a colleague of your organisation with a done-by date (seed
        001's "Klar till"); it shows on their activity list (``forwarded_to_me``). Planners."""
        service = ForwardService(services)
        return forward_out(
            await service.forward_row(await service.forward(principal, order_id, data))
        )

    @post("/{order_id:uuid}/forwards/{forward_id:uuid}/done")
    async def forward_done(
        self, order_id: UUID, forward_id: UUID, principal: Principal, services: Services
    ) -> ForwardOut:
        """Mark a forward done (the colleague it went to, or who sent it)."""
        service = ForwardService(services)
        await service.mark_done(principal, order_id, forward_id)
        return forward_out(await service.forward_row(forward_id))

    @get("/{order_id:uuid}/contact-attempts")
    async def list_contact_attempts(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[ContactAttemptOut]:
        rows = await OrderService(services).contact_attempts(principal, order_id)
        return [contact_attempt_out(r) for r in rows]

    @post("/{order_id:uuid}/contact-attempts")
    async def add_contact_attempt(
        self, order_id: UUID, data: ContactAttemptIn, principal: Principal, services: Services
    ) -> ContactAttemptOut:
        """Log one call to the customer, a relative or the provider (seed 000: at least daily)."""
        service = OrderService(services)
        attempt_id = await service.add_contact_attempt(principal, order_id, data)
        return contact_attempt_out(await service.contact_attempt(attempt_id))

    @delete("/{order_id:uuid}/contact-attempts/{attempt_id:uuid}", status_code=204)
    async def withdraw_contact_attempt(
        self, order_id: UUID, attempt_id: UUID, principal: Principal, services: Services
    ) -> None:
        """Take back a call you logged by mistake, within minutes of logging it (the app's
        undo); the order's history keeps what was taken back."""
        await OrderService(services).withdraw_contact_attempt(principal, order_id, attempt_id)

    @get("/{order_id:uuid}/photos")
    async def list_photos(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[PhotoOut]:
        """The order's photos (a completion closed without the lock's evidence may have one)."""
        rows = await OrderService(services).photos(principal, order_id)
        return [
            PhotoOut(
                id=r["id"],
                order_id=r["order"],
                taken_by_id=r["taken_by"],
                at=r["at"],
                purpose=r["purpose"],
                width=r["width"],
                height=r["height"],
                size_bytes=r["size_bytes"],
            )
            for r in rows
        ]

    @get("/{order_id:uuid}/photos/{photo_id:uuid}", media_type="image/jpeg")
    async def photo(
        self, order_id: UUID, photo_id: UUID, principal: Principal, services: Services
    ) -> Response[bytes]:
        """One photo as the server keeps it: a JPEG without metadata."""
        jpeg = await OrderService(services).photo_jpeg(principal, order_id, photo_id)
        # A resident's door: never kept by a shared cache.
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private"})

    @get("/{order_id:uuid}/next-call")
    async def next_call(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> NextCallOut:
        """When to call next: once every working day, rotating the time of day (seed 000)."""
        return next_call_out(await OrderService(services).next_call(principal, order_id))

    @get("/{order_id:uuid}/messages")
    async def list_messages(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[MessageOut]:
        """The order's dialogue, oldest first."""
        rows = await OrderService(services).messages(principal, order_id)
        return [message_out(r) for r in rows]

    @post("/{order_id:uuid}/messages")
    async def add_message(
        self, order_id: UUID, data: MessageIn, principal: Principal, services: Services
    ) -> MessageOut:
        """Write on the order: everyone who can see it takes part."""
        service = OrderService(services)
        message_id = await service.add_message(principal, order_id, data)
        return message_out(await service.message(message_id))

    @get("/{order_id:uuid}/events")
    async def list_events(
        self, order_id: UUID, principal: Principal, services: Services
    ) -> list[OrderEventOut]:
        """The order's audit trail: who changed what, when, from which device."""
        rows = await OrderService(services).events(principal, order_id)
        return [order_event_out(r) for r in rows]
