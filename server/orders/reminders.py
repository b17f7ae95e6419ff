"""Reminder job: a completion report that is due (seed 000 step 4: at the latest the first
working day after the visit) or late is brought to the fitter's attention once a day."""

from __future__ import annotations

from server.context import Services
from server.db import write_transaction
from server.orders import notifications
from server.orders.lifecycle import OrderStatus
from server.orders.tables import WorkOrder

# Deadlines are whole days; checking every 15 minutes finds a new due day early in the morning
# without work worth measuring (one indexed query). The outbox's dedupe key keeps it to one
# reminder per order and day however often the job runs, in however many instances.
REMINDER_INTERVAL_SECONDS = 900.0


async def run_report_reminders(services: Services) -> int:
    """Queue today's reminder for every visit whose report is due or late; how many."""
    today = services.clock.today()
    now = services.clock.now()
    due = await WorkOrder.select(WorkOrder.id, WorkOrder.report_deadline).where(
        (WorkOrder.status == OrderStatus.IN_PROGRESS.value)
        & WorkOrder.report_deadline.is_not_null()
        & (WorkOrder.report_deadline <= today)
        & WorkOrder.assigned_fitter.is_not_null()
    )
    for row in due:
        async with write_transaction(services.engine):
            await notifications.enqueue_report_reminder(
                services, row["id"], row["report_deadline"], today, now
            )
    return len(due)
