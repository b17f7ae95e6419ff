"""Run ``lockwork-server`` as a real process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

# A cold start imports Litestar and Piccolo and migrates: a few seconds on two cores.
START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKWORK_")}
    env.update(
        LOCKWORK_DATABASE_URL=database_url,
        LOCKWORK_DATA_DIR=str(data_dir),
        LOCKWORK_SECRET_KEY="e2e-secret-" + "1" * 40,
        LOCKWORK_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def device_token(base_url: str, username: str, name: str, password: str = "lockwork-demo") -> str:
    """Log in as ``username`` (a browser session) and make a device bearer token with it."""
    login = httpx.post(
        base_url + "/api/auth/login", json={"username": username, "password": password}
    )
    assert login.status_code == 200, login.text
    device = httpx.post(
        base_url + "/api/devices",
        json={"name": name},
        cookies=login.cookies,
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    assert device.status_code == 201, device.text
    return str(device.json()["token"])


@contextlib.contextmanager
def running_server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {process.stdout.read() if process.stdout else ''}"
                )
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become healthy in time")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Instance:
    """One ``lockwork-server serve`` process that a test may SIGKILL and start again."""

    def __init__(self, env: dict[str, str], log: Path | None = None) -> None:
        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = log  # its stderr, appended across restarts, for the test to read
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.log is not None and self._log_file is None:
            self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self._log_file or subprocess.DEVNULL,
        )

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def close(self) -> None:
        self.kill()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError("server did not come back")


async def check_integrity(database_url: str) -> None:
    """The database's own integrity check passes (SQLite's, or amcheck on every B-tree index of
    PostgreSQL): for tests that kill the server mid-write. Runs inside ``db.connected``."""
    from server.sync.tables import SyncCounter

    if database_url.startswith("sqlite"):
        result = await SyncCounter.raw("PRAGMA integrity_check")
        assert result == [{"integrity_check": "ok"}]
        return
    await SyncCounter.raw("CREATE EXTENSION IF NOT EXISTS amcheck")
    indexes = await SyncCounter.raw(
        "SELECT c.oid::regclass::text AS name FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = 'public'"
    )
    for index in indexes:
        await SyncCounter.raw("SELECT bt_index_check({}::regclass, true)", index["name"])
