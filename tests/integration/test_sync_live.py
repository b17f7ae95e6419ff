"""Live pokes over server-sent events, from real server processes (one, and two on PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time

import httpx

from tests.conftest import _truncate_postgres, require_postgres
from tests.live_server import run_cli, running_server, server_env

# A poke normally arrives in milliseconds; this only bounds a failing test.
POKE_TIMEOUT_SECONDS = 10.0


def _login_token(base_url: str, username: str) -> str:
    login = httpx.post(
        base_url + "/api/auth/login", json={"username": username, "password": "lockwork-demo"}
    )
    assert login.status_code == 200, login.text
    device = httpx.post(
        base_url + "/api/devices",
        json={"name": "sse"},
        cookies=login.cookies,
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    return str(device.json()["token"])


def _listen(base_url: str, token: str, events: queue.Queue, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    # The stream ends when the test stops the server: that is the end, not an error.
    with (
        contextlib.suppress(httpx.TransportError),
        httpx.stream(
            "GET", base_url + "/api/sync/events", headers=headers, timeout=None
        ) as response,
    ):
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line.startswith("data:"):
                events.put(json.loads(line[5:])["cursor"])


@contextlib.contextmanager
def listener(base_url: str, token: str):
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=_listen, args=(base_url, token, events, stop), daemon=True)
    thread.start()
    try:
        yield events
    finally:
        stop.set()


def _write(base_url: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    orders = httpx.get(
        base_url + "/api/orders", headers=headers, params={"status": "contacting"}
    ).json()
    order_id = orders["items"][0]["id"]
    response = httpx.post(
        base_url + f"/api/orders/{order_id}/contact-attempts",
        headers=headers,
        json={"to_whom": "customer", "outcome": "no_answer"},
    )
    assert response.status_code == 201, response.text


def _poke_after_write(listen_url: str, write_url: str) -> float:
    token = _login_token(listen_url, "planerare")
    with listener(listen_url, token) as events:
        first = events.get(timeout=POKE_TIMEOUT_SECONDS)
        started = time.monotonic()
        _write(write_url, _login_token(write_url, "planerare"))
        while True:
            cursor = events.get(timeout=POKE_TIMEOUT_SECONDS)
            if cursor > first:
                return time.monotonic() - started


def test_a_write_pokes_listeners(tmp_path) -> None:
    env = server_env(f"sqlite:///{tmp_path / 'live.sqlite3'}", tmp_path)
    assert run_cli(["demo-data", "--customers", "10"], env).returncode == 0
    with running_server(env) as base_url:
        assert _poke_after_write(base_url, base_url) < POKE_TIMEOUT_SECONDS


def test_a_write_through_one_instance_pokes_listeners_of_another(
    tmp_path, postgres_database
) -> None:
    database = require_postgres(postgres_database)
    _truncate_postgres(database.url)
    env = server_env(database.url, tmp_path)
    assert run_cli(["demo-data", "--reset", "--customers", "10"], env).returncode == 0
    with running_server(env) as first, running_server(env) as second:
        assert _poke_after_write(first, second) < POKE_TIMEOUT_SECONDS
