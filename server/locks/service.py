"""The lock registry: which locks there are, who may see them, their verified reports, and
which locks a hub gateway serves.

Issuing credentials is ``server.locks.credentials``; taking in what locks report is
``server.locks.evidence_intake``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.accounts import permissions as perm
from server.accounts.permissions import Principal, Role
from server.accounts.tables import DeviceToken
from server.context import Services, found
from server.customers.service import visible_customer
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.locks.schemas import LockIn
from server.locks.tables import GatewayLock, Lock, LockReport
from server.scopes import has_visible_order, lock_scope
from server.sync.changes import LOCK, changed, unit_of_work


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


async def _managed_device(principal: Principal, device_id: UUID) -> dict[str, Any]:
    """A device of a user in the planner's own organisation (administrators: any)."""
    row = (
        await DeviceToken.select(
            DeviceToken.id, DeviceToken.revoked, DeviceToken.user.organisation.as_alias("org")
        )
        .where(DeviceToken.id == device_id)
        .first()
    )
    if row is None or row["revoked"]:
        raise NotFound("No such device.")
    if not principal.is_admin:
        if str(row["org"]) != principal.organisation_id:
            raise NotFound("No such device.")
        if not principal.has(Role.PLANNER):
            raise Forbidden("Only planners choose which locks a gateway serves.")
    return row


async def _served(device_id: UUID) -> list[UUID]:
    rows = await GatewayLock.select(GatewayLock.lock).where(GatewayLock.device == device_id)
    return sorted((UUID(str(r["lock"])) for r in rows), key=str)


class LockRegistry:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- reading -----------------------------------------------------------------------------
    async def visible(self, principal: Principal, lock_id: UUID) -> dict[str, Any]:
        return await visible_lock(principal, lock_id)

    async def list_locks(
        self,
        principal: Principal,
        customer_id: UUID | None,
        state: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total and one page of the locks the principal may see, by serial."""
        conditions = [c for c in [lock_scope(principal)] if c is not None]
        if customer_id:
            conditions.append(Lock.customer == customer_id)
        if state:
            conditions.append(Lock.state == state)
        rows = (
            await Lock.select().where(*conditions).order_by(Lock.serial).limit(limit).offset(offset)
        )
        return await Lock.count().where(*conditions), rows

    async def reports(
        self, principal: Principal, lock_id: UUID, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total and one page of a visible lock's verified reports, newest first."""
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
        return await LockReport.count().where(condition), rows

    async def served_locks(self, principal: Principal, device_id: UUID) -> list[UUID]:
        """The locks a gateway the principal manages serves, by id."""
        await _managed_device(principal, device_id)
        return await _served(device_id)

    # -- writing -----------------------------------------------------------------------------
    async def register(self, principal: Principal, data: LockIn) -> dict[str, Any]:
        """Planners register lock units in stock, or already installed at a customer; the new
        lock's row."""
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
            installed_at=self.s.clock.now() if installed else None,
        )
        async with unit_of_work(self.s.engine):
            await row.save()
            changed(LOCK, row.id)
        return found(await Lock.select().where(Lock.id == row.id).first(), "lock")

    async def set_served_locks(
        self, principal: Principal, device_id: UUID, lock_ids: list[UUID]
    ) -> list[UUID]:
        """Replace the set of locks this gateway serves (hub mode); the set now served."""
        async with unit_of_work(self.s.engine):
            await _managed_device(principal, device_id)
            wanted = set(lock_ids)
            for lock_id in sorted(wanted, key=str):
                try:
                    await visible_lock(principal, lock_id)
                except NotFound:
                    raise ValidationFailed(
                        f"No such lock {lock_id}. Choose locks you can see.", field="lock_ids"
                    ) from None
            before = set(await _served(device_id))
            gone = before - wanted
            if gone:
                await GatewayLock.delete().where(
                    (GatewayLock.device == device_id) & GatewayLock.lock.is_in(list(gone))
                )
            now = self.s.clock.now()
            for lock_id in sorted(wanted - before, key=str):
                await GatewayLock.insert(
                    GatewayLock(
                        key=f"{device_id}:{lock_id}",
                        device=device_id,
                        lock=lock_id,
                        added_by=principal.user_id,
                        added_at=now,
                    )
                )
            for lock_id in gone | (wanted - before):
                changed(LOCK, lock_id)
        return await _served(device_id)
