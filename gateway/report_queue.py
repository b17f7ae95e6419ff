"""The gateway's offline store of lock-signed evidence, waiting for upload.

Every signed lock report, pairing receipt and unpair receipt is written here, durably, before
the gateway tells anyone the operation is done. A fitter is often offline at the door; a gateway
may be switched off or killed at any moment. So:

- one SQLite file (stdlib ``sqlite3``), WAL journal and ``synchronous=FULL``: a row is on disk
  when ``add`` returns;
- all SQLite work runs on one dedicated thread that owns the connection, so the event loop
  (and the Bluetooth link it drives) never blocks on a disk flush;
- a row is marked uploaded only after the server acknowledged it. The upload goes through the
  sync protocol as the intent ``lock_report.add``, with the row's id as the mutation id: a row
  resent after a crash or a lost answer is the same mutation, and the server applies it once.

Rows are never deleted by the gateway: an upload the server rejected keeps its reason for a
person to look at (a rejected mutation gets the same answer when resent, so it is not retried).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, TypeVar

import msgspec

from gateway.errors import GatewayError
from gateway.sync_client import SyncClient

T = TypeVar("T")

MUTATION_NAME: Final = "lock_report.add"
SCHEMA_VERSION: Final = 1
# Another process (a second gateway command) may hold the write lock for a moment; 5 s is far
# above any single insert and still fails visibly if the file is stuck.
BUSY_TIMEOUT_MS: Final = 5000

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS lock_reports (
    id           TEXT PRIMARY KEY,   -- also the sync mutation id (exactly once)
    kind         TEXT NOT NULL,      -- ReportKind
    serial       TEXT NOT NULL,
    lock_id      TEXT NOT NULL,      -- hex
    data         TEXT NOT NULL,      -- hex: the lock-signed bytes, exactly as received
    server_nonce TEXT,               -- hex, reports only
    ticket       TEXT,               -- hex, pairing receipts only (the server checks it)
    queued_at    REAL NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    uploaded_at  REAL,               -- set only once the server acknowledged
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS lock_reports_status ON lock_reports (status, queued_at);
CREATE INDEX IF NOT EXISTS lock_reports_nonce ON lock_reports (server_nonce);
"""


class ReportKind(StrEnum):
    LOCK_REPORT = "lock_report"  # READ_REPORT result: battery, firmware, faults (LockReport)
    PAIRING_RECEIPT = "pairing_receipt"  # PAIR_RECEIPT payload (certificate + receipt)
    UNPAIR_RECEIPT = "unpair_receipt"  # the lock-signed receipt of an accepted UNPAIR


class UploadStatus(StrEnum):
    PENDING = "pending"
    UPLOADED = "uploaded"
    REJECTED = "rejected"


class QueuedReport(msgspec.Struct, frozen=True):
    """One row of the queue, as the CLI and the local API show it."""

    id: str
    kind: ReportKind
    serial: str
    lock_id: str
    data: str
    queued_at: float
    status: UploadStatus
    server_nonce: str | None = None
    ticket: str | None = None
    uploaded_at: float | None = None
    reason: str = ""

    def mutation_args(self) -> dict[str, Any]:
        """The ``lock_report.add`` arguments: everything the server needs to verify it."""
        return {
            "kind": self.kind.value,
            "serial": self.serial,
            "lock_id": self.lock_id,
            "data": self.data,
            "server_nonce": self.server_nonce,
            "ticket": self.ticket,
            "queued_at": self.queued_at,
        }


class UploadSummary(msgspec.Struct, frozen=True):
    uploaded: list[str]
    rejected: list[str]
    still_pending: list[str]


class ReportQueueError(GatewayError):
    """The local report store cannot be used."""


class UploadFailed(GatewayError):
    """The upload did not reach the server; every report stays queued for the next try."""


_COLUMNS: Final = (
    "id, kind, serial, lock_id, data, queued_at, status, server_nonce, ticket, uploaded_at, reason"
)


def _row(values: tuple[Any, ...]) -> QueuedReport:
    (id_, kind, serial, lock_id, data, queued_at, status, nonce, ticket, uploaded_at, reason) = (
        values
    )
    return QueuedReport(
        id=id_,
        kind=ReportKind(kind),
        serial=serial,
        lock_id=lock_id,
        data=data,
        queued_at=queued_at,
        status=UploadStatus(status),
        server_nonce=nonce,
        ticket=ticket,
        uploaded_at=uploaded_at,
        reason=reason,
    )


class ReportQueue:
    """The queue in one SQLite file. Open with `ReportQueue.open`, close with `close`."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        # One thread owns the connection (sqlite3 objects must stay on their thread).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-queue")
        self._db: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: Path, clock: Callable[[], float] = time.time) -> ReportQueue:
        queue = cls(path, clock)
        try:
            await queue._call(queue._connect)
        except (sqlite3.Error, OSError) as exc:
            queue._executor.shutdown(wait=False)
            raise ReportQueueError(
                f"The report store {path} cannot be opened ({exc}). Check that the gateway's "
                "data folder is writable and not full."
            ) from exc
        return queue

    async def _call(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    # -- on the queue's thread ------------------------------------------------------------

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode; writes use explicit BEGIN IMMEDIATE ... COMMIT.
        db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        db.execute("PRAGMA journal_mode=WAL")
        # FULL: the WAL is fsynced at every commit, so a committed row survives power loss.
        db.execute("PRAGMA synchronous=FULL")
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise sqlite3.DatabaseError(
                f"store has schema version {version}, this gateway knows {SCHEMA_VERSION}"
            )
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._db = db

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise ReportQueueError("The report store is closed.")
        return self._db

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            changed = db.execute(sql, params).rowcount
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return changed

    def _select(self, where: str = "", params: tuple[Any, ...] = ()) -> list[QueuedReport]:
        rows = self._conn().execute(
            f"SELECT {_COLUMNS} FROM lock_reports {where} ORDER BY queued_at, id",  # noqa: S608
            params,
        )
        return [_row(values) for values in rows.fetchall()]

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- API --------------------------------------------------------------------------------

    async def add(
        self,
        kind: ReportKind,
        *,
        serial: str,
        lock_id: bytes,
        data: bytes,
        server_nonce: bytes | None = None,
        ticket: bytes | None = None,
    ) -> QueuedReport:
        """Store one signed item durably; returns once it is on disk."""
        report = QueuedReport(
            id=str(uuid.uuid4()),
            kind=kind,
            serial=serial,
            lock_id=lock_id.hex(),
            data=data.hex(),
            queued_at=self._clock(),
            status=UploadStatus.PENDING,
            server_nonce=server_nonce.hex() if server_nonce is not None else None,
            ticket=ticket.hex() if ticket is not None else None,
        )
        try:
            await self._call(
                lambda: self._write(
                    "INSERT INTO lock_reports (id, kind, serial, lock_id, data, queued_at, "
                    "status, server_nonce, ticket) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        report.id,
                        report.kind.value,
                        report.serial,
                        report.lock_id,
                        report.data,
                        report.queued_at,
                        report.status.value,
                        report.server_nonce,
                        report.ticket,
                    ),
                )
            )
        except sqlite3.Error as exc:
            raise ReportQueueError(
                f"The signed {kind.value} from lock {serial} could not be stored ({exc}); the "
                "operation is NOT recorded. Free space on the gateway and run it again."
            ) from exc
        return report

    async def all(self) -> list[QueuedReport]:
        return await self._call(self._select)

    async def pending(self) -> list[QueuedReport]:
        return await self._call(
            lambda: self._select("WHERE status = ?", (UploadStatus.PENDING.value,))
        )

    async def find(self, kind: ReportKind, data: bytes) -> QueuedReport | None:
        """The row already holding exactly these signed bytes (a receipt the lock sent again)."""
        rows = await self._call(
            lambda: self._select("WHERE kind = ? AND data = ?", (kind.value, data.hex()))
        )
        return rows[0] if rows else None

    async def holds_nonce(self, server_nonce: bytes) -> bool:
        """Whether a stored report already carries this server nonce (whatever its upload state).

        The server takes each nonce once, so a nonce stored here is spent: the row and its
        nonce reach the disk in one commit, so there is no moment when a report is kept but its
        nonce still looks free (the gateway's durable record of the nonces it has used).
        """
        sql = "SELECT 1 FROM lock_reports WHERE server_nonce = ? LIMIT 1"
        rows = await self._call(lambda: self._conn().execute(sql, (server_nonce.hex(),)).fetchall())
        return bool(rows)

    async def get(self, report_id: str) -> QueuedReport | None:
        rows = await self._call(lambda: self._select("WHERE id = ?", (report_id,)))
        return rows[0] if rows else None

    async def _mark(self, report_id: str, status: UploadStatus, reason: str = "") -> None:
        now = self._clock()
        await self._call(
            lambda: self._write(
                "UPDATE lock_reports SET status = ?, uploaded_at = ?, reason = ? "
                "WHERE id = ? AND status = ?",
                (status.value, now, reason, report_id, UploadStatus.PENDING.value),
            )
        )

    async def upload(self, sync: SyncClient) -> UploadSummary:
        """Send every pending row as ``lock_report.add``; mark only what the server answered.

        Raises `UploadFailed` when the server cannot be reached; nothing is marked then.
        """
        pending = await self.pending()
        queued_ids = {p.id for p in sync.outbox}
        for report in pending:
            if report.id not in queued_ids:  # already waiting in this client's outbox
                sync.enqueue(MUTATION_NAME, report.mutation_args(), mutation_id=report.id)
        ours = {report.id for report in pending}
        try:
            results = await sync.push()
        except Exception as exc:  # httpx transport errors, refusals of the whole request
            raise UploadFailed(
                f"{len(ours)} signed lock report(s) could not be uploaded ({exc!r}); they stay "
                "queued on this gateway and are sent at the next connection."
            ) from exc
        uploaded: list[str] = []
        rejected: list[str] = []
        for result in results:
            report_id = result.get("id")
            if report_id not in ours:
                continue
            if result.get("status") in ("applied", "overridden"):
                await self._mark(report_id, UploadStatus.UPLOADED)
                uploaded.append(report_id)
            elif result.get("status") == "rejected":
                reason = f"{result.get('code', '')}: {result.get('message', '')}".strip(": ")
                await self._mark(report_id, UploadStatus.REJECTED, reason)
                rejected.append(report_id)
        done = set(uploaded) | set(rejected)
        return UploadSummary(
            uploaded=uploaded,
            rejected=rejected,
            still_pending=[r for r in sorted(ours) if r not in done],
        )

    async def close(self) -> None:
        try:
            await self._call(self._close)
        finally:
            self._executor.shutdown(wait=True)
