"""The activity list's queries (seed 001's "aktivitetslista"): what needs doing, most urgent
first, and who closed how many orders on a day.

Same access scopes as the order list (``server.scopes``). Prioritised as the seed's routine
works: escalated orders first (the higher level first), then the oldest ordered first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from server.accounts.permissions import Principal
from server.activity.shifts import Shift, shift_of
from server.calendar.working_days import WorkingDayCalendar
from server.clock import LOCAL_ZONE
from server.context import Services
from server.orders import flags, forwards
from server.orders.lifecycle import CLOSED_STATUSES, SEEKING_CONTACT, OrderStatus
from server.orders.tables import ContactAttempt, OrderEvent, WorkOrder
from server.scopes import order_scope

CLOSED_VALUES = [s.value for s in CLOSED_STATUSES]
# Without a status filter the list shows the work still to do: open orders that were placed.
DEFAULT_STATUSES = sorted(flags.OPEN_VALUES - {OrderStatus.DRAFT.value})


@dataclass(frozen=True)
class ActivityFilters:
    organisation_id: UUID | None = None
    fitter_id: UUID | None = None
    kind: str | None = None
    status: list[str] | None = None
    escalated: bool | None = None
    overdue: bool | None = None
    at_risk: bool | None = None
    # Only the orders forwarded to the caller and not yet done (seed 001's "Klar till").
    forwarded_to_me: bool | None = None
    # Only orders still seeking contact with at least this many working days without a call
    # attempt (seed 000 escalates after three).
    days_without_call: int | None = None
    # "urgent" (the routine's order: escalated first, then oldest) or "newest" (newest ordered
    # first: what came in since the planner last looked, on the desk's activity list).
    sort: str = "urgent"


@dataclass(frozen=True)
class ActivityPage:
    """One page of the list, its total, and the day its flags are computed for."""

    total: int
    rows: list[dict[str, Any]]
    today: date
    # Order id -> the earliest done-by date of an open forward to the caller.
    forwarded_done_by: dict[Any, date] = field(default_factory=dict)
    # Order id -> working days since its last call attempt (or since it was placed), for the
    # orders still seeking contact.
    days_without_call: dict[Any, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ClosedCount:
    """How many orders one person closed on a day, in all and per shift (the shifts' order;
    a closing between shifts counts in ``closed`` only)."""

    user_id: Any
    name: str
    closed: int
    per_shift: tuple[tuple[str, int], ...] = ()


def silent_since(cal: WorkingDayCalendar, today: date, working_days: int) -> date:
    """The latest day whose end leaves at least ``working_days`` working days up to and with
    ``today``: an order last called (or placed) on it or before has gone that long without a
    call attempt."""
    day, counted = today, 0
    while counted < working_days:
        if cal.is_working_day(day):
            counted += 1
        day -= timedelta(days=1)
    return day


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL_ZONE)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE)
    return start, end


class ActivityService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def activity(
        self, principal: Principal, filters: ActivityFilters, limit: int, offset: int
    ) -> ActivityPage:
        """One page of the orders to work on: escalated first (higher level first), then
        oldest ordered first; or newest ordered first (``sort="newest"``)."""
        today = self.s.clock.today()
        conditions: list[Any] = [c for c in [order_scope(principal)] if c is not None]
        conditions.append(WorkOrder.ordered_at.is_not_null())
        conditions.append(
            WorkOrder.status.is_in(list(filters.status) if filters.status else DEFAULT_STATUSES)
        )
        if filters.organisation_id:
            conditions.append(
                (WorkOrder.ordering_organisation == filters.organisation_id)
                | (WorkOrder.performing_organisation == filters.organisation_id)
            )
        if filters.fitter_id:
            conditions.append(WorkOrder.assigned_fitter == filters.fitter_id)
        if filters.kind:
            conditions.append(WorkOrder.kind == filters.kind)
        if filters.escalated is not None:
            conditions.append(flags.escalated_filter(filters.escalated))
        if filters.overdue is not None:
            conditions.append(flags.overdue_filter(today, filters.overdue))
        if filters.at_risk is not None:
            conditions.append(flags.at_risk_filter(self.s.calendar, today, filters.at_risk))
        if filters.forwarded_to_me is not None:
            mine = forwards.open_forwards_to(principal.user_id)
            conditions.append(
                WorkOrder.id.is_in(mine) if filters.forwarded_to_me else WorkOrder.id.not_in(mine)
            )
        if filters.days_without_call is not None:
            last_quiet_day = silent_since(self.s.calendar, today, filters.days_without_call)
            boundary, _ = _local_day_bounds(last_quiet_day + timedelta(days=1))
            called_since = ContactAttempt.select(ContactAttempt.order).where(
                ContactAttempt.at >= boundary
            )
            conditions.append(WorkOrder.status.is_in(list(SEEKING_CONTACT)))
            conditions.append(WorkOrder.ordered_at < boundary)
            conditions.append(WorkOrder.id.not_in(called_since))
        query = WorkOrder.select(
            *WorkOrder.all_columns(), WorkOrder.customer.name.as_alias("customer_name")
        ).where(*conditions)
        if filters.sort == "newest":
            query = query.order_by(WorkOrder.ordered_at, WorkOrder.id, ascending=False)
        else:
            query = query.order_by(WorkOrder.escalation_level, ascending=False).order_by(
                WorkOrder.ordered_at, WorkOrder.id
            )
        rows = await query.limit(limit).offset(offset)
        total = await WorkOrder.count().where(*conditions)
        done_by = await forwards.done_by_for(principal.user_id, [r["id"] for r in rows])
        return ActivityPage(
            total=total,
            rows=rows,
            today=today,
            forwarded_done_by=done_by,
            days_without_call=await self._days_without_call(rows, today),
        )

    async def _days_without_call(self, rows: list[dict[str, Any]], today: date) -> dict[Any, int]:
        seeking = {r["id"]: r for r in rows if r["status"] in SEEKING_CONTACT}
        if not seeking:
            return {}
        last: dict[Any, datetime] = {i: r["ordered_at"] for i, r in seeking.items()}
        attempts = await ContactAttempt.select(ContactAttempt.order, ContactAttempt.at).where(
            ContactAttempt.order.is_in(list(seeking))
        )
        for a in attempts:
            last[a["order"]] = max(last[a["order"]], a["at"])
        return {
            i: self.s.calendar.working_days_between(at.astimezone(LOCAL_ZONE).date(), today)
            for i, at in last.items()
        }

    async def closed_per_person(
        self, principal: Principal, day: date | None, shifts: tuple[Shift, ...] = ()
    ) -> list[ClosedCount]:
        """Per person, how many of the orders the principal can see they closed (done or
        cancelled) on this local day (default today), in all and per shift; most first, then
        by name."""
        start, end = _local_day_bounds(day or self.s.clock.today())
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
            OrderEvent.actor, OrderEvent.actor_name, OrderEvent.order, OrderEvent.at
        ).where(*conditions)
        counts: dict[tuple[Any, str], set[Any]] = {}
        # Person -> shift name -> orders closed in it (an order counts once per shift).
        by_shift: dict[tuple[Any, str], dict[str, set[Any]]] = {}
        for e in events:
            person = (e["actor"], e["actor_name"])
            counts.setdefault(person, set()).add(e["order"])
            shift = shift_of(shifts, e["at"].astimezone(LOCAL_ZONE).time())
            if shift is not None:
                by_shift.setdefault(person, {}).setdefault(shift.name, set()).add(e["order"])
        result = [
            ClosedCount(
                user_id=actor,
                name=name,
                closed=len(orders),
                per_shift=tuple(
                    (s.name, len(by_shift.get((actor, name), {}).get(s.name, ()))) for s in shifts
                ),
            )
            for (actor, name), orders in counts.items()
        ]
        return sorted(result, key=lambda r: (-r.closed, r.name))
