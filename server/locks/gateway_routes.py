"""Which locks a hub gateway serves: set by a planner; those locks join the device's sync scope
(``gateway:ID`` in server.sync.scopes), next to what its fitter holds."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post, put
from litestar.di import Provide

from server.accounts.permissions import Principal, Role
from server.accounts.tables import DeviceToken
from server.errors import Forbidden, NotFound, ValidationFailed
from server.locks.routes import visible_lock
from server.locks.service import LockService
from server.locks.tables import GatewayLock
from server.sync.changes import LOCK, changed, unit_of_work
from server.web import Services, provide_principal

# A building's hub reaches the locks within radio range; a few hundred is far beyond that.
MAX_SERVED_LOCKS = 500


class ServedLocksIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    lock_ids: Annotated[list[UUID], msgspec.Meta(max_length=MAX_SERVED_LOCKS)]


class ServedLocksOut(msgspec.Struct, kw_only=True):
    device_id: UUID
    lock_ids: list[UUID]


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


class HubCredentialIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    staff_public_key: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-fA-F]{64}$")]
    serial: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    lock_certificate: (
        Annotated[str, msgspec.Meta(max_length=2048, pattern=r"^[0-9a-fA-F]+$")] | None
    ) = None


class GatewayLockController(Controller):
    path = "/api/devices/{device_id:uuid}/locks"
    tags = ["locks"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def served_locks(self, device_id: UUID, principal: Principal) -> ServedLocksOut:
        await _managed_device(principal, device_id)
        return ServedLocksOut(device_id=device_id, lock_ids=await _served(device_id))

    @put("/")
    async def set_served_locks(
        self, device_id: UUID, data: ServedLocksIn, principal: Principal, services: Services
    ) -> ServedLocksOut:
        """Replace the set of locks this gateway serves (hub mode)."""
        async with unit_of_work(services.engine):
            await _managed_device(principal, device_id)
            wanted = set(data.lock_ids)
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
            now = services.clock.now()
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
        return ServedLocksOut(device_id=device_id, lock_ids=await _served(device_id))

    @post("/credential")
    async def hub_credential(
        self, device_id: UUID, data: HubCredentialIn, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """For the hub gateway itself: a read-only credential (1 h) and a server nonce for one
        of the locks it serves, so its scheduled battery readings are verifiable."""
        return await LockService(services).hub_credential(
            principal, device_id, data.staff_public_key, data.serial, data.lock_certificate
        )
