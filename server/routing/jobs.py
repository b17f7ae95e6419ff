"""Recurring and automatic orders (issue 13), as periodic jobs.

- Recurring schedules: for the period in force (server.routing.recurrence), one order per
  matching lock, made once: the run's key (schedule, period, lock) is unique, and it is
  written in the transaction that makes the order, so a job run twice, in two instances, or
  after a crash makes nothing twice. A lock with an open order of the kind gets no second
  one; the run records why (an open order covers the period).
- Automatic battery orders (what Phoniro's staff do by hand): a lock whose battery, as the
  lock itself signed it, is under the rule's threshold, or whose last verified reading is
  older than the rule allows, gets one battery order, never a second while one is open,
  marked as made by the rule with the reading that triggered it.
Both go through ``OrderService.create_made``, so the assignment rules place the orders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from server.clock import LOCAL_ZONE
from server.context import Services
from server.customers.tables import Customer
from server.errors import Conflict
from server.locks.tables import Lock
from server.orders.lifecycle import OPEN_STATUSES, OrderKind
from server.orders.service import OrderService
from server.orders.tables import WorkOrder
from server.routing import recurrence
from server.routing.tables import BatteryRule, RecurringSchedule, ScheduleRun
from server.sync.changes import unit_of_work

logger = logging.getLogger(__name__)

# Schedules and battery readings move in days; every 30 minutes is soon enough and costs a few
# indexed queries.
RECURRING_INTERVAL_SECONDS = 1800.0
BATTERY_INTERVAL_SECONDS = 1800.0
ORIGIN_RECURRING = "recurring"
ORIGIN_AUTOMATIC = "automatic"
_OPEN = [s.value for s in OPEN_STATUSES]


async def _served_locks(organisation: Any, model: str = "") -> list[dict[str, Any]]:
    """Installed locks at customers whose home-care provider this fitters' company serves."""
    from server.accounts.tables import Organisation

    providers = [
        r["id"]
        for r in await Organisation.select(Organisation.id).where(
            Organisation.contractor == organisation
        )
    ]
    if not providers:
        return []
    customers = [
        r["id"]
        for r in await Customer.select(Customer.id).where(Customer.provider.is_in(providers))
    ]
    if not customers:
        return []
    query = Lock.select(
        Lock.id, Lock.serial, Lock.customer, Lock.battery_percent, Lock.battery_verified_at
    ).where((Lock.state == "installed") & Lock.customer.is_in(customers))
    if model:
        query = query.where(Lock.model == model)
    return await query.order_by(Lock.serial)


async def _open_order(lock_id: Any, kind: str) -> str | None:
    row = (
        await WorkOrder.select(WorkOrder.reference)
        .where(
            (WorkOrder.lock == lock_id) & (WorkOrder.kind == kind) & WorkOrder.status.is_in(_OPEN)
        )
        .first()
    )
    return row["reference"] if row else None


async def run_recurring_orders(services: Services) -> int:
    """Make the orders of every schedule's period in force; how many were made."""
    today = services.clock.today()
    orders = OrderService(services)
    made = 0
    schedules = await RecurringSchedule.select().where(RecurringSchedule.paused == False)  # noqa: E712
    for schedule in schedules:
        spec = recurrence.Schedule(
            first_day=schedule["first_day"],
            interval_months=schedule["interval_months"],
            lead_days=schedule["lead_days"],
        )
        period = recurrence.due_period(spec, today)
        if period is None:
            continue
        label = recurrence.period_label(spec, period)
        for lock in await _served_locks(schedule["organisation"], schedule["lock_model"]):
            key = f"{schedule['id']}:{label}:{lock['id']}"
            if await ScheduleRun.exists().where(ScheduleRun.run_key == key):
                continue
            async with unit_of_work(services.engine):
                open_reference = await _open_order(lock["id"], schedule["kind"])
                order_id = None
                if open_reference is None:
                    try:
                        order_id = await orders.create_made(
                            made_by=None,
                            ordered_by=schedule["created_by"],
                            customer_id=lock["customer"],
                            kind=OrderKind(schedule["kind"]),
                            lock_id=lock["id"],
                            description=f"{schedule['name']} ({label})",
                            origin=ORIGIN_RECURRING,
                            origin_ref=f"{schedule['name']}, {label}",
                        )
                    except Conflict as exc:  # an order placed meanwhile covers it
                        open_reference = str(exc)
                await ScheduleRun.insert(
                    ScheduleRun(
                        run_key=key,
                        schedule=schedule["id"],
                        period=label,
                        lock=lock["id"],
                        order_id=order_id,
                        skipped=f"open order {open_reference}" if open_reference else "",
                        at=services.clock.now(),
                    )
                ).on_conflict(target=ScheduleRun.run_key, action="DO NOTHING")
            made += order_id is not None
    return made


@dataclass(frozen=True)
class BatteryReason:
    """Why the battery rule made an order: a low reading, or none recent enough."""

    percent: int | None  # the low reading; None: the reading is too old or missing
    day: str | None  # the reading's local day (ISO), None if there never was one
    limit: int  # the rule's threshold (percent) or age (days)

    def english(self) -> str:
        """The order's ``origin_ref``. The desk reads these two shapes to say them in the
        person's language (pwa/app/desk/routing-view.js): change both together."""
        if self.percent is not None:
            return (
                f"Battery {self.percent} % as the lock signed it on {self.day} "
                f"(under {self.limit} %)."
            )
        since = f"since {self.day}" if self.day else "ever"
        return f"No battery reading verified {since} (more than {self.limit} days)."

    def swedish(self) -> str:
        """The order's description, which the fitter reads."""
        if self.percent is not None:
            return (
                f"Batteriet {self.percent} % enligt låsets egen avläsning {self.day} "
                f"(under {self.limit} %). Byt batteri."
            )
        since = f"sedan {self.day}" if self.day else "någonsin"
        return (
            f"Ingen batteriavläsning från låset {since} (mer än {self.limit} dagar). "
            "Läs av batteriet, byt vid behov."
        )


def battery_reason(lock: dict[str, Any], rule: dict[str, Any], now: Any) -> BatteryReason | None:
    """Why a lock needs a battery order under ``rule``; None if it does not."""
    read_at = lock["battery_verified_at"]
    percent = lock["battery_percent"]
    day = read_at.astimezone(LOCAL_ZONE).date().isoformat() if read_at else None
    if read_at is not None and percent is not None and percent < rule["below_percent"]:
        return BatteryReason(percent=percent, day=day, limit=rule["below_percent"])
    if read_at is None or now - read_at > timedelta(days=rule["stale_after_days"]):
        return BatteryReason(percent=None, day=day, limit=rule["stale_after_days"])
    return None


async def run_battery_orders(services: Services) -> int:
    """One battery order for each lock whose battery rule says so; how many were made."""
    now = services.clock.now()
    orders = OrderService(services)
    made = 0
    for rule in await BatteryRule.select().where(BatteryRule.active == True):  # noqa: E712
        for lock in await _served_locks(rule["organisation"]):
            reason = battery_reason(lock, rule, now)
            if reason is None or await _open_order(lock["id"], OrderKind.BATTERY.value):
                continue
            try:
                await orders.create_made(
                    made_by=None,
                    ordered_by=rule["created_by"],
                    customer_id=lock["customer"],
                    kind=OrderKind.BATTERY,
                    lock_id=lock["id"],
                    description=reason.swedish(),
                    origin=ORIGIN_AUTOMATIC,
                    origin_ref=reason.english(),
                )
            except Conflict:
                continue  # placed meanwhile (another instance, or a person): one is enough
            made += 1
    return made
