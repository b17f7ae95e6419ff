"""HTTP routes of the sync protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
from litestar import Controller, get, post
from litestar.di import Provide
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK

from server.accounts.permissions import Principal
from server.context import Services
from server.sync import live
from server.sync.schemas import (
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    ChecksumsOut,
    PullIn,
    PullOut,
    PushIn,
    PushOut,
    RegisterIn,
    RegisterOut,
)
from server.sync.service import SyncService, check_versions
from server.web import provide_principal


class SyncController(Controller):
    path = "/api/sync"
    tags = ["sync"]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/register")
    async def register(
        self, data: RegisterIn, principal: Principal, services: Services
    ) -> RegisterOut:
        """Register this device as a sync client; pull from cursor 0 next."""
        check_versions(data)
        client_id = await SyncService(services).register(principal, data.device)
        return RegisterOut(
            client_id=client_id, cursor=0, protocol=PROTOCOL_VERSION, schema=SCHEMA_VERSION
        )

    @post("/pull", status_code=HTTP_200_OK)
    async def pull(self, data: PullIn, principal: Principal, services: Services) -> PullOut:
        """Changes in your scope after ``cursor``, oldest first, at most ``limit`` entities."""
        check_versions(data)
        return await SyncService(services).pull(
            principal, data.client_id, data.cursor, data.limit, data.protocol
        )

    @post("/push", status_code=HTTP_200_OK)
    async def push(self, data: PushIn, principal: Principal, services: Services) -> PushOut:
        """Apply mutations in sequence order, each exactly once; one result per mutation."""
        check_versions(data)
        return await SyncService(services).push(principal, data.client_id, data.mutations)

    @get("/events")
    async def events(self, principal: Principal, services: Services) -> ServerSentEvent:
        """Server-sent events: ``change`` with the newest change number whenever one commits.

        A poke only: the client then pulls, and the pull applies its scope.
        """
        start = await SyncService(services).newest_change()

        async def stream() -> AsyncIterator[ServerSentEventMessage]:
            seen = start
            yield ServerSentEventMessage(
                event="change", data=msgspec.json.encode({"cursor": seen}).decode()
            )
            while True:
                newest = await live.FEED.wait_beyond(seen, live.HEARTBEAT_SECONDS)
                if newest > seen:
                    seen = newest
                    yield ServerSentEventMessage(
                        event="change", data=msgspec.json.encode({"cursor": seen}).decode()
                    )
                else:
                    yield ServerSentEventMessage(comment="heartbeat")

        return ServerSentEvent(stream())

    @get("/checksums")
    async def checksums(self, principal: Principal, services: Services) -> ChecksumsOut:
        """Per scope, the count and digest of the rows a client should hold."""
        return await SyncService(services).checksums(principal)
