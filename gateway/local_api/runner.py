"""Operations started through the local API: one asyncio task each, polled by the app.

Each operation gets its own `OperationContext` (its own progress sink) on the shared radio,
lock registry and report queue; the registry of `gateway.ble.connection` keeps one session per
lock at a time, so a second operation on a busy lock waits (and says so) rather than colliding.

A journal (``DATA_DIR/operations.json``, replaced atomically) records every operation when it
starts and when it ends. A gateway killed mid-operation finds it "running" in the journal at
the next start and reports it as failed with the code ``interrupted``: the app polling it
learns the truth instead of waiting forever. (What the lock did is the lock's business: it
commits a pairing or a command atomically, and signed receipts are queued before "done".)
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import msgspec

from gateway import operations as ops
from gateway.error_codes import INTERRUPTED, ErrorBody, describe
from gateway.errors import InputError
from gateway.known_locks import KnownLocks
from gateway.lock_access import LockAccess, access_for
from gateway.operations import OperationContext
from gateway.progress import Progress

logger = logging.getLogger(__name__)

JOURNAL_FILE: Final = "operations.json"
# The journal keeps the newest operations only; the app polls an operation while it runs and
# shortly after, so 200 covers a long working day and keeps the file small.
JOURNAL_KEEP: Final = 200


class OperationKind(StrEnum):
    SCAN = "scan"
    WAKE = "wake"
    BATTERY = "battery"
    PAIR = "pair"
    UNPAIR = "unpair"
    TEST = "test"
    LOG = "log"
    DIAGNOSE = "diagnose"


class OperationState(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ProgressEntry(msgspec.Struct, frozen=True):
    step: str
    message_sv: str
    message_en: str
    at: str


class OperationRecord(msgspec.Struct):
    """Contract B's operation, plus the lock and order it was for."""

    id: str
    kind: OperationKind
    state: OperationState
    serial: str | None = None
    order_id: str | None = None
    progress: list[ProgressEntry] = msgspec.field(default_factory=list)
    result: Any = None
    error: ErrorBody | None = None
    started_at: str = ""
    finished_at: str | None = None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def progress_entry(line: str) -> ProgressEntry:
    if isinstance(line, Progress):
        return ProgressEntry(line.step.value, line.message_sv, line.message_en, _now_iso())
    return ProgressEntry("info", line, line, _now_iso())


class OperationRunner:
    """Starts operations, keeps their records, and journals them for crash recovery."""

    def __init__(
        self,
        ctx: OperationContext,
        access: LockAccess,
        known: KnownLocks,
        data_dir: Path,
        *,
        on_evidence: Callable[[], None] = lambda: None,
        before_grant: Callable[[], Awaitable[None]] | None = None,
        echo: Callable[[str], None] = lambda _line: None,
    ) -> None:
        self._ctx = ctx
        self._access = access
        self._known = known
        self._journal = data_dir / JOURNAL_FILE
        self._on_evidence = on_evidence
        self._before_grant = before_grant
        self._echo = echo
        self._records: dict[str, OperationRecord] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._recover()

    # -- journal ----------------------------------------------------------------------------

    def _recover(self) -> None:
        """Load the journal; what was running when the gateway died is failed: interrupted."""
        try:
            records = msgspec.json.decode(self._journal.read_bytes(), type=list[OperationRecord])
        except FileNotFoundError:
            records = []
        except msgspec.DecodeError:
            logger.warning("operation journal %s unreadable; starting a new one", self._journal)
            records = []
        interrupted = 0
        for record in records:
            if record.state is OperationState.RUNNING:
                record.state = OperationState.FAILED
                record.error = INTERRUPTED
                record.finished_at = _now_iso()
                interrupted += 1
            self._records[record.id] = record
        if interrupted:
            logger.warning("%d operation(s) were interrupted by a restart", interrupted)
            self._save()

    def _save(self) -> None:
        newest = list(self._records.values())[-JOURNAL_KEEP:]
        self._journal.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._journal.with_suffix(".tmp")
        with open(temporary, "wb") as out:
            out.write(msgspec.json.encode(newest))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self._journal)

    # -- API --------------------------------------------------------------------------------

    def get(self, operation_id: str) -> OperationRecord | None:
        return self._records.get(operation_id)

    def running(self) -> list[OperationRecord]:
        return [r for r in self._records.values() if r.state is OperationState.RUNNING]

    def start(
        self, kind: OperationKind, serial: str | None, order_id: str | None
    ) -> OperationRecord:
        """Check the input, journal the operation as running, and start it."""
        if kind is not OperationKind.SCAN:
            if not serial:
                raise InputError(f"The operation {kind.value!r} needs the lock's serial.")
            ops.lock_short_serial(serial)  # a malformed serial is refused before anything runs
        record = OperationRecord(
            id=str(uuid.uuid4()),
            kind=kind,
            state=OperationState.RUNNING,
            serial=serial,
            order_id=order_id,
            started_at=_now_iso(),
        )
        self._records[record.id] = record
        self._save()
        task = asyncio.create_task(self._run(record), name=f"operation {kind.value} {record.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return record

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- running ----------------------------------------------------------------------------

    async def _run(self, record: OperationRecord) -> None:
        def progress(line: str) -> None:
            record.progress.append(progress_entry(line))
            self._echo(f"[{record.kind.value} {record.serial or ''}] {line}")

        ctx = dataclasses.replace(self._ctx, progress=progress)
        started = time.monotonic()
        try:
            result = await self._execute(record, ctx)
        except asyncio.CancelledError:
            record.state = OperationState.FAILED
            record.error = INTERRUPTED
            raise
        except Exception as exc:
            record.error = describe(exc)
            record.state = OperationState.FAILED
            if record.error.code == "internal_error":
                logger.exception("operation %s failed unexpectedly", record.id)
            self._echo(f"[{record.kind.value} {record.serial or ''}] failed: {record.error.code}")
        else:
            record.result = msgspec.to_builtins(result)
            record.state = OperationState.SUCCEEDED
            self._echo(
                f"[{record.kind.value} {record.serial or ''}] done "
                f"({(time.monotonic() - started) * 1000:.0f} ms)"
            )
        finally:
            record.finished_at = _now_iso()
            self._save()

    async def _execute(self, record: OperationRecord, ctx: OperationContext) -> Any:
        kind, order = record.kind, record.order_id
        if kind is OperationKind.SCAN:
            return await ops.scan(ctx)
        serial = record.serial or ""
        if kind is OperationKind.WAKE:
            return await ops.wake(ctx, serial)
        if kind is OperationKind.PAIR:
            ticket = await self._access.pairing_ticket(order, serial)
            earlier = await self._access.earlier_tickets(order, ticket)
            paired = await ops.pair(ctx, serial, ticket, earlier=earlier)
            self._known.remember(
                paired.serial, paired.lock_id, paired=True, pairing_id=paired.pairing_id
            )
            self._on_evidence()
            return paired
        if self._before_grant is not None:
            await self._before_grant()
        if kind is OperationKind.UNPAIR:
            token = await self._access.unbind_token(serial, order)
            access, _nonce = await access_for(self._access, serial, order)
            unpaired = await ops.unpair(ctx, serial, access, token)
            self._known.remember(
                unpaired.serial, unpaired.lock_id, paired=False, forget_pairing=True
            )
            self._on_evidence()
            return unpaired
        # Asked for each operation: online that is a new credential with a new server nonce,
        # so every reading is evidence the server takes (it accepts each nonce once).
        access, server_nonce = await access_for(self._access, serial, order)
        if kind is OperationKind.BATTERY:
            reading = await ops.battery(ctx, serial, access, server_nonce=server_nonce)
            self._known.remember(reading.serial, reading.lock_id, paired=reading.paired)
            self._on_evidence()
            return reading
        if kind is OperationKind.TEST:
            return await ops.test(ctx, serial, access)
        if kind is OperationKind.LOG:
            return await ops.log(ctx, serial, access)
        return await ops.diagnose(ctx, serial, access)
