"""Fixtures for the PWA's browser tests: Debian's headless Chromium through Playwright, and a
real ``lockwork-server`` process with the demo data, on SQLite and on PostgreSQL.

Without Playwright or Chromium the tests skip locally and fail with CI=true. Screenshots of the
screens go to ``var/test-artefacts/screenshots/`` (LOCKWORK_TEST_ARTEFACTS moves it).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from server.pwa_routes import PWA_DIR
from tests.browser.harness import SCREENSHOTS, launch, require_playwright
from tests.conftest import _truncate_postgres, require_postgres
from tests.live_server import run_cli, running_server, server_env

# How long an `expect(...)` waits for the screen to show what it should. Playwright's 5 s
# default ran out on the 2-core CI machine while the server, Chromium and PostgreSQL shared it
# (an IndexedDB re-render after a sync took longer). A bound on waiting, not a measurement: a
# screen that never shows it still fails.
EXPECT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session", autouse=True)
def patient_expectations() -> None:
    try:
        from playwright.sync_api import expect
    except ImportError:  # the browser tests skip (or fail under CI) on their own
        return
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@dataclass
class LiveServer:
    url: str
    pwa_dir: Path  # the server's own copy of pwa/
    database_url: str
    # The server's environment, for the command line on the same database and settings.
    env: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> str:
        """``lockwork-server ARGS`` against this server's database; its output."""
        result = run_cli(list(args), self.env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def publish_update(self) -> None:
        """Deploy a new version of the app: the server serves a new sw.js from now on."""
        worker = self.pwa_dir / "sw.js"
        worker.write_text(worker.read_text(encoding="utf-8") + "\n// a new release\n")


@contextlib.contextmanager
def _start(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    require_playwright()  # no server start (seconds) for a test that cannot run
    # The server serves a copy of the app, so a test can release a new version of it.
    pwa_dir = data_dir / "pwa"
    shutil.copytree(PWA_DIR, pwa_dir)
    env = server_env(
        database_url, data_dir, LOCKWORK_BACKGROUND_JOBS="false", LOCKWORK_PWA_DIR=str(pwa_dir)
    )
    for command in (["migrate"], ["demo-data"]):
        result = run_cli(command, env)
        assert result.returncode == 0, result.stdout + result.stderr
    with running_server(env) as url:
        yield LiveServer(url, pwa_dir, database_url, env)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_database
) -> Iterator[LiveServer]:
    """The server as a real process on a free port, with the demo data, on each database."""
    data_dir = tmp_path_factory.mktemp(f"pwa-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'lockwork.sqlite3'}"
    else:
        database = require_postgres(postgres_database)
        # In a thread: the module's Playwright (sync API) may already run an event loop here,
        # and the truncation uses asyncio.run.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_truncate_postgres, database.url).result()
        url = database.url
    with _start(url, data_dir) as server:
        yield server


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same on SQLite only, for tests about the app rather than the database."""
    data_dir = tmp_path_factory.mktemp("pwa-sqlite")
    with _start(f"sqlite:///{data_dir / 'lockwork.sqlite3'}", data_dir) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    api = require_playwright()
    with api.sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.is_dir():
        count = len(list(SCREENSHOTS.glob("*.png")))
        terminalreporter.write_line(f"PWA screenshots (360x740): {SCREENSHOTS} ({count} files)")
