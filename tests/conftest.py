"""Shared fixtures: a real database per test, on SQLite always and on PostgreSQL when reachable.

With CI=true a PostgreSQL that cannot be reached fails the run instead of skipping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "LOCKWORK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_SECRET = "test-secret-" + "0" * 40


def _postgres_reachable() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@dataclass
class PostgresDatabase:
    admin_url: str
    name: str

    @property
    def url(self) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{self.name}"


def _run_admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase | None]:
    """One scratch database for the whole run, dropped at the end."""
    if not _postgres_reachable():
        yield None
        return
    database = PostgresDatabase(
        POSTGRES_ADMIN_URL, f"lockwork_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    )
    _run_admin(f'CREATE DATABASE "{database.name}"')
    try:
        yield database
    finally:
        _run_admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def require_postgres(database: PostgresDatabase | None) -> PostgresDatabase:
    if database is None:
        message = (
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} (set LOCKWORK_TEST_POSTGRES_URL)"
        )
        if IN_CI:
            pytest.fail(message + "; with CI=true PostgreSQL tests must run.")
        pytest.skip(message)
    return database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path, postgres_database) -> str:
    """A database URL for one test: a fresh SQLite file, or the emptied PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lockwork.sqlite3'}"
    database = require_postgres(postgres_database)
    _truncate_postgres(database.url)
    return database.url


def _truncate_postgres(url: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        try:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'migration'"
            )
            if tables:
                names = ", ".join(f'"{t["tablename"]}"' for t in tables)
                await conn.execute(f"TRUNCATE {names} CASCADE")
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def settings(database_url: str, tmp_path):
    from server.settings import load_settings

    return load_settings(
        environ={},
        data_dir=str(tmp_path / "var"),
        database_url=database_url,
        secret_key=TEST_SECRET,
        # Tests drive the notification worker and the escalation job themselves, on the
        # test's clock; tests/integration/test_notify_*.py cover the one the lifespan starts.
        background_jobs=False,
    )


@pytest.fixture
def clock():
    from datetime import UTC, datetime

    from server.clock import FrozenClock

    # A Tuesday in an ordinary week, mid-morning in Sweden.
    return FrozenClock(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))


@contextlib.asynccontextmanager
async def running_lifespan(app) -> AsyncIterator[None]:
    """Drive the app's ASGI lifespan in this event loop.

    Litestar's own test client runs the app in a portal thread with another event loop; the
    tests also use the database directly, and an asyncpg pool belongs to the loop that made it.
    """
    inbox: asyncio.Queue[dict] = asyncio.Queue()
    outbox: asyncio.Queue[dict] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    message = await outbox.get()
    if message["type"] != "lifespan.startup.complete":
        task.cancel()
        raise RuntimeError(f"the app did not start: {message}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


@contextlib.asynccontextmanager
async def api_client(app, base_url: str = "http://testserver.local") -> AsyncIterator:
    import httpx

    async with running_lifespan(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@pytest.fixture
async def client(settings, clock) -> AsyncIterator:
    from server.app import create_app

    async with api_client(create_app(settings, clock=clock)) as test_client:
        yield test_client


def pytest_sessionfinish(session, exitstatus) -> None:
    """With CI=true a skipped test is a failure: nothing may silently not run in CI."""
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        if reporter is not None:
            reporter.write_line(
                f"CI=true: {len(skipped)} test(s) were skipped; CI must run them all.", red=True
            )
        session.exitstatus = 1
