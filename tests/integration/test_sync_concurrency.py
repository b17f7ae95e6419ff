"""Issue 17, points 9 and 10: writes that race each other, through sync and HTTP alike.

Requests run concurrently against one app in this event loop (on PostgreSQL, through its
connection pool: truly concurrent transactions; on SQLite, writers queued by ``BEGIN
IMMEDIATE``). Nothing may answer 500, nothing may be applied twice, and the order's version
must count every change. SQLite and PostgreSQL; the forced deadlock is PostgreSQL's alone.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from gateway.sync_client import SyncClient
from tests.integration.world import GOOD_CHECKLIST, Actor, World, assign, call_args, place_order

CONCURRENT_CALLS = 60
ROUNDS = 5


async def order_of(client: Any, actor: Actor, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/orders/{order_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def listed(client: Any, actor: Actor, order_id: str, part: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/orders/{order_id}/{part}", headers=actor.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def second_order(client: Any, world: World) -> str:
    """Another order of fitter 1, at the same customer (an inspection of the same lock)."""
    order = await place_order(
        client, world["orderer_a"], world.ids["customer_a"], kind="inspection"
    )
    await assign(client, world["planner_1"], order["id"], world["fitter_1"])
    return str(order["id"])


async def test_concurrent_contact_attempts_each_count_in_the_version(client, world) -> None:
    """60 calls on one order at once, from two phones of one fitter (sync) and the web app
    (HTTP): 60 attempts, 60 events, the version 60 higher."""
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    before = (await order_of(client, fitter, order_id))["version"]
    phones = [SyncClient(http=client, headers=fitter.headers, device=f"phone-{i}") for i in (1, 2)]
    per_phone = CONCURRENT_CALLS // 4  # a quarter from each phone, half over HTTP

    async def phone(sync: SyncClient) -> list[str]:
        for _ in range(per_phone):
            sync.enqueue("contact_attempt.add", call_args(order_id))
        # One mutation per push: each is its own transaction, racing the others.
        answered: list[str] = []
        while sync.outbox:
            rest, sync.outbox = sync.outbox[1:], sync.outbox[:1]
            answered += [r["status"] for r in await sync.push()]
            sync.outbox = rest
        return answered

    async def web() -> int:
        response = await client.post(
            f"/api/orders/{order_id}/contact-attempts",
            json={"to_whom": "relative", "outcome": "busy"},
            headers=fitter.headers,
        )
        return response.status_code

    *pushed, posted = await asyncio.gather(
        *(phone(p) for p in phones),
        asyncio.gather(*(web() for _ in range(CONCURRENT_CALLS - 2 * per_phone))),
    )
    assert [s for statuses in pushed for s in statuses] == ["applied"] * 2 * per_phone
    assert posted == [201] * (CONCURRENT_CALLS - 2 * per_phone)
    assert len(await listed(client, fitter, order_id, "contact-attempts")) == CONCURRENT_CALLS
    events = await listed(client, fitter, order_id, "events")
    assert [e["action"] for e in events].count("contact_attempt") == CONCURRENT_CALLS
    assert (await order_of(client, fitter, order_id))["version"] == before + CONCURRENT_CALLS


async def test_a_transition_guard_passes_once_when_raced(client, world) -> None:
    """Ten 'start' at once on an order ready for execution: one starts it, nine are told it
    already moved (409); ten 'schedule' on the same expected version: one wins."""
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    url = f"/api/orders/{order_id}/transitions"

    async def post(body: dict[str, Any]) -> int:
        response = await client.post(url, json=body, headers=fitter.headers)
        assert response.status_code < 500, response.text
        return response.status_code

    version = (await order_of(client, fitter, order_id))["version"]
    schedule = {"action": "schedule", "planned_start": "2026-03-11T08:00:00Z"}
    statuses = await asyncio.gather(
        *(post(schedule | {"expected_version": version}) for _ in range(10))
    )
    assert sorted(statuses) == [201] + [409] * 9, statuses
    assert await post({"action": "confirm"}) == 201
    statuses = await asyncio.gather(*(post({"action": "start"}) for _ in range(10)))
    assert sorted(statuses) == [201] + [409] * 9, statuses
    actions = [e["action"] for e in await listed(client, fitter, order_id, "events")]
    assert actions.count("schedule") == actions.count("start") == 1, actions
    assert (await order_of(client, fitter, order_id))["version"] == version + 3


async def test_two_orders_for_one_lock_placed_at_once_make_one(client, world) -> None:
    """The "already an open order for this lock" check holds when orders race for it."""
    orderer = world["orderer_a"]
    body = {
        "kind": "battery",
        "customer_id": world.ids["customer_a"],
        "lock_id": world.ids["lock_a"],
        "checklist": GOOD_CHECKLIST,
        "description": "Batteriet tar slut.",
    }

    async def place() -> int:
        response = await client.post("/api/orders", json=body, headers=orderer.headers)
        assert response.status_code < 500, response.text
        return response.status_code

    statuses = await asyncio.gather(*(place() for _ in range(8)))
    assert sorted(statuses) == [201] + [409] * 7, statuses


async def test_the_same_mutation_under_two_registrations_at_once_is_applied_once(
    client, world
) -> None:
    """A phone that registered anew resends its batch while the old registration's push of it
    is still running: both are answered with the one outcome, nothing is doubled."""
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    for _ in range(ROUNDS):
        old = SyncClient(http=client, headers=fitter.headers, device="phone")
        old.enqueue("contact_attempt.add", call_args(order_id))
        old.enqueue(
            "message.add", {"order_id": order_id, "message_id": str(uuid.uuid4()), "body": "Hej"}
        )
        await old.register()
        new = SyncClient(http=client, headers=fitter.headers, device="phone")
        await new.register()
        new.outbox = [type(p)(p.id, p.seq, p.name, dict(p.args)) for p in old.outbox]
        first, second = await asyncio.gather(old.push(), new.push())
        assert [(r["id"], r["status"]) for r in first] == [(r["id"], r["status"]) for r in second]
        assert {r["status"] for r in first} == {"applied"}
    attempts = await listed(client, fitter, order_id, "contact-attempts")
    messages = await listed(client, fitter, order_id, "messages")
    assert len(attempts) == len(messages) == ROUNDS


async def test_two_phones_writing_two_orders_in_opposite_order_do_not_deadlock(
    client, world
) -> None:
    fitter = world["fitter_1"]
    orders = [world.ids["order_a"], await second_order(client, world)]
    versions = [(await order_of(client, fitter, o))["version"] for o in orders]
    phones = [SyncClient(http=client, headers=fitter.headers, device=f"phone-{i}") for i in (1, 2)]
    for _ in range(ROUNDS):
        for sync, sequence in zip(phones, (orders, orders[::-1]), strict=True):
            for order_id in sequence * 2:
                sync.enqueue("contact_attempt.add", call_args(order_id))
        answers = await asyncio.gather(*(p.push() for p in phones))
        assert {r["status"] for answer in answers for r in answer} == {"applied"}
    for order_id, version in zip(orders, versions, strict=True):
        assert len(await listed(client, fitter, order_id, "contact-attempts")) == ROUNDS * 4
        assert (await order_of(client, fitter, order_id))["version"] == version + ROUNDS * 4


def test_a_push_that_loses_a_deadlock_is_run_again(postgres_database, tmp_path) -> None:
    """PostgreSQL picks the push as a deadlock's victim (another session holds an order the
    push needs and then asks for the push's client row). The push runs again and is applied;
    without the retry it answered 500. PostgreSQL only: SQLite has one writer at a time."""
    from datetime import UTC, datetime

    from server.app import create_app
    from server.clock import FrozenClock
    from server.settings import load_settings
    from tests.conftest import TEST_SECRET, _truncate_postgres, require_postgres

    url = require_postgres(postgres_database).url
    _truncate_postgres(url)
    settings = load_settings(
        environ={}, data_dir=str(tmp_path), database_url=url, secret_key=TEST_SECRET
    )
    app = create_app(settings, clock=FrozenClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)))
    asyncio.run(_deadlock(app, url))


async def _deadlock(app: Any, url: str) -> None:
    import asyncpg

    from tests.conftest import api_client
    from tests.integration.world import make_world

    async with api_client(app) as client:
        world = await make_world()
        first = await place_order(client, world["orderer_a"], world.ids["customer_a"])
        await assign(client, world["planner_1"], first["id"], world["fitter_1"])
        fitter = world["fitter_1"]
        orders = [first["id"], await second_order(client, world)]
        sync = SyncClient(http=client, headers=fitter.headers, device="phone")
        await sync.register()
        for order_id in orders:
            sync.enqueue("contact_attempt.add", call_args(order_id))
        other = await asyncpg.connect(url)
        try:
            # Their deadlock check comes long after the push's (1 s): the push is the victim.
            await other.execute("SET deadlock_timeout = '20s'")
            transaction = other.transaction()
            await transaction.start()
            await other.execute(
                "SELECT 1 FROM work_order WHERE id = $1 FOR UPDATE", uuid.UUID(orders[1])
            )
            push = asyncio.create_task(sync.push())
            waiting = 0
            for _ in range(200):  # until the push waits for that order
                waiting = await other.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
                if waiting:
                    break
                await asyncio.sleep(0.05)
            assert waiting, "the push never waited for the locked order"
            await other.execute(
                "SELECT 1 FROM sync_client WHERE id = $1 FOR UPDATE", uuid.UUID(sync.client_id)
            )
            await transaction.rollback()
            results = await push
        finally:
            await other.close()
        assert [r["status"] for r in results] == ["applied", "applied"]
        for order_id in orders:
            assert len(await listed(client, fitter, order_id, "contact-attempts")) == 1
