"""Kill test: the server is killed with SIGKILL at random points while clients push; it is
restarted and the clients retry. No acknowledged mutation is lost, none is applied twice, and
the database's own integrity check passes. SQLite, PostgreSQL, and PostgreSQL with two server
instances at once."""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid

import httpx
import pytest

from gateway.sync_client import SyncClient, SyncClientError
from server.demo import DEMO_PASSWORD
from tests.conftest import _truncate_postgres, require_postgres
from tests.live_server import Instance, check_integrity, device_token, run_cli, server_env

CLIENTS = 3
MUTATIONS_PER_CLIENT = 30
# Chaos: once the server answers again, it is killed after this long (random within), which
# lands kills inside pushes (a push of a few mutations takes tens of milliseconds).
KILL_AFTER_HEALTHY_SECONDS = (0.05, 0.6)
KILLS = 4
# A client that cannot reach the server waits this long before trying again.
RETRY_SECONDS = 0.05
# Bounds a failing test; a passing run takes a few seconds per configuration.
DEADLINE_SECONDS = 120.0


def _token(url: str) -> str:
    return device_token(url, "montor1", "sync kill test device", DEMO_PASSWORD)


async def _client(
    instances: list[Instance],
    token: str,
    orders: list[str],
    acked: dict[str, str],
    attempts: dict[str, str],
    rng: random.Random,
) -> None:
    """Push every mutation until acknowledged, across kills, through any instance."""
    http = httpx.AsyncClient(timeout=5)
    sync = SyncClient(http=http, headers={"Authorization": f"Bearer {token}"})
    for _ in range(MUTATIONS_PER_CLIENT):
        attempt_id = str(uuid.uuid4())
        mutation_id = sync.enqueue(
            "contact_attempt.add",
            {
                "order_id": rng.choice(orders),
                "attempt_id": attempt_id,
                "to_whom": "customer",
                "outcome": "no_answer",
            },
        )
        attempts[mutation_id] = attempt_id
    deadline = time.monotonic() + DEADLINE_SECONDS
    while sync.outbox and time.monotonic() < deadline:
        instance = rng.choice(instances)
        http.base_url = httpx.URL(instance.url)
        try:
            # Small batches, so kills land between and inside pushes.
            pending = sync.outbox
            sync.outbox = pending[: rng.randint(1, 4)]
            rest = pending[len(sync.outbox) :]
            results = await sync.push()
            sync.outbox = sync.outbox + rest
            for result in results:
                acked[result["id"]] = result["status"]
        except (httpx.TransportError, SyncClientError):
            sync.outbox = pending  # nothing known: all of it goes again
            await asyncio.sleep(RETRY_SECONDS)
    await http.aclose()
    assert not sync.outbox, "the clients could not finish within the deadline"


async def _chaos(instances: list[Instance], stop: asyncio.Event, rng: random.Random) -> int:
    kills = 0
    while not stop.is_set() and kills < KILLS:
        await asyncio.sleep(rng.uniform(*KILL_AFTER_HEALTHY_SECONDS))
        victim = rng.choice(instances)
        victim.kill()
        kills += 1
        victim.start()
        await asyncio.to_thread(victim.wait_healthy)
    return kills


def _run(database_url: str, tmp_path, instance_count: int) -> None:
    env = server_env(database_url, tmp_path)
    assert run_cli(["demo-data", "--reset", "--customers", "20"], env).returncode == 0
    instances = [Instance(env) for _ in range(instance_count)]
    for instance in instances:
        instance.start()
    for instance in instances:
        instance.wait_healthy()
    token = _token(instances[0].url)
    headers = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(
        instances[0].url + "/api/orders",
        headers=headers,
        params={"status": ["ordered", "contacting", "scheduled"], "limit": 50},
    ).json()
    orders = [o["id"] for o in listed["items"]]
    assert orders, "the demo fitter needs open orders"
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    acked: dict[str, str] = {}
    attempts: dict[str, str] = {}

    async def main() -> int:
        stop = asyncio.Event()
        chaos = asyncio.create_task(_chaos(instances, stop, rng))
        await asyncio.gather(
            *[
                _client(instances, token, orders, acked, attempts, random.Random(rng.random()))
                for _ in range(CLIENTS)
            ]
        )
        stop.set()
        return await chaos

    try:
        kills = asyncio.run(main())
        for instance in instances:
            instance.wait_healthy()
        assert kills >= 1
        # Every mutation was acknowledged as applied, exactly once on the server.
        assert len(acked) == CLIENTS * MUTATIONS_PER_CLIENT
        assert set(acked.values()) == {"applied"}
        asyncio.run(_check_database(database_url, set(attempts.values())))
    finally:
        for instance in instances:
            instance.kill()


async def _check_database(database_url: str, attempt_ids: set[str]) -> None:
    from server import db
    from server.orders.tables import ContactAttempt
    from server.sync.tables import SyncMutation

    async with db.connected(database_url):
        stored = [
            str(r["id"])
            for r in await ContactAttempt.select(ContactAttempt.id).where(
                ContactAttempt.id.is_in(list(attempt_ids))
            )
        ]
        assert len(stored) == len(set(stored)) == len(attempt_ids)  # 0 lost, 0 doubled
        assert await SyncMutation.count() >= len(attempt_ids)
        await check_integrity(database_url)


def test_kill_during_pushes_sqlite(tmp_path) -> None:
    _run(f"sqlite:///{tmp_path / 'kill.sqlite3'}", tmp_path, 1)


@pytest.mark.parametrize("instance_count", [1, 2])
def test_kill_during_pushes_postgresql(tmp_path, postgres_database, instance_count) -> None:
    database = require_postgres(postgres_database)
    _truncate_postgres(database.url)
    _run(database.url, tmp_path, instance_count)
