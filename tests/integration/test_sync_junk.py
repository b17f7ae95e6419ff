"""Issue 17, point 3: one mutation the server cannot apply never blocks a push.

Hypothesis mixes junk mutations (unknown names, arguments of the wrong kind, date-times without
an offset or that overflow when converted to UTC, strings with NUL, huge numbers, other
people's orders) into batches of valid ones. Every push is answered 200; the valid mutations are
applied; each junk mutation gets its own stored outcome (a rejection says why, in English and,
for what the sync layer refuses itself, in Swedish); a resend gets the same answers; and pulls
and the order's REST view still work afterwards. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.sync_client import SyncClient
from tests.conftest import TEST_SECRET, _truncate_postgres, api_client
from tests.integration.world import World, assign, make_world, place_order

NAMES = [
    "contact_attempt.add",
    "message.add",
    "order.schedule",
    "order.confirm",
    "order.start",
    "order.complete",
    "order.put_on_hold",
    "order.cancel",
    "order.place",
    "order.send_draft",
    "contact_attempt.withdraw",
    "order.resume",
    "lock_report.add",
]
FIELDS = [
    "order_id",
    "attempt_id",
    "message_id",
    "to_whom",
    "outcome",
    "note",
    "at",
    "body",
    "planned_start",
    "estimate_minutes",
    "hold_until",
    "reason",
    "completion",
    "override_reason",
    "kind",
    "serial",
    "lock_id",
    "data",
]
# Rejections the sync layer words itself: these carry the Swedish text too.
SYNC_OWN_CODES = {"unknown_mutation", "cannot_apply", "invalid_arguments"}

offsets = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)
date_times = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        datetime.isoformat
    ),  # naive
    st.builds(
        lambda moment, zone: moment.replace(tzinfo=zone).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        offsets,
    ),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "2026-03-10T10:00:00",
            "2026-03-10",
            "9999-12-31",
            "0001-01-01",
            "24:00",
        ]
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.just("\x00"),
    date_times,
    st.uuids().map(str),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def junk(draw: Any, orders: list[str]) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(NAMES) | st.text(min_size=1, max_size=40) | st.just("x\x00"))
    if draw(st.booleans()):
        # Near-valid: the right order, one or two fields spoiled, so the apply step is reached.
        args: dict[str, Any] = {
            "order_id": draw(st.sampled_from(orders)),
            "to_whom": "customer",
            "outcome": "no_answer",
            "body": "Hej",
            "planned_start": "2026-03-12T08:00:00+01:00",
            "hold_until": "2026-04-01",
        }
        for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=2)):
            args[field] = draw(values)
        keep = set(draw(st.lists(st.sampled_from(list(args)), min_size=1)))
        return name, {k: v for k, v in args.items() if k in keep or k == "order_id"}
    return name, draw(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), values))


async def _run(database_url: str, tmp_dir: Any, data: Any) -> None:
    from server.app import create_app
    from server.clock import FrozenClock
    from server.settings import load_settings

    settings = load_settings(
        environ={}, data_dir=str(tmp_dir), database_url=database_url, secret_key=TEST_SECRET
    )
    app = create_app(settings, clock=FrozenClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC)))
    async with api_client(app) as http:
        world = await make_world()
        mine = await place_order(http, world["orderer_a"], world.ids["customer_a"])
        await assign(http, world["planner_1"], mine["id"], world["fitter_1"])
        theirs = await place_order(http, world["orderer_b"], world.ids["customer_b"])
        orders = [mine["id"], theirs["id"], str(uuid.uuid4())]
        fitter = world["fitter_1"]
        sync = SyncClient(http=http, headers=fitter.headers, device="junk")
        for _ in range(data.draw(st.integers(1, 3), label="batches")):
            plan = data.draw(st.lists(st.booleans(), min_size=1, max_size=8), label="valid?")
            valid: set[str] = set()
            for is_valid in plan:
                if is_valid:
                    args = {"order_id": mine["id"], "message_id": str(uuid.uuid4()), "body": "Ok"}
                    valid.add(sync.enqueue("message.add", args))
                else:
                    sync.enqueue(*data.draw(junk(orders), label="junk"))
            pending = list(sync.outbox)
            answered = await sync.push()  # raises on any answer but 200
            assert not sync.outbox
            assert [r["id"] for r in answered] == [p.id for p in pending]
            for result in answered:
                assert result["status"] in {"applied", "rejected", "overridden"}, result
                if result["id"] in valid:
                    assert result["status"] == "applied", result
                if result["status"] == "rejected":
                    assert result["message"].strip(), result
                    if result["code"] in SYNC_OWN_CODES:
                        assert result["message_sv"].strip(), result
            sync.outbox = pending  # the answer was lost: the same batch again
            assert await sync.push() == answered
        # Whatever was stored can be read back, by sync and by REST.
        await sync.pull()
        assert mine["id"] in sync.held("order")
        for actor in ("fitter_1", "planner_1", "orderer_a", "admin"):
            other = SyncClient(http=http, headers=world[actor].headers, device="reader")
            await other.pull()
            shown = await http.get(f"/api/orders/{mine['id']}", headers=world[actor].headers)
            assert shown.status_code == 200, shown.text
            for part in ("messages", "contact-attempts", "events"):
                listed = await http.get(
                    f"/api/orders/{mine['id']}/{part}", headers=world[actor].headers
                )
                assert listed.status_code == 200, listed.text


@given(data=st.data())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_junk_mutations_never_block_a_push(data, database_url, tmp_path) -> None:
    if database_url.startswith("postgresql"):
        _truncate_postgres(database_url)
        url = database_url
    else:
        url = f"sqlite:///{tmp_path / (uuid.uuid4().hex + '.sqlite3')}"
    asyncio.run(_run(url, tmp_path, data))


@pytest.mark.asyncio
async def test_date_times_and_nul_the_server_cannot_use_are_refused_one_by_one(
    client, world: World
) -> None:
    """The two cases the issue found: a date-time without an offset, and one that overflows
    when converted to UTC; and a NUL, in a text and in a mutation's name (PostgreSQL text cannot
    hold one). Each is its own rejection; the batch around it is applied; a resend gets the same
    answers."""
    fitter = world["fitter_1"]
    order_id = world.ids["order_a"]
    sync = SyncClient(http=client, headers=fitter.headers, device="dates")

    def call(at: str) -> dict[str, Any]:
        return {"order_id": order_id, "to_whom": "customer", "outcome": "busy", "at": at}

    first = sync.enqueue("message.add", {"order_id": order_id, "body": "Före"})
    bad = [
        sync.enqueue("contact_attempt.add", call("2026-03-10T08:00:00")),
        sync.enqueue("contact_attempt.add", call("0001-01-01T00:00:00+14:00")),
        sync.enqueue("order.schedule", {"order_id": order_id, "planned_start": "2026-03-12T08:00"}),
        sync.enqueue(
            "order.schedule", {"order_id": order_id, "planned_start": "9999-12-31T23:59:59-14:00"}
        ),
        sync.enqueue("message.add", {"order_id": order_id, "body": "Hej\x00då"}),
        sync.enqueue("message.add\x00", {"order_id": order_id, "body": "Hej"}),
    ]
    last = sync.enqueue("message.add", {"order_id": order_id, "body": "Efter"})
    pending = list(sync.outbox)
    results = {r["id"]: r for r in await sync.push()}
    assert results[first]["status"] == results[last]["status"] == "applied"
    for mutation_id in bad:
        refused = results[mutation_id]
        assert refused["status"] == "rejected", refused
        assert refused["message"] and refused["message_sv"], refused
    sync.outbox = pending
    assert {r["id"]: r for r in await sync.push()} == results
    await sync.pull()
    assert {m["body"] for m in sync.held("message").values()} == {"Före", "Efter"}
    assert (await client.get(f"/api/orders/{order_id}", headers=fitter.headers)).status_code == 200
