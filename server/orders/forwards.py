"""Forwarding an order to a colleague with a "done by" date (seed 001's "ta ärendet vidare"
and "Klar till"): the order shows on the colleague's activity list (``forwarded_to_me``) until
one of the two marks it done. Same organisation only; each step is an order event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.accounts import permissions as perm
from server.accounts.permissions import Principal
from server.accounts.service import principal_from_row, select_user
from server.accounts.tables import User
from server.context import Services
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.orders.lifecycle import OPEN_STATUSES
from server.orders.schemas import ForwardIn
from server.orders.service import OrderService, facts
from server.orders.tables import OrderForward
from server.sync.changes import unit_of_work

OPEN_VALUES = {s.value for s in OPEN_STATUSES}


def open_forwards_to(user_id: str) -> Any:
    """The orders with an open forward to this user, as a sub-query (the activity filter)."""
    return OrderForward.select(OrderForward.order).where(
        (OrderForward.to_user == user_id) & OrderForward.done_at.is_null()
    )


async def done_by_for(user_id: str, order_ids: list[Any]) -> dict[Any, Any]:
    """For each of these orders with an open forward to the user, the earliest done-by date."""
    if not order_ids:
        return {}
    rows = await OrderForward.select(OrderForward.order, OrderForward.done_by).where(
        (OrderForward.to_user == user_id)
        & OrderForward.done_at.is_null()
        & OrderForward.order.is_in(order_ids)
    )
    earliest: dict[Any, Any] = {}
    for row in rows:
        if row["order"] not in earliest or row["done_by"] < earliest[row["order"]]:
            earliest[row["order"]] = row["done_by"]
    return earliest


class ForwardService:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.orders = OrderService(services)

    async def forward(self, principal: Principal, order_id: UUID, data: ForwardIn) -> UUID:
        async with unit_of_work(self.s.engine):
            row = await self.orders.visible_for_update(principal, order_id)
            order = facts(row)
            if not perm.can_forward(principal, order):
                raise Forbidden(
                    "Only the order's planner can forward it to a colleague.",
                    message_sv="Bara orderns planerare kan skicka den vidare till en kollega.",
                )
            if row["status"] not in OPEN_VALUES:
                raise Conflict(
                    f"The order is '{row['status']}'; only open orders can be forwarded.",
                    code="order_closed",
                    message_sv="Ordern är stängd; bara öppna ordrar kan skickas vidare.",
                )
            if data.done_by < self.s.clock.today():
                raise ValidationFailed(
                    f"The done-by date {data.done_by.isoformat()} is in the past; give today "
                    "or a later date.",
                    field="done_by",
                    message_sv="Klar till-datumet har redan varit; ange i dag eller senare.",
                )
            user = await select_user((User.id == data.to_user_id) & (User.active == True))  # noqa: E712
            if user is None or not perm.can_receive_forward(
                principal, principal_from_row(user), order
            ):
                raise ValidationFailed(
                    "Forward to an active colleague of your own organisation who can see this "
                    "order.",
                    field="to_user_id",
                    message_sv="Skicka vidare till en aktiv kollega i din egen organisation som "
                    "kan se ordern.",
                )
            forward = OrderForward(
                order=order_id,
                from_user=principal.user_id,
                to_user=data.to_user_id,
                done_by=data.done_by,
                note=data.note,
                created_at=self.s.clock.now(),
            )
            await forward.save()
            await self.orders.record_event(
                row,
                principal,
                "forward",
                {"to": str(data.to_user_id), "done_by": data.done_by.isoformat()},
            )
        return forward.id

    async def forwards(self, principal: Principal, order_id: UUID) -> list[dict[str, Any]]:
        """The order's forwards, oldest first (whoever may see the order)."""
        await self.orders.visible(principal, order_id)
        return list(
            await OrderForward.select()
            .where(OrderForward.order == order_id)
            .order_by(OrderForward.created_at)
        )

    async def forward_row(self, forward_id: Any) -> dict[str, Any]:
        row = await OrderForward.select().where(OrderForward.id == forward_id).first()
        if row is None:
            raise NotFound("No such forward.")
        return row

    async def mark_done(self, principal: Principal, order_id: UUID, forward_id: UUID) -> None:
        async with unit_of_work(self.s.engine):
            row = await self.orders.visible_for_update(principal, order_id)
            forward = (
                await OrderForward.select()
                .where((OrderForward.id == forward_id) & (OrderForward.order == order_id))
                .first()
            )
            if forward is None:
                raise NotFound("No such forward on this order.")
            if not perm.can_close_forward(
                principal, str(forward["from_user"]), str(forward["to_user"])
            ):
                raise Forbidden(
                    "Only the colleague it was forwarded to, or who forwarded it, can mark it "
                    "done.",
                    message_sv="Bara kollegan den skickades till, eller den som skickade den, "
                    "kan markera den klar.",
                )
            if forward["done_at"] is not None:
                raise Conflict(
                    "This forward is marked done already.",
                    code="forward_done",
                    message_sv="Den här är redan markerad klar.",
                )
            await OrderForward.update(
                {
                    OrderForward.done_at: self.s.clock.now(),
                    OrderForward.done_by_user: principal.user_id,
                }
            ).where(OrderForward.id == forward_id)
            await self.orders.record_event(
                row, principal, "forward_done", {"forward": str(forward_id)}
            )
