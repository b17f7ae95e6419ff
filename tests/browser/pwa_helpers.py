"""A real server with demo data and a headless Chromium, for the PWA's browser tests."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import run_cli, running_server, server_env

CHROMIUM = os.environ.get("LOCKWORK_CHROMIUM", "/usr/lib/chromium/chromium")


@contextlib.contextmanager
def demo_server(data: Path, *, demo: bool = True) -> Iterator[str]:
    """``lockwork-server`` on SQLite in ``data`` (with demo data), as a real process."""
    env = server_env(
        f"sqlite:///{data / 'lockwork.sqlite3'}", data, LOCKWORK_BACKGROUND_JOBS="false"
    )
    for command in (["migrate"], ["demo-data"]) if demo else (["migrate"],):
        result = run_cli(command, env)
        assert result.returncode == 0, result.stdout + result.stderr
    with running_server(env) as url:
        yield url


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (its own browser download does not work here)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set LOCKWORK_CHROMIUM)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
