"""Uploading the report queue to the server, now and then and right after new evidence.

Used by `lockwork-gateway serve` and `hub`. Without a server configured it does nothing (the
reports stay queued, and `queued_reports` in the status shows how many). A failed upload is
logged and retried at the next round; the queue marks a report only once the server answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final

from gateway.report_queue import ReportQueue, UploadFailed, UploadSummary
from gateway.server_client import LockServerClient
from gateway.sync_client import SyncClient, SyncClientError

logger = logging.getLogger(__name__)

# How often the gateway tries the server on its own: often enough that a report reaches the
# planner within a minute of the gateway coming back online, rarely enough to be invisible on
# a metered mobile link (one small request when there is nothing to send).
UPLOAD_INTERVAL_S: Final = 30.0


class Uploader:
    """Keeps `server_reachable` fresh and sends pending reports through the sync protocol."""

    def __init__(
        self,
        queue: ReportQueue,
        server: LockServerClient | None,
        *,
        interval_s: float = UPLOAD_INTERVAL_S,
        echo: Callable[[str], None] = lambda _line: None,
    ) -> None:
        self._queue = queue
        self._server = server
        self._interval_s = interval_s
        self._echo = echo
        self._sync = (
            SyncClient(http=server.http, device="lockwork-gateway") if server is not None else None
        )
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.server_reachable = False

    async def flush(self) -> None:
        """Upload what is pending before asking the server about a lock (it learns a lock
        from its pairing receipt); offline, or with nothing pending, this returns at once."""
        if self._server is not None and await self._queue.pending():
            await self.upload_once()

    def kick(self) -> None:
        """Upload soon (new evidence was queued)."""
        self._kick.set()

    async def upload_once(self) -> UploadSummary | None:
        if self._server is None or self._sync is None:
            return None
        pending = await self._queue.pending()
        self.server_reachable = await self._server.reachable()
        if not self.server_reachable or not pending:
            return None
        try:
            summary = await self._queue.upload(self._sync)
        except (UploadFailed, SyncClientError) as exc:
            logger.warning("upload failed: %s", exc)
            return None
        if summary.uploaded or summary.rejected:
            self._echo(
                f"uploaded {len(summary.uploaded)} signed report(s)"
                + (f", {len(summary.rejected)} rejected by the server" if summary.rejected else "")
            )
        return summary

    async def _loop(self) -> None:
        while True:
            try:
                await self.upload_once()
            except Exception:  # the loop must outlive any single failure
                logger.exception("upload round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self._interval_s)
            self._kick.clear()

    def start(self) -> None:
        if self._server is not None and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="report uploader")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._server is not None:
            await self._server.close()
