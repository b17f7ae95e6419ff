"""Issue 17, must show: sync under concurrency and crashes, with real server processes.

PostgreSQL with two server instances and SQLite with one. Four clients: two devices of one
fitter, another fitter and their planner, the planner and the first fitter's devices writing
to the same orders. Each client pushes small batches through a random instance and, at
random: loses the answer and resends, sends the same batch twice at once, registers anew and
resends (racing its old registration's push of the same batch), or pulls. Meanwhile an
instance is SIGKILLed and started again, several times.

Then: 0 lost (every mutation acknowledged as applied, its row on the server), 0 doubled (each
row once, every answer for a mutation the same), 0 server errors (no 5xx answer, no traceback in
any instance's log), every client made progress (its outbox is empty and its pull holds what
it wrote), and each order's version rose by exactly the number of calls logged on it.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.sync_client import Pending, SyncClient, SyncClientError
from server.demo import DEMO_PASSWORD
from tests.conftest import _truncate_postgres, require_postgres
from tests.live_server import Instance, check_integrity, device_token, run_cli, server_env

pytestmark = pytest.mark.slow

# (user, device): two devices of one fitter, a second fitter, and the planner of both.
DEVICES = [("montor1", "phone"), ("montor1", "tablet"), ("montor2", "phone"), ("planerare", "desk")]
# Orders written per fitter: few, so that devices collide on them.
ORDERS_PER_FITTER = 3
# Each device writes at least this many changes, and more while instances are still being
# killed (up to the maximum), so that kills land among pushes on both configurations.
MUTATIONS_PER_DEVICE = 24
MAX_MUTATIONS_PER_DEVICE = 80
# What a client does on each turn, with weights.
MOVES = {
    "push": 4,
    "lost_answer": 2,
    "race_same": 1,
    "race_new_registration": 1,
    "register": 1,
    "pull": 1,
}
# Once the instance answers again, it is SIGKILLed after this long (random within): kills
# land inside pushes, which take tens of milliseconds.
KILL_AFTER_HEALTHY_SECONDS = (0.2, 1.0)
KILLS = 4
# A client that could not reach an instance waits this long before its next turn.
RETRY_SECONDS = 0.05
# Bounds a failing run; a passing one takes well under a minute per configuration.
DEADLINE_SECONDS = 90.0


@dataclass
class Device:
    user: str
    sync: SyncClient
    orders: list[str]
    rng: random.Random
    made: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> entity, row, order
    answers: dict[str, set[str]] = field(default_factory=dict)  # id -> statuses answered
    moves: dict[str, int] = field(default_factory=dict)  # what it did, for the run's summary

    def enqueue_one(self) -> None:
        order_id = self.rng.choice(self.orders)
        row_id = str(uuid.uuid4())
        if self.rng.random() < 0.75:
            args = {
                "order_id": order_id,
                "attempt_id": row_id,
                "to_whom": "customer",
                "outcome": "no_answer",
            }
            mutation_id = self.sync.enqueue("contact_attempt.add", args)
            self.made[mutation_id] = ("contact_attempt", row_id, order_id)
        else:
            args = {"order_id": order_id, "message_id": row_id, "body": f"Chaos {row_id[:8]}"}
            mutation_id = self.sync.enqueue("message.add", args)
            self.made[mutation_id] = ("message", row_id, order_id)

    def heard(self, results: list[dict[str, Any]]) -> None:
        for result in results:
            self.answers.setdefault(result["id"], set()).add(result["status"])


class ServerErrors(Exception):
    """An answer of 5xx: what this test must never see (it stops the run)."""


def _copy(pending: list[Pending]) -> list[Pending]:
    return [Pending(p.id, p.seq, p.name, dict(p.args), p.base_version) for p in pending]


async def _post_checked(sync: SyncClient, errors: list[str], action: Any) -> Any:
    """Run one client call; an answer that refuses it as a whole is recorded (every mutation
    here is valid and every client known: a refusal is a client that cannot make progress)."""
    try:
        return await action()
    except SyncClientError as error:
        errors.append(f"{error.status} {error.code}: {error}")
        if error.status >= 500:
            raise ServerErrors(str(error)) from error
        raise


async def _turn(device: Device, instances: list[Instance], errors: list[str]) -> None:
    sync, rng = device.sync, device.rng
    sync.http.base_url = httpx.URL(rng.choice(instances).url)
    move = rng.choices(list(MOVES), weights=list(MOVES.values()))[0]
    device.moves[move] = device.moves.get(move, 0) + 1
    if move == "pull":
        await _post_checked(sync, errors, sync.pull)
        return
    if move == "register" or sync.client_id is None:
        await _post_checked(sync, errors, sync.register)
    everything = sync.outbox
    sync.outbox = everything[: rng.randint(1, 4)]  # small batches: kills land between them
    rest = everything[len(sync.outbox) :]
    sent = _copy(sync.outbox)
    try:
        if move == "race_same":
            twin = SyncClient(http=sync.http, headers=sync.headers, client_id=sync.client_id)
            twin.outbox = _copy(sent)
            first, second = await asyncio.gather(
                _post_checked(sync, errors, sync.push), _post_checked(twin, errors, twin.push)
            )
            device.heard(first + second)
        elif move == "race_new_registration":
            # The phone registers anew while its old registration's push of the same batch is
            # still on its way; from now on it is the new registration.
            renewed = SyncClient(http=sync.http, headers=sync.headers, device="renewed")
            renewed.outbox = _copy(sent)
            await _post_checked(renewed, errors, renewed.register)
            renewed_sent = _copy(renewed.outbox)
            first, second = await asyncio.gather(
                _post_checked(sync, errors, sync.push),
                _post_checked(renewed, errors, renewed.push),
            )
            device.heard(first + second)
            sync.client_id, sync.next_seq, sync.outbox = (
                renewed.client_id,
                renewed.next_seq,
                renewed.outbox,
            )
            if rng.random() < 0.5:  # the new registration's answer was lost too
                sync.outbox = renewed_sent
            for pending in rest:
                pending.seq = sync.next_seq
                sync.next_seq += 1
        else:
            device.heard(await _post_checked(sync, errors, sync.push))
            if move == "lost_answer":
                sync.outbox = sent  # the answer never arrived: all of it goes again
    except (httpx.TransportError, SyncClientError):
        sync.outbox = sent  # nothing known: all of it goes again
        await asyncio.sleep(RETRY_SECONDS)
    sync.outbox = sync.outbox + rest


async def _device_loop(
    device: Device, instances: list[Instance], errors: list[str], chaos_over: asyncio.Event
) -> None:
    """New changes keep coming while the instances are being killed (at least
    MUTATIONS_PER_DEVICE of them, at most MAX_MUTATIONS_PER_DEVICE); then the device pushes
    until all of it was acknowledged."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    written = 0
    while time.monotonic() < deadline:
        target = MUTATIONS_PER_DEVICE if chaos_over.is_set() else MAX_MUTATIONS_PER_DEVICE
        for _ in range(min(device.rng.randint(0, 2), max(0, target - written))):
            device.enqueue_one()
            written += 1
        if not device.sync.outbox:
            if chaos_over.is_set() and written >= MUTATIONS_PER_DEVICE:
                return
            await asyncio.sleep(RETRY_SECONDS)  # nothing to send this turn
            continue
        try:
            await _turn(device, instances, errors)
        except (httpx.TransportError, SyncClientError):
            await asyncio.sleep(RETRY_SECONDS)


async def _chaos(instances: list[Instance], rng: random.Random) -> int:
    for _ in range(KILLS):
        await asyncio.sleep(rng.uniform(*KILL_AFTER_HEALTHY_SECONDS))
        victim = rng.choice(instances)
        victim.kill()
        victim.start()
        await asyncio.to_thread(victim.wait_healthy)
    return KILLS


def _orders_of(url: str, token: str) -> list[dict[str, Any]]:
    listed = httpx.get(
        url + "/api/orders",
        headers={"Authorization": f"Bearer {token}"},
        params={"status": ["ordered", "contacting", "scheduled"], "limit": 50},
    )
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


def _run(database_url: str, tmp_path: Path, instance_count: int) -> None:
    env = server_env(database_url, tmp_path, LOCKWORK_BACKGROUND_JOBS="false")
    assert run_cli(["demo-data", "--reset", "--customers", "20"], env).returncode == 0
    instances = [Instance(env, tmp_path / f"instance-{i}.log") for i in range(instance_count)]
    for instance in instances:
        instance.start()
    try:
        for instance in instances:
            instance.wait_healthy()
        url = instances[0].url
        tokens = {
            (user, name): device_token(url, user, f"chaos {name}", DEMO_PASSWORD)
            for user, name in DEVICES
        }
        writable: dict[str, list[str]] = {}
        for fitter in ("montor1", "montor2"):
            orders = _orders_of(url, tokens[(fitter, "phone")])[:ORDERS_PER_FITTER]
            assert len(orders) == ORDERS_PER_FITTER, f"the demo fitter {fitter} needs open orders"
            writable[fitter] = [o["id"] for o in orders]
        writable["planerare"] = writable["montor1"] + writable["montor2"]
        planner = tokens[("planerare", "desk")]
        before = {o: _order(url, planner, o) for o in writable["planerare"]}
        seed = int.from_bytes(os.urandom(4), "big")
        rng = random.Random(seed)
        errors: list[str] = []

        async def main() -> tuple[int, list[Device]]:
            devices = [
                Device(
                    user=user,
                    sync=SyncClient(
                        http=httpx.AsyncClient(timeout=10),
                        headers={"Authorization": f"Bearer {tokens[(user, name)]}"},
                        device=name,
                    ),
                    orders=writable[user],
                    rng=random.Random(rng.random()),
                )
                for user, name in DEVICES
            ]
            chaos_over = asyncio.Event()
            chaos = asyncio.create_task(_chaos(instances, rng))
            chaos.add_done_callback(lambda _: chaos_over.set())
            await asyncio.gather(*(_device_loop(d, instances, errors, chaos_over) for d in devices))
            kills = await chaos
            for instance in instances:
                await asyncio.to_thread(instance.wait_healthy)
            for device in devices:  # every client can still pull all it wrote
                device.sync.http.base_url = httpx.URL(instances[-1].url)
                await _post_checked(device.sync, errors, device.sync.pull)
            for device in devices:
                await device.sync.http.aclose()
            return kills, devices

        kills, devices = asyncio.run(main())
        context = f"seed {seed}"
        moves: dict[str, int] = {}
        for device in devices:
            for move, count in device.moves.items():
                moves[move] = moves.get(move, 0) + count
        mutations = sum(len(device.made) for device in devices)
        print(f"chaos ({context}): {kills} kills, {mutations} mutations, moves {moves}")
        assert kills == KILLS, context
        assert errors == [], context
        for instance in instances:
            assert instance.log is not None
            log = instance.log.read_text(errors="replace")
            assert "Traceback" not in log and "Unexpected error" not in log, (context, log[-3000:])
        made: dict[str, tuple[str, str, str]] = {}
        for device in devices:
            assert not device.sync.outbox, (context, device.user, "made no progress")
            # Every mutation answered, always with the same outcome: applied.
            assert set(device.answers) == set(device.made), (context, device.user)
            assert all(s == {"applied"} for s in device.answers.values()), (context, device.user)
            held = {
                entity: set(device.sync.held(entity)) for entity in ("contact_attempt", "message")
            }
            assert all(row in held[entity] for entity, row, _ in device.made.values()), context
            made.update(device.made)
        after = {o: _order(url, planner, o) for o in writable["planerare"]}
        for order_id in writable["planerare"]:
            calls = {
                row
                for entity, row, o in made.values()
                if o == order_id and entity == "contact_attempt"
            }
            messages = {
                row for entity, row, o in made.values() if o == order_id and entity == "message"
            }
            old, new = before[order_id], after[order_id]
            assert new["attempts"] - old["attempts"] == calls, context  # 0 lost, 0 doubled
            assert new["messages"] - old["messages"] == messages, context
            assert new["version"] == old["version"] + len(calls), (context, order_id)
        asyncio.run(_check_database(database_url, made))
    finally:
        for instance in instances:
            instance.close()


def _order(url: str, token: str, order_id: str) -> dict[str, Any]:
    """An order's version and the ids of its calls and messages, as REST shows them."""
    headers = {"Authorization": f"Bearer {token}"}

    def ids(part: str) -> set[str]:
        response = httpx.get(f"{url}/api/orders/{order_id}/{part}", headers=headers)
        assert response.status_code == 200, response.text
        rows = [r["id"] for r in response.json()]
        assert len(rows) == len(set(rows))
        return set(rows)

    order = httpx.get(f"{url}/api/orders/{order_id}", headers=headers)
    assert order.status_code == 200, order.text
    return {
        "version": order.json()["version"],
        "attempts": ids("contact-attempts"),
        "messages": ids("messages"),
    }


async def _check_database(database_url: str, made: dict[str, tuple[str, str, str]]) -> None:
    from server import db
    from server.sync.tables import SyncMutation

    async with db.connected(database_url):
        stored = {
            str(r["id"]): r["status"]
            for r in await SyncMutation.select(SyncMutation.id, SyncMutation.status).where(
                SyncMutation.id.is_in(list(made))
            )
        }
        assert stored == dict.fromkeys(made, "applied")
        await check_integrity(database_url)


def test_sync_under_chaos_sqlite(tmp_path) -> None:
    _run(f"sqlite:///{tmp_path / 'chaos.sqlite3'}", tmp_path, 1)


def test_sync_under_chaos_postgresql_two_instances(tmp_path, postgres_database) -> None:
    database = require_postgres(postgres_database)
    _truncate_postgres(database.url)
    _run(database.url, tmp_path, 2)
