"""Property: random interleavings of pushes (duplicated, reordered, acknowledgements lost) and
reassignments leave the server equal to a model: nothing lost, nothing applied twice, and after
a pull every client holds exactly its scope. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.sync_client import SyncClient
from tests.conftest import TEST_SECRET, _truncate_postgres, api_client
from tests.integration.world import assign, make_world, place_order

CLIENTS = ["fitter_1", "fitter_1", "fitter_1b"]  # two devices of one fitter, and a colleague
ORDERS = 3
FITTERS = ["fitter_1", "fitter_1b"]

steps = st.one_of(
    st.tuples(st.just("add"), st.integers(0, len(CLIENTS) - 1), st.integers(0, ORDERS - 1)),
    st.tuples(
        st.just("push"),
        st.integers(0, len(CLIENTS) - 1),
        st.sampled_from(["ok", "lost_ack", "twice", "reversed"]),
    ),
    st.tuples(st.just("pull"), st.integers(0, len(CLIENTS) - 1), st.just(0)),
    st.tuples(st.just("reassign"), st.integers(0, ORDERS - 1), st.integers(0, len(FITTERS) - 1)),
)


async def _run(database_url: str, tmp_dir, program: list[tuple]) -> None:
    from server.app import create_app
    from server.clock import FrozenClock
    from server.orders.tables import ContactAttempt
    from server.settings import load_settings
    from server.sync.tables import SyncMutation

    settings = load_settings(
        environ={}, data_dir=str(tmp_dir), database_url=database_url, secret_key=TEST_SECRET
    )
    app = create_app(settings, clock=FrozenClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)))
    async with api_client(app) as http:
        world = await make_world()
        orders, assigned = [], []
        for index in range(ORDERS):
            from server.locks.tables import Lock

            lock = Lock(
                serial=f"LW-P{index}",
                model="D1",
                state="installed",
                customer=world.ids["customer_a"],
            )
            await lock.save()
            order = await place_order(
                http, world["orderer_a"], world.ids["customer_a"], lock_id=str(lock.id)
            )
            await assign(http, world["planner_1"], order["id"], world["fitter_1"])
            orders.append(order["id"])
            assigned.append("fitter_1")
        clients = [
            SyncClient(http=http, headers=world[name].headers, device=f"d{i}")
            for i, name in enumerate(CLIENTS)
        ]
        expected: dict[str, str] = {}  # mutation id -> status predicted at first delivery
        attempt_of: dict[str, str] = {}  # mutation id -> attempt id
        order_of: dict[str, str] = {}  # mutation id -> order id
        seen: set[str] = set()

        async def settle() -> None:
            """Predict the outcome of mutations the server has now recorded for the first time."""
            rows = await SyncMutation.select(SyncMutation.id, SyncMutation.status)
            for row in rows:
                mid = str(row["id"])
                if mid not in seen:
                    seen.add(mid)
                    assert mid in expected, "the server recorded a mutation nobody sent"
                    assert row["status"] == expected[mid], (mid, row["status"], expected[mid])

        def predict(client_index: int) -> None:
            # Everything this client sends now is delivered in order; the outcome depends on who
            # holds the order at this moment.
            for pending in clients[client_index].outbox:
                if pending.id not in seen:
                    order_index = orders.index(pending.args["order_id"])
                    ok = assigned[order_index] == CLIENTS[client_index]
                    expected[pending.id] = "applied" if ok else "rejected"

        for op, a, b in program:
            if op == "add":
                mid = clients[a].enqueue(
                    "contact_attempt.add",
                    {
                        "order_id": orders[b],
                        "attempt_id": str(uuid.uuid4()),
                        "to_whom": "customer",
                        "outcome": "no_answer",
                    },
                )
                attempt_of[mid] = clients[a].outbox[-1].args["attempt_id"]
                order_of[mid] = orders[b]
            elif op == "push":
                sync = clients[a]
                predict(a)
                pending = list(sync.outbox)
                if b == "reversed" and sync.client_id is not None and pending:
                    await sync._post(
                        "/api/sync/push",
                        {
                            "client_id": sync.client_id,
                            "mutations": [p.wire() for p in reversed(pending)],
                        },
                    )
                await sync.push()
                if b == "twice":
                    sync.outbox = pending
                    await sync.push()
                elif b == "lost_ack":
                    sync.outbox = pending  # the answer never arrived: it will all be sent again
                await settle()
            elif op == "pull":
                await clients[a].pull()
            else:
                await assign(http, world["planner_1"], orders[a], world[FITTERS[b]])
                assigned[a] = FITTERS[b]
        for index, sync in enumerate(clients):
            predict(index)
            await sync.push()
            await settle()
        # 0 lost: every mutation has exactly one recorded outcome, as predicted.
        recorded = {
            str(r["id"]): r["status"]
            for r in await SyncMutation.select(SyncMutation.id, SyncMutation.status)
        }
        assert recorded == expected
        # 0 doubled: the attempts on the server are exactly those of applied mutations.
        attempts = [str(r["id"]) for r in await ContactAttempt.select(ContactAttempt.id)]
        assert len(attempts) == len(set(attempts))
        assert set(attempts) == {
            attempt_of[m] for m, status in expected.items() if status == "applied"
        }
        # After a pull every client holds exactly its scope.
        for index, sync in enumerate(clients):
            await sync.pull()
            mine = {orders[i] for i, fitter in enumerate(assigned) if fitter == CLIENTS[index]}
            assert set(sync.held("order")) == mine
            held_attempts = {a["id"] for a in sync.held("contact_attempt").values()}
            assert held_attempts == {
                attempt_of[m]
                for m, status in expected.items()
                if status == "applied" and order_of[m] in mine
            }


@given(program=st.lists(steps, min_size=5, max_size=30))
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_random_interleavings_match_the_model(program, database_url, tmp_path) -> None:
    if database_url.startswith("postgresql"):
        _truncate_postgres(database_url)
        url = database_url
    else:
        url = f"sqlite:///{tmp_path / (uuid.uuid4().hex + '.sqlite3')}"
    asyncio.run(_run(url, tmp_path, program))
