"""The hold job (seed 002): an order put on hold until an approximate date comes back by itself.

At the start of the hold's day (the first working day on or after ``hold_until``,
``sla.hold_resumes_on``) the order is resumed to the status it was held from, by the state
machine like any other resume, with a ``resume`` event by "system". It is back in the planner's
queue: an order unassigned when it was held stays unassigned; an assigned one is back on its
fitter's phone at the next sync. Runs in every server instance's worker loop; the resume is a
compare-and-set on the order (still on hold, same hold date), so two instances resume it once.
"""

from __future__ import annotations

import logging
from typing import Any

from server.context import Services
from server.db import lock_rows
from server.errors import TransitionRefused
from server.orders import notifications, sla
from server.orders.field_effects import EffectInputs, field_values
from server.orders.lifecycle import (
    Action,
    OrderKind,
    OrderStatus,
    TransitionContext,
    transition,
)
from server.orders.tables import OrderEvent, WorkOrder
from server.sync.changes import ORDER, ORDER_EVENT, changed, unit_of_work

logger = logging.getLogger(__name__)

# Hold dates are whole days; every 5 minutes brings an order back within minutes of midnight
# (one indexed query when nothing is due), like the escalation job.
HOLD_INTERVAL_SECONDS = 300.0
RESUME_NOTE = "Vilande till {date}: datumet har kommit, ordern är tillbaka hos planeraren."


async def run_hold_resumptions(services: Services) -> int:
    """Resume every order whose hold has ended by the start of today; how many."""
    today = services.clock.today()
    candidates = await WorkOrder.select(WorkOrder.id, WorkOrder.hold_until).where(
        (WorkOrder.status == OrderStatus.ON_HOLD.value)
        & WorkOrder.hold_until.is_not_null()
        & (WorkOrder.hold_until <= today)
    )
    resumed = 0
    for row in candidates:
        if sla.hold_is_over(services.calendar, row["hold_until"], today) and await resume(
            services, row["id"], row["hold_until"]
        ):
            resumed += 1
    return resumed


async def resume(services: Services, order_id: Any, hold_until: Any) -> bool:
    """Resume the order held until ``hold_until``; False when it is no longer (someone
    resumed, cancelled or moved the hold meanwhile) or its held-from status is not valid."""
    now = services.clock.now()
    today = services.clock.today()
    async with unit_of_work(services.engine):
        await lock_rows(services.engine, WorkOrder, [order_id])
        row = await WorkOrder.select().where(WorkOrder.id == order_id).first()
        if (
            row is None
            or row["status"] != OrderStatus.ON_HOLD.value
            or row["hold_until"] != hold_until
        ):
            return False
        context = TransitionContext(
            kind=OrderKind(row["kind"]),
            today=today,
            held_from=OrderStatus(row["held_from"]) if row["held_from"] else None,
        )
        try:
            result = transition(OrderStatus.ON_HOLD, Action.RESUME, context)
        except TransitionRefused as refusal:
            # Left on hold for a planner (its activity row shows it); said once per run.
            logger.warning("Order %s stays on hold: %s", order_id, refusal.message)
            return False
        effects = field_values(
            Action.RESUME,
            EffectInputs(now=now, today=today, current=OrderStatus.ON_HOLD),
            services.calendar,
        )
        updated = (
            await WorkOrder.update(
                {
                    WorkOrder.status: result.status.value,
                    WorkOrder.version: WorkOrder.version + 1,
                    WorkOrder.updated_at: now,
                    **{WorkOrder._meta.get_column_by_name(n): v for n, v in effects.items()},
                }
            )
            .where(
                (WorkOrder.id == order_id)
                & (WorkOrder.status == OrderStatus.ON_HOLD.value)
                & (WorkOrder.hold_until == hold_until)
            )
            .returning(WorkOrder.id)
        )
        if not updated:
            return False
        event = OrderEvent(
            order=order_id,
            at=now,
            actor=None,
            actor_name="system",
            action=Action.RESUME.value,
            from_status=OrderStatus.ON_HOLD.value,
            to_status=result.status.value,
            changes={"hold_until": hold_until.isoformat(), "automatic": True},
            note=RESUME_NOTE.format(date=hold_until.isoformat()),
        )
        await event.save()
        changed(ORDER, order_id)
        changed(ORDER_EVENT, event.id)
        # The planners hear of it in the same transaction (server.notify.outbox).
        await notifications.enqueue_back_from_hold(services, order_id, hold_until, now)
    logger.info("Order %s back from hold (held until %s)", order_id, hold_until)
    return True
