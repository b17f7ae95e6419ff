"""The escalation job (seed 000, step 3a): no contact -> the provider -> the administration.

Runs in every server instance's worker loop. Raising a level is a compare-and-set
(``UPDATE ... WHERE escalation_level = old``) in the same transaction as its OrderEvent and
its notifications, so two instances that look at the same order at once escalate it once.
"""

from __future__ import annotations

import logging
from typing import Any

from server.clock import LOCAL_ZONE
from server.context import Services
from server.orders import notifications, sla
from server.orders.lifecycle import SEEKING_CONTACT
from server.orders.tables import ContactAttempt, OrderEvent, WorkOrder
from server.sync.changes import ORDER, ORDER_EVENT, changed, unit_of_work

logger = logging.getLogger(__name__)

# How often the job runs: escalation dates are whole days, so a few minutes' delay after
# midnight is irrelevant, and each run is one indexed query when nothing is due.
ESCALATION_INTERVAL_SECONDS = 300.0
REACHED = "reached"  # ContactAttempt.outcome of a call that reached someone
PROVIDER = "provider"  # ContactAttempt.to_whom of a call to the ordering provider


async def contact_facts(order_id: Any, since: Any) -> sla.ContactFacts:
    """What the order's contact attempts (since it was placed) and escalation events say."""
    attempts = await ContactAttempt.select(ContactAttempt.to_whom, ContactAttempt.outcome).where(
        (ContactAttempt.order == order_id) & (ContactAttempt.at >= since)
    )
    raised = (
        await OrderEvent.select(OrderEvent.at, OrderEvent.changes)
        .where((OrderEvent.order == order_id) & (OrderEvent.action == "escalate"))
        .output(load_json=True)
    )
    provider_escalated = [
        e["at"] for e in raised if (e["changes"] or {}).get("level") == sla.EscalationLevel.PROVIDER
    ]
    return sla.ContactFacts(
        reached_anyone=any(a["outcome"] == REACHED for a in attempts),
        unanswered_provider_calls=sum(
            1 for a in attempts if a["to_whom"] == PROVIDER and a["outcome"] != REACHED
        ),
        provider_escalated_on=(
            min(provider_escalated).astimezone(LOCAL_ZONE).date() if provider_escalated else None
        ),
    )


async def run_escalations(services: Services) -> int:
    """Raise every due order by one level; how many were raised."""
    today = services.clock.today()
    # The check date is the last day to reach someone: candidates once it is over.
    candidates = await WorkOrder.select(
        WorkOrder.id, WorkOrder.ordered_at, WorkOrder.escalation_level
    ).where(
        WorkOrder.status.is_in(list(SEEKING_CONTACT))
        & (WorkOrder.escalation_check_on < today)
        & (WorkOrder.escalation_level < sla.EscalationLevel.ADMINISTRATOR)
    )
    raised = 0
    for row in candidates:
        if row["ordered_at"] is None:
            continue
        current = row["escalation_level"]
        due = sla.escalation_level_due(
            services.calendar,
            row["ordered_at"].astimezone(LOCAL_ZONE).date(),
            today,
            await contact_facts(row["id"], row["ordered_at"]),
            current,
        )
        if due > current and await escalate(services, row["id"], current, due):
            raised += 1
    return raised


async def escalate(services: Services, order_id: Any, old: int, new: int) -> bool:
    """Move the order from level ``old`` to ``new``; False when someone else already did."""
    now = services.clock.now()
    # unit_of_work: a write transaction that also logs the change for the clients' sync.
    async with unit_of_work(services.engine):
        updated = (
            await WorkOrder.update(
                {
                    WorkOrder.escalation_level: new,
                    WorkOrder.version: WorkOrder.version + 1,
                    WorkOrder.updated_at: now,
                }
            )
            .where(
                (WorkOrder.id == order_id)
                & (WorkOrder.escalation_level == old)
                & WorkOrder.status.is_in(list(SEEKING_CONTACT))
            )
            .returning(WorkOrder.status)
        )
        if not updated:
            return False
        status = updated[0]["status"]
        event = OrderEvent(
            order=order_id,
            at=now,
            actor=None,
            actor_name="system",
            action="escalate",
            from_status=status,
            to_status=status,
            changes={"level": new, "from_level": old},
            flagged=True,
            note=(
                "Ingen kontakt inom tre arbetsdagar: eskalerad till utförarorganisationen."
                if new == sla.EscalationLevel.PROVIDER
                else "Varken kund/anhörig eller utföraren nådd: eskalerad till systemförvaltaren."
            ),
        )
        await event.save()
        changed(ORDER, order_id)
        changed(ORDER_EVENT, event.id)
        await notifications.enqueue_escalation(services, order_id, new, now)
    logger.info("Order %s escalated to level %d", order_id, new)
    return True
