"""HTTP routes of the locks area.

Battery, firmware and last-seen are read-only here: they are set only from reports signed by
the lock itself, so nobody can type in a battery level.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import QueryParameter

from server.accounts import permissions as perm
from server.accounts.permissions import Principal
from server.customers.routes import visible_customer
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.locks.schemas import LockIn, LockOut, LockReportOut
from server.locks.tables import Lock, LockReport
from server.scopes import has_visible_order, lock_scope
from server.sync.changes import LOCK, changed, unit_of_work
from server.web import Limit, Offset, Page, Services, found, provide_principal


def lock_out(row: dict[str, Any]) -> LockOut:
    return LockOut(
        id=row["id"],
        serial=row["serial"],
        model=row["model"],
        kind=row["kind"],
        firmware=row["firmware"],
        state=row["state"],
        battery_percent=row["battery_percent"],
        battery_millivolts=row["battery_millivolts"],
        battery_verified_at=row["battery_verified_at"],
        last_seen_at=row["last_seen_at"],
        customer_id=row["customer"],
        installed_at=row["installed_at"],
        # Only a verified lock-signed report sets the counter (server.locks.service), so the
        # battery and firmware shown come from the lock itself, not from a person or an import.
        verified_by_lock=row["report_counter"] is not None,
    )


async def visible_lock(principal: Principal, lock_id: UUID) -> dict[str, Any]:
    row = (
        await Lock.select(*Lock.all_columns(), Lock.customer.provider.as_alias("provider"))
        .where(Lock.id == lock_id)
        .first()
    )
    if not row:
        raise NotFound("No such lock.")
    provider = str(row["provider"]) if row["provider"] else None
    via_order = await has_visible_order(principal, lock_id=lock_id) or (
        row["customer"] is not None
        and await has_visible_order(principal, customer_id=row["customer"])
    )
    if not perm.can_see_lock(principal, provider, via_visible_order=via_order):
        raise NotFound("No such lock.")
    return row


class LockController(Controller):
    path = "/api/locks"
    tags = ["locks"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_locks(
        self,
        principal: Principal,
        customer_id: UUID | None = None,
        lock_state: Annotated[
            Literal["in_stock", "installed", "removed", "faulty"] | None,
            QueryParameter(name="state"),
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Locks you may see; filter by customer or state."""
        conditions = [c for c in [lock_scope(principal)] if c is not None]
        if customer_id:
            conditions.append(Lock.customer == customer_id)
        if lock_state:
            conditions.append(Lock.state == lock_state)
        rows = (
            await Lock.select().where(*conditions).order_by(Lock.serial).limit(limit).offset(offset)
        )
        return Page(
            total=await Lock.count().where(*conditions),
            limit=limit,
            offset=offset,
            items=[lock_out(r) for r in rows],
        )

    @get("/{lock_id:uuid}")
    async def get_lock(self, lock_id: UUID, principal: Principal) -> LockOut:
        return lock_out(await visible_lock(principal, lock_id))

    @get("/{lock_id:uuid}/reports")
    async def lock_reports(
        self, lock_id: UUID, principal: Principal, limit: Limit = 50, offset: Offset = 0
    ) -> Page:
        """The lock's verified telemetry and evidence, newest first."""
        await visible_lock(principal, lock_id)
        condition = LockReport.lock == lock_id
        rows = (
            await LockReport.select()
            .where(condition)
            .order_by(LockReport.verified_at, ascending=False)
            .limit(limit)
            .offset(offset)
            .output(load_json=True)
        )
        return Page(
            total=await LockReport.count().where(condition),
            limit=limit,
            offset=offset,
            items=[
                LockReportOut(
                    id=r["id"],
                    lock_id=r["lock"],
                    kind=r["kind"],
                    counter=r["counter"],
                    lock_time=r["lock_time"],
                    values=r["values"] or {},
                    order_id=r["order_id"],
                    verified_at=r["verified_at"],
                    received_via=r["received_via"],
                )
                for r in rows
            ],
        )

    @post("/")
    async def register_lock(
        self, data: LockIn, principal: Principal, services: Services
    ) -> LockOut:
        """Planners register lock units in stock, or already installed at a customer."""
        if not perm.can_register_lock(principal):
            raise Forbidden("Only planners and administrators register locks.")
        if data.customer_id is not None:
            try:
                await visible_customer(principal, data.customer_id)
            except NotFound:
                raise ValidationFailed("No such customer.", field="customer_id") from None
        if await Lock.exists().where(Lock.serial == data.serial):
            raise Conflict(
                f"A lock with serial {data.serial} is registered already.", field="serial"
            )
        installed = data.customer_id is not None
        row = Lock(
            serial=data.serial,
            model=data.model,
            kind=data.kind,
            customer=data.customer_id,
            state="installed" if installed else "in_stock",
            installed_at=services.clock.now() if installed else None,
        )
        async with unit_of_work(services.engine):
            await row.save()
            changed(LOCK, row.id)
        return lock_out(found(await Lock.select().where(Lock.id == row.id).first(), "lock"))
