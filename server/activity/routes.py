"""The activity list (seed 001's "aktivitetslista"): what needs doing, most urgent first.

Same access scopes as the order list (``server.scopes``). Prioritised as the seed's routine
works: escalated orders first (the higher level first), then the oldest ordered first.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import Provide
from litestar.params import Parameter

from server.accounts.permissions import Principal
from server.clock import LOCAL_ZONE
from server.orders import flags
from server.orders.lifecycle import CLOSED_STATUSES, OrderStatus
from server.orders.tables import OrderEvent, WorkOrder
from server.scopes import order_scope
from server.web import Limit, Offset, Page, Services, provide_principal

CLOSED_VALUES = [s.value for s in CLOSED_STATUSES]
# Without a status filter the list shows the work still to do: open orders that were placed.
DEFAULT_STATUSES = sorted(flags.OPEN_VALUES - {OrderStatus.DRAFT.value})


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


class ClosedPerPerson(msgspec.Struct, kw_only=True):
    user_id: UUID | None
    name: str
    closed: int


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL_ZONE)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE)
    return start, end


class ActivityController(Controller):
    path = "/api/activity"
    tags = ["activity"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def activity(
        self,
        principal: Principal,
        services: Services,
        organisation_id: Annotated[
            UUID | None, Parameter(description="Ordering or performing organisation")
        ] = None,
        fitter_id: UUID | None = None,
        kind: str | None = None,
        status: Annotated[
            list[str] | None, Parameter(description="Default: every open status")
        ] = None,
        escalated: bool | None = None,
        overdue: bool | None = None,
        at_risk: bool | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Orders to work on: escalated first (higher level first), then oldest ordered first."""
        today = services.clock.today()
        open_values = sorted(flags.OPEN_VALUES)
        conditions: list[Any] = [c for c in [order_scope(principal)] if c is not None]
        conditions.append(WorkOrder.ordered_at.is_not_null())
        conditions.append(WorkOrder.status.is_in(list(status) if status else DEFAULT_STATUSES))
        if organisation_id:
            conditions.append(
                (WorkOrder.ordering_organisation == organisation_id)
                | (WorkOrder.performing_organisation == organisation_id)
            )
        if fitter_id:
            conditions.append(WorkOrder.assigned_fitter == fitter_id)
        if kind:
            conditions.append(WorkOrder.kind == kind)
        if escalated is not None:
            conditions.append(
                WorkOrder.escalation_level > 0 if escalated else WorkOrder.escalation_level == 0
            )
        late = WorkOrder.status.is_in(open_values) & (WorkOrder.due_on < today)
        if overdue is True:
            conditions.append(late)
        elif overdue is False:
            conditions.append(
                WorkOrder.status.not_in(open_values)
                | WorkOrder.due_on.is_null()
                | (WorkOrder.due_on >= today)
            )
        risky = (
            WorkOrder.status.is_in(open_values)
            & (WorkOrder.due_on >= today)
            & (WorkOrder.due_on <= flags.at_risk_limit(services.calendar, today))
        )
        if at_risk is True:
            conditions.append(risky)
        elif at_risk is False:
            conditions.append(
                WorkOrder.status.not_in(open_values)
                | WorkOrder.due_on.is_null()
                | (WorkOrder.due_on < today)
                | (WorkOrder.due_on > flags.at_risk_limit(services.calendar, today))
            )
        rows = (
            await WorkOrder.select(
                *WorkOrder.all_columns(), WorkOrder.customer.name.as_alias("customer_name")
            )
            .where(*conditions)
            .order_by(WorkOrder.escalation_level, ascending=False)
            .order_by(WorkOrder.ordered_at, WorkOrder.id)
            .limit(limit)
            .offset(offset)
        )
        total = await WorkOrder.count().where(*conditions)
        items = [
            ActivityItem(
                id=r["id"],
                reference=r["reference"],
                kind=r["kind"],
                status=r["status"],
                customer_name=r["customer_name"],
                ordering_organisation_id=r["ordering_organisation"],
                performing_organisation_id=r["performing_organisation"],
                assigned_fitter_id=r["assigned_fitter"],
                ordered_at=r["ordered_at"],
                due_on=r["due_on"],
                escalation_level=r["escalation_level"],
                overdue=flags.is_overdue(r, today),
                at_risk=flags.is_at_risk(r, today, services.calendar),
                report_deadline=r["report_deadline"],
                report_late=flags.is_report_late(r, today),
            )
            for r in rows
        ]
        return Page(total=total, limit=limit, offset=offset, items=items)

    @get("/closed-per-person")
    async def closed_per_person(
        self,
        principal: Principal,
        services: Services,
        day: Annotated[date | None, Parameter(description="Local date; default today")] = None,
    ) -> list[ClosedPerPerson]:
        """Per person, how many of the orders you can see they closed (done or cancelled)
        that day: the daily count of seed 001's follow-up."""
        start, end = _local_day_bounds(day or services.clock.today())
        conditions: list[Any] = [
            OrderEvent.to_status.is_in(CLOSED_VALUES),
            OrderEvent.from_status.not_in(CLOSED_VALUES),
            OrderEvent.at >= start,
            OrderEvent.at < end,
        ]
        scope = order_scope(principal)
        if scope is not None:
            conditions.append(OrderEvent.order.is_in(WorkOrder.select(WorkOrder.id).where(scope)))
        events = await OrderEvent.select(
            OrderEvent.actor, OrderEvent.actor_name, OrderEvent.order
        ).where(*conditions)
        counts: dict[tuple[Any, str], set[Any]] = {}
        for e in events:
            counts.setdefault((e["actor"], e["actor_name"]), set()).add(e["order"])
        result = [
            ClosedPerPerson(user_id=actor, name=name, closed=len(orders))
            for (actor, name), orders in counts.items()
        ]
        return sorted(result, key=lambda r: (-r.closed, r.name))
