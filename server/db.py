"""The database engine: chosen from the settings, checked, migrated and bound to every table.

SQLite (one file, WAL) is the embedded default; PostgreSQL is for several server instances.
Piccolo finds its engine through ``server.piccolo_conf``; ``bind_engine`` points that module
and every table at the engine the running app was configured with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import aiosqlite
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from server.errors import DatabaseUnavailable, Unavailable

# Piccolo locates its configuration module through this variable (its CLI and migrations).
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long a SQLite writer waits for another writer's lock before giving up: long enough to
# ride out a burst of sync pushes, short enough that a wedged writer surfaces as an error.
SQLITE_BUSY_TIMEOUT_MS = 5_000
# A start-up probe that hangs (firewalled PostgreSQL) must not hang the start for ever.
CONNECT_TIMEOUT_SECONDS = 5.0
POSTGRES_POOL_MAX_SIZE = 10
# Open SQLite connections kept for statements outside a transaction. Each new aiosqlite
# connection starts a thread and runs its pragmas; a handful covers the statements a single
# event loop has in flight at once (more are opened, then closed, under a burst).
SQLITE_IDLE_CONNECTIONS = 16


class _DurableSQLiteConnection(sqlite3.Connection):
    """Every connection Piccolo opens gets the same pragmas.

    ``synchronous=FULL`` in WAL mode: a commit is on disk (fsync) before it is acknowledged, so
    an acknowledged sync mutation survives a power cut. ``foreign_keys`` is set by Piccolo.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        self.execute("PRAGMA synchronous = FULL")


class _ReusingSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, minus two costs paid on every statement.

    Outside a transaction Piccolo opens a new connection (a new thread) per statement; this
    engine keeps a few open ones and hands each statement one of them alone. Inside a
    transaction Piccolo re-sends ``PRAGMA foreign_keys`` before every statement; it is set once
    when the connection opens. Isolation is unchanged: a statement outside a transaction runs
    in autocommit on a connection no one else is using, and transactions still get their own.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._idle: list[Any] = []

    async def get_connection(self) -> Any:
        connection = aiosqlite.connect(**self.connection_kwargs)
        # A daemon worker thread: an idle kept connection never holds up the process's exit.
        connection._thread.daemon = True
        await connection
        connection.row_factory = _dict_row  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        connection = self._idle.pop() if self._idle else await self.get_connection()
        try:
            async with connection.execute(query, args or []) as cursor:
                await connection.commit()
                rows = await cursor.fetchall()
        except BaseException:
            # Its state is unknown (cancelled mid-statement, say): never reuse it.
            with contextlib.suppress(Exception):
                await asyncio.shield(connection.close())
            raise
        if len(self._idle) < SQLITE_IDLE_CONNECTIONS:
            self._idle.append(connection)
        else:
            await connection.close()
        return rows

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close_idle(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.close()


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: row[index] for index, column in enumerate(cursor.description)}


def engine_from_url(url: str) -> Engine[Any]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise DatabaseUnavailable("LOCKWORK_DATABASE_URL=sqlite:/// needs a file path.")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return _ReusingSQLiteEngine(path=path, factory=_DurableSQLiteConnection)
    if parts.scheme in {"postgresql", "postgres"}:
        return PostgresEngine(config={"dsn": url, "timeout": CONNECT_TIMEOUT_SECONDS})
    raise DatabaseUnavailable(f"Unsupported database URL scheme '{parts.scheme}'.")


def engine_kind(engine: Engine[Any]) -> str:
    return "postgresql" if isinstance(engine, PostgresEngine) else "sqlite"


def _describe(url: str) -> str:
    """The URL without a password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def app_registry() -> Any:
    return Finder().get_app_registry()


def all_tables() -> list[Any]:
    tables: list[Any] = [Migration]
    for app_config in app_registry().app_configs.values():
        tables.extend(app_config.table_classes)
    return tables


def bind_engine(engine: Engine[Any]) -> None:
    """Point Piccolo's configuration module and every table at ``engine``."""
    from server import piccolo_conf

    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine


async def check_connection(engine: Engine[Any], url: str) -> None:
    """Fail the start with a message that says what to fix when the database is unreachable."""
    try:
        if isinstance(engine, PostgresEngine):
            await asyncio.wait_for(
                engine.start_connection_pool(max_size=POSTGRES_POOL_MAX_SIZE),
                CONNECT_TIMEOUT_SECONDS + 1,
            )
            await engine._run_in_pool("SELECT 1")
        else:
            await engine._run_in_new_connection("PRAGMA journal_mode = WAL")  # type: ignore[attr-defined]
    except Exception as exc:
        hint = (
            "Check that PostgreSQL is running and accepts connections, and that the user, "
            "password and database in LOCKWORK_DATABASE_URL are right."
            if isinstance(engine, PostgresEngine)
            else "Check that the folder exists and is writable, and that the file is a "
            "SQLite database."
        )
        raise DatabaseUnavailable(
            f"Cannot reach the database at {_describe(url)}: {exc}. {hint}"
        ) from exc


async def close_engine(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool:
        await engine.close_connection_pool()
    if isinstance(engine, _ReusingSQLiteEngine):
        await engine.close_idle()


def write_transaction(engine: Engine[Any]) -> Any:
    """A transaction that takes the write lock at its start on SQLite.

    A deferred SQLite transaction that reads and then writes can fail with SQLITE_BUSY without
    waiting (lock upgrade deadlock); ``BEGIN IMMEDIATE`` queues writers behind the busy timeout.
    """
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def lock_rows(engine: Engine[Any], table: Any, ids: Iterable[Any]) -> None:
    """Hold these rows until the transaction ends (PostgreSQL ``SELECT ... FOR UPDATE``).

    Taken in id order, so two transactions that lock some of the same rows wait for each other
    instead of deadlocking. A read made after this sees the newest committed row, and no one
    can change it before this transaction ends: a decision on what was read still holds when
    the write comes. SQLite needs nothing: a writer holds the whole database from ``BEGIN
    IMMEDIATE`` (``write_transaction``).
    """
    wanted = sorted({str(i) for i in ids if i is not None})
    if not wanted or isinstance(engine, SQLiteEngine):
        return
    key = table._meta.primary_key
    await table.select(key).where(key.is_in(wanted)).order_by(key).lock_rows()


# SQLSTATEs with which PostgreSQL aborts a transaction to settle its conflict with another one
# (40P01 deadlock_detected, 40001 serialization_failure): the transaction rolled back whole, so
# running the same work again is safe, and it will most likely pass.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})


def lost_a_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL aborting the transaction for a deadlock or a serialization
    conflict with another transaction (asyncpg's errors carry the SQLSTATE)."""
    return getattr(exc, "sqlstate", None) in CONFLICT_SQLSTATES


async def retry_conflicts(
    work: Callable[[], Awaitable[T]], *, attempts: int, pause_seconds: float
) -> T:
    """Run ``work`` (one whole transaction) again when it lost a conflict, up to ``attempts``
    times in all, pausing a random time up to ``pause_seconds`` between (the jitter keeps two
    colliding transactions from colliding again). The last failure is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except Exception as exc:
            if not lost_a_conflict(exc):
                raise
            if attempt == attempts:
                raise busy() from exc
            logger.info(
                "Transaction lost a conflict (%s); attempt %d", exc.__class__.__name__, attempt
            )
        await asyncio.sleep(random.uniform(0, pause_seconds))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")


# What a client is told to wait before retrying work that kept losing conflicts: they last as
# long as the colliding transactions, tens of milliseconds.
BUSY_RETRY_AFTER_SECONDS = 1


def busy() -> Unavailable:
    """The answer to work that lost a conflict with other transactions: nothing was saved."""
    return Unavailable(
        "The server is busy with other changes to the same data; nothing was saved. "
        "Try again in a moment.",
        retry_after=BUSY_RETRY_AFTER_SECONDS,
        message_sv="Servern är upptagen med andra ändringar av samma uppgifter; inget sparades. "
        "Försök igen om en stund.",
    )


@dataclass(frozen=True)
class MigrationState:
    applied: int
    pending: int

    @property
    def state(self) -> str:
        return "current" if self.pending == 0 else "pending"


async def migration_state() -> MigrationState:
    manager = BaseMigrationManager()
    await manager.create_migration_table()
    applied = pending = 0
    for app_name in manager.get_sorted_app_names():
        app_config = manager.get_app_config(app_name)
        available = set(
            manager.get_migration_ids(
                manager.get_migration_modules(app_config.resolved_migrations_folder_path)
            )
        )
        ran = set(await Migration.get_migrations_which_ran(app_name=app_name))
        applied += len(available & ran)
        pending += len(available - ran)
    return MigrationState(applied=applied, pending=pending)


async def migrate() -> MigrationState:
    """Apply every pending migration, app by app in dependency order."""
    manager = BaseMigrationManager()
    for app_name in manager.get_sorted_app_names():
        # Piccolo prints its progress; keep it off the server's stdout.
        with contextlib.redirect_stdout(_LogWriter()):
            result = await ForwardsMigrationManager(app_name=app_name).run()
        if not result.success:
            raise DatabaseUnavailable(f"Migration of '{app_name}' failed: {result.message}")
    return await migration_state()


class _LogWriter:
    def write(self, text: str) -> int:
        if text.strip():
            logger.debug("migration: %s", text.strip())
        return len(text)

    def flush(self) -> None:
        return None


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[Engine[Any]]:
    """Open, check, bind and finally close the engine for ``url``."""
    engine = engine_from_url(url)
    await check_connection(engine, url)
    bind_engine(engine)
    try:
        yield engine
    finally:
        await close_engine(engine)


@contextlib.asynccontextmanager
async def read_snapshot(engine: Engine[Any]) -> AsyncIterator[None]:
    """A read-only transaction whose reads all see one committed state.

    SQLite (WAL) gives a transaction one snapshot from its first read; PostgreSQL needs
    REPEATABLE READ for that (READ COMMITTED takes a new snapshot per statement).
    """
    async with engine.transaction():
        if isinstance(engine, PostgresEngine):
            # Any table's raw() runs on the transaction's connection; Migration is at hand.
            await Migration.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
