"""HTTP routes of the locks area: decode, call the lock registry, encode.

Battery, firmware and last-seen are read-only here: they are set only from reports signed by
the lock itself, so nobody can type in a battery level.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import QueryParameter

from server.accounts.permissions import Principal
from server.context import Services
from server.locks.schemas import LockIn, LockOut
from server.locks.service import LockRegistry
from server.locks.views import lock_out, lock_report_out
from server.web import Limit, Offset, Page, provide_principal


class LockController(Controller):
    path = "/api/locks"
    tags = ["locks"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_locks(
        self,
        principal: Principal,
        services: Services,
        customer_id: UUID | None = None,
        lock_state: Annotated[
            Literal["in_stock", "installed", "removed", "faulty"] | None,
            QueryParameter(name="state"),
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Locks you may see; filter by customer or state."""
        total, rows = await LockRegistry(services).list_locks(
            principal, customer_id, lock_state, limit, offset
        )
        return Page(total=total, limit=limit, offset=offset, items=[lock_out(r) for r in rows])

    @get("/{lock_id:uuid}")
    async def get_lock(self, lock_id: UUID, principal: Principal, services: Services) -> LockOut:
        return lock_out(await LockRegistry(services).visible(principal, lock_id))

    @get("/{lock_id:uuid}/reports")
    async def lock_reports(
        self,
        lock_id: UUID,
        principal: Principal,
        services: Services,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """The lock's verified telemetry and evidence, newest first."""
        total, rows = await LockRegistry(services).reports(principal, lock_id, limit, offset)
        return Page(
            total=total, limit=limit, offset=offset, items=[lock_report_out(r) for r in rows]
        )

    @post("/")
    async def register_lock(
        self, data: LockIn, principal: Principal, services: Services
    ) -> LockOut:
        """Planners register lock units in stock, or already installed at a customer."""
        return lock_out(await LockRegistry(services).register(principal, data))
