"""The background worker: delivers the outbox and runs the periodic jobs (escalations).

Every server instance runs one; on PostgreSQL they share the work through claims
(``FOR UPDATE SKIP LOCKED``), on SQLite claims are taken inside ``BEGIN IMMEDIATE``. A job that
changes orders (escalation) guards each change with a compare-and-set, so it is safe to run
in every instance at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from server.clock import Clock
from server.notify import outbox
from server.notify.outbox import Channel, Message, State
from server.notify.transports import Outcome, Result, Transport

logger = logging.getLogger(__name__)

# How often an idle worker looks for due messages: a notification leaves within about a
# second of its commit, and an idle poll is one indexed query.
POLL_SECONDS = 1.0
# After an unexpected error (database restarting), pause this long before the next round so
# a persistent fault does not spin the CPU or flood the log.
ERROR_PAUSE_SECONDS = 5.0


def worker_id() -> str:
    """Unique per process and start: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PeriodicJob:
    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[int]]
    last_run: float | None = None


class NotificationWorker:
    def __init__(
        self,
        engine: Engine[Any],
        clock: Clock,
        transports: Mapping[Channel, Transport],
        *,
        owner: str | None = None,
        batch_size: int = outbox.BATCH_SIZE,
        claim_seconds: float = outbox.CLAIM_SECONDS,
        jobs: list[PeriodicJob] | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.transports = dict(transports)
        self.owner = owner or worker_id()
        self.batch_size = batch_size
        self.claim_seconds = claim_seconds
        self.jobs = jobs or []

    async def run_once(self) -> int:
        """Claim one batch of due messages and deliver it; how many were claimed."""
        batch = await outbox.claim_batch(
            self.engine,
            self.owner,
            self.clock.now(),
            limit=self.batch_size,
            claim_seconds=self.claim_seconds,
        )
        for message in batch:
            await self.deliver(message)
        return len(batch)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Deliver until nothing is due (tests and the command line)."""
        total = 0
        for _ in range(max_rounds):
            claimed = await self.run_once()
            total += claimed
            if not claimed:
                break
        return total

    async def deliver(self, message: Message) -> Outcome:
        transport = self.transports.get(message.channel)
        if transport is None:
            outcome = Outcome(Result.RETRY, f"no transport for channel {message.channel}")
        else:
            try:
                outcome = await transport.send(message)
            except Exception as exc:  # a bug in a transport must not stop the worker
                logger.exception("Transport %s failed on message %s", message.channel, message.id)
                outcome = Outcome(Result.RETRY, f"unexpected error: {type(exc).__name__}")
        now = self.clock.now()
        if outcome.result is Result.SENT:
            await outbox.mark_sent(
                message.id,
                self.owner,
                now,
                provider_message_id=outcome.provider_id,
                provider_status=outcome.provider_status,
            )
        elif outcome.result is Result.RETRY:
            state = await outbox.mark_retry(
                message, self.owner, now, outcome.error, after=outcome.retry_after
            )
            if state is State.FAILED:
                logger.warning(
                    "Gave up on %s message %s: %s", message.channel, message.id, outcome.error
                )
        else:
            final = {
                Result.FAILED: State.FAILED,
                Result.DISCARDED: State.DISCARDED,
                Result.HELD: State.HELD,
            }[outcome.result]
            await outbox.mark_final(message.id, self.owner, final, outcome.error)
            if final is State.FAILED:
                logger.warning(
                    "Could not deliver %s message %s: %s",
                    message.channel,
                    message.id,
                    outcome.error,
                )
        # Ids and outcomes only: bodies and addresses may hold personal data.
        logger.debug("Message %s (%s): %s", message.id, message.channel, outcome.result)
        return outcome

    async def run_due_jobs(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        for job in self.jobs:
            if job.last_run is not None and loop_time - job.last_run < job.interval_seconds:
                continue
            job.last_run = loop_time
            try:
                done = await job.run()
            except Exception:
                logger.exception("Periodic job %s failed; it runs again later", job.name)
                continue
            if done:
                logger.info("Periodic job %s changed %d item(s)", job.name, done)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: run due jobs, deliver batches, sleep when idle."""
        logger.info("Notification worker %s started", self.owner)
        while not stop.is_set():
            pause = POLL_SECONDS
            try:
                await self.run_due_jobs()
                if await self.run_once() >= self.batch_size:
                    pause = 0.0  # a full batch: more is probably due, go on at once
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Notification worker round failed; pausing")
                pause = ERROR_PAUSE_SECONDS
            if pause:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
        for transport in self.transports.values():
            close = getattr(transport, "close", None)
            if close is not None:
                await close()
        logger.info("Notification worker %s stopped", self.owner)
