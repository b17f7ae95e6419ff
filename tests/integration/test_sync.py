"""The sync protocol against a real database: scoped pull, removals, exactly-once push."""

from __future__ import annotations

import pytest

from gateway.sync_client import SyncClient, SyncClientError
from tests.integration.world import assign

pytestmark = pytest.mark.asyncio


def client_for(client, actor) -> SyncClient:
    return SyncClient(http=client, headers=actor.headers, device=f"test-{actor.name}")


async def test_each_client_pulls_exactly_its_scope(client, world) -> None:
    expectations = {
        "fitter_1": {"order_a"},
        "fitter_2": {"order_b"},
        "fitter_1b": set(),
        "orderer_a": {"order_a"},
        "planner_2": {"order_b"},
        "admin": {"order_a", "order_b"},
    }
    for name, orders in expectations.items():
        sync = client_for(client, world[name])
        await sync.pull()
        assert set(sync.held("order")) == {world.ids[o] for o in orders}, name
        customers = {world.ids[o.replace("order", "customer")] for o in orders}
        assert customers <= set(sync.held("customer")), name
        if name.startswith("fitter"):
            assert set(sync.held("customer")) == customers, name


async def test_a_reassigned_order_leaves_the_old_fitter_and_reaches_the_new(client, world) -> None:
    old, new = client_for(client, world["fitter_1"]), client_for(client, world["fitter_1b"])
    await old.pull()
    await new.pull()
    order_id = world.ids["order_a"]
    assert order_id in old.held("order") and order_id not in new.held("order")
    events_before = [e for e in old.held("order_event").values() if e["order_id"] == order_id]
    assert events_before
    await assign(client, world["planner_1"], order_id, world["fitter_1b"])
    await old.pull()
    await new.pull()
    assert order_id not in old.held("order")
    assert world.ids["customer_a"] not in old.held("customer")
    assert not [e for e in old.held("order_event").values() if e["order_id"] == order_id]
    assert order_id in new.held("order") and world.ids["customer_a"] in new.held("customer")
    assert world.ids["lock_a"] in new.held("lock")


async def test_an_empty_pull_returns_nothing_and_keeps_the_cursor(client, world) -> None:
    sync = client_for(client, world["fitter_1"])
    await sync.pull()
    cursor = sync.cursor
    assert await sync.pull() == 0 and sync.cursor == cursor


async def test_push_applies_each_mutation_once_even_when_resent(client, world) -> None:
    sync = client_for(client, world["fitter_1"])
    await sync.pull()
    order_id = world.ids["order_a"]
    sync.enqueue(
        "contact_attempt.add", {"order_id": order_id, "to_whom": "customer", "outcome": "no_answer"}
    )
    sync.enqueue("order.schedule", {"order_id": order_id, "planned_start": "2026-03-11T08:00:00Z"})
    pending = list(sync.outbox)
    first = await sync.push()
    assert [r["status"] for r in first] == ["applied", "applied"]
    # The acknowledgement was lost: the same mutations are sent again.
    sync.outbox = pending
    again = await sync.push()
    assert [r["id"] for r in again] == [r["id"] for r in first]
    assert [r["change_number"] for r in again] == [r["change_number"] for r in first]
    attempts = await client.get(
        f"/api/orders/{order_id}/contact-attempts", headers=world["fitter_1"].headers
    )
    assert len(attempts.json()) == 1


async def test_a_rejection_is_durable_readable_and_does_not_block_the_queue(client, world) -> None:
    sync = client_for(client, world["fitter_1"])
    order_id = world.ids["order_a"]
    refused = sync.enqueue("order.start", {"order_id": order_id})  # not ready for execution
    later = sync.enqueue(
        "contact_attempt.add", {"order_id": order_id, "to_whom": "relative", "outcome": "reached"}
    )
    results = {r["id"]: r for r in await sync.push()}
    assert results[refused]["status"] == "rejected" and results[refused]["message"]
    assert results[later]["status"] == "applied"
    await sync.pull()
    rejection = sync.held("mutation")[refused]
    assert rejection["status"] == "rejected" and rejection["message"] == results[refused]["message"]


async def test_a_mutation_on_another_fitters_order_is_rejected_without_leaking(
    client, world
) -> None:
    sync = client_for(client, world["fitter_1"])
    mutation = sync.enqueue("order.start", {"order_id": world.ids["order_b"]})
    results = {r["id"]: r for r in await sync.push()}
    assert results[mutation]["status"] == "rejected" and results[mutation]["code"] == "not_found"


async def test_an_unknown_client_re_registers_and_ids_deduplicate(client, world) -> None:
    from server.sync.tables import SyncClient as ClientRow

    sync = client_for(client, world["fitter_1"])
    sync.enqueue(
        "contact_attempt.add",
        {"order_id": world.ids["order_a"], "to_whom": "customer", "outcome": "busy"},
    )
    pending = list(sync.outbox)
    await sync.push()
    await ClientRow.delete(force=True)  # the server forgot every client
    sync.outbox = pending
    again = await sync.push()
    assert again[0]["status"] == "applied"
    attempts = await client.get(
        f"/api/orders/{world.ids['order_a']}/contact-attempts", headers=world["fitter_1"].headers
    )
    assert len(attempts.json()) == 1


async def test_an_old_protocol_is_told_to_update(client, world) -> None:
    response = await client.post(
        "/api/sync/register", json={"protocol": 99, "schema": 1}, headers=world["fitter_1"].headers
    )
    assert response.status_code == 409 and "Reload the app" in response.json()["message"]


async def test_checksums_match_what_the_client_holds(client, world) -> None:
    from server.sync import scopes
    from server.sync.service import scope_digest

    sync = client_for(client, world["fitter_1"])
    await sync.pull()
    answer = (await client.get("/api/sync/checksums", headers=world["fitter_1"].headers)).json()
    token = scopes.fitter(world["fitter_1"].user_id)
    held = [
        (entity, entity_id, sync.versions[(entity, entity_id)])
        for (entity, entity_id) in sync.rows
        if entity != "mutation"
    ]
    mine = scope_digest(held)
    assert answer["scopes"][token] == {"count": mine.count, "digest": mine.digest}


async def test_pull_with_a_foreign_client_id_is_unknown(client, world) -> None:
    mine = client_for(client, world["fitter_1"])
    await mine.register()
    theirs = client_for(client, world["fitter_2"])
    theirs.client_id = mine.client_id
    with pytest.raises(SyncClientError) as caught:
        await theirs._post("/api/sync/pull", {"client_id": mine.client_id, "cursor": 0})
    assert caught.value.code == "unknown_client"


async def test_messages_travel_both_ways(client, world) -> None:
    fitter = client_for(client, world["fitter_1"])
    orderer = client_for(client, world["orderer_a"])
    order_id = world.ids["order_a"]
    message_id = "8c6e2a52-5d8f-4d7c-9d1e-0f2b8e6f4a11"
    fitter.enqueue(
        "message.add", {"order_id": order_id, "message_id": message_id, "body": "Kommer 10:15"}
    )
    assert [r["status"] for r in await fitter.push()] == ["applied"]
    await orderer.pull()
    assert orderer.held("message")[message_id]["body"] == "Kommer 10:15"
    reply = await client.post(
        f"/api/orders/{order_id}/messages",
        json={"body": "Tack!"},
        headers=world["orderer_a"].headers,
    )
    assert reply.status_code == 201
    await fitter.pull()
    assert {m["body"] for m in fitter.held("message").values()} == {"Kommer 10:15", "Tack!"}
    # Someone who cannot see the order cannot read or write its messages.
    other = await client.get(f"/api/orders/{order_id}/messages", headers=world["fitter_2"].headers)
    assert other.status_code == 404


async def test_protocol_1_and_2_pulls_carry_the_same_rows(client, world) -> None:
    """Protocol 2 sends upserts as tables; a protocol-1 client (an app not yet reloaded) still
    gets one object per change, and both decode to exactly the same rows and versions."""
    from gateway.sync_client import changes_in

    actor = world["admin"]
    await assign(client, world["planner_1"], world.ids["order_a"], world["fitter_1b"])
    decoded = {}
    for protocol in (1, 2):
        registered = await client.post(
            "/api/sync/register", json={"protocol": protocol, "schema": 1}, headers=actor.headers
        )
        answer = await client.post(
            "/api/sync/pull",
            json={
                "protocol": protocol,
                "schema": 1,
                "client_id": registered.json()["client_id"],
                "cursor": 0,
                "limit": 1000,
            },
            headers=actor.headers,
        )
        body = answer.json()
        assert ("tables" in body) == (protocol == 2)
        decoded[protocol] = sorted(
            (c["entity"], c["id"], c["op"], c["version"], sorted((c.get("data") or {}).items()))
            for c in changes_in(body)
        )
    assert decoded[1] and decoded[1] == decoded[2]
    assert {entity for entity, *_ in decoded[2]} >= {"order", "customer", "lock", "order_event"}
