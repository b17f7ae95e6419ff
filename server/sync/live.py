"""Live pokes: clients learn the newest change number the moment a change commits.

One ``ChangeFeed`` per process. On SQLite (one server process) the unit of work publishes to it
after commit. On PostgreSQL the writing transaction sends ``NOTIFY`` (delivered only at
commit), and every instance LISTENs and publishes what it hears, so a client connected to
one instance hears about writes made through another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from piccolo.engine.postgres import PostgresEngine

logger = logging.getLogger(__name__)

CHANNEL = "lockwork_changes"
# A comment line this often keeps proxies and phones from closing an idle stream.
HEARTBEAT_SECONDS = 15.0


class ChangeFeed:
    def __init__(self) -> None:
        self.newest = 0
        self._changed = asyncio.Event()

    def publish(self, change_number: int) -> None:
        if change_number > self.newest:
            self.newest = change_number
            # Wake every waiter, then re-arm for the next change.
            self._changed.set()
            self._changed = asyncio.Event()

    async def wait_beyond(self, seen: int, patience_seconds: float) -> int:
        """The newest number once it passes ``seen``, or ``seen`` after ``patience_seconds``."""
        if self.newest > seen:
            return self.newest
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), patience_seconds)
        return self.newest


FEED = ChangeFeed()


async def notify_in_transaction(engine: Any, change_number: int) -> None:
    """On PostgreSQL: tell the other instances, at commit. SQLite publishes after commit."""
    if isinstance(engine, PostgresEngine):
        from server.sync.tables import SyncCounter

        await SyncCounter.raw("SELECT pg_notify({}, {})", CHANNEL, str(change_number))


@contextlib.asynccontextmanager
async def listening(engine: Any) -> AsyncIterator[None]:
    """For the app's lifespan: on PostgreSQL, a dedicated connection LISTENs for changes."""
    if not isinstance(engine, PostgresEngine):
        yield
        return
    connection = await engine.get_new_connection()

    def heard(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            FEED.publish(int(payload))

    await connection.add_listener(CHANNEL, heard)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            await connection.remove_listener(CHANNEL, heard)
        await connection.close()
