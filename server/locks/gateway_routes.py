"""Which locks a hub gateway serves: set by a planner; those locks join the device's sync scope
(``gateway:ID`` in server.sync.scopes), next to what its fitter holds. Decode, call the lock
registry or the credential service, encode."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, get, post, put
from litestar.di import Provide

from server.accounts.permissions import Principal
from server.context import Services
from server.locks.credentials import CredentialService
from server.locks.schemas import HubCredentialIn, ServedLocksIn, ServedLocksOut
from server.locks.service import LockRegistry
from server.web import provide_principal


class GatewayLockController(Controller):
    path = "/api/devices/{device_id:uuid}/locks"
    tags = ["locks"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def served_locks(
        self, device_id: UUID, principal: Principal, services: Services
    ) -> ServedLocksOut:
        lock_ids = await LockRegistry(services).served_locks(principal, device_id)
        return ServedLocksOut(device_id=device_id, lock_ids=lock_ids)

    @put("/")
    async def set_served_locks(
        self, device_id: UUID, data: ServedLocksIn, principal: Principal, services: Services
    ) -> ServedLocksOut:
        """Replace the set of locks this gateway serves (hub mode)."""
        lock_ids = await LockRegistry(services).set_served_locks(
            principal, device_id, data.lock_ids
        )
        return ServedLocksOut(device_id=device_id, lock_ids=lock_ids)

    @post("/credential")
    async def hub_credential(
        self, device_id: UUID, data: HubCredentialIn, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """For the hub gateway itself: a read-only credential (1 h) and a server nonce for one
        of the locks it serves, so its scheduled battery readings are verifiable."""
        return await CredentialService(services).hub_credential(
            principal, device_id, data.staff_public_key, data.serial, data.lock_certificate
        )
