"""Web Push through the outbox to a strict push service on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.notify_helpers import (
    IDENTITY_DIGITS,
    give_customer_a_identity_number,
    services_of,
    visit_and_complete,
    worker_for,
)
from tests.integration.push_service import PushService

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def push_service(client):
    service = PushService(expected_public_key=services_of(client).vapid.public_key_b64)
    await service.start()
    yield service
    await service.stop()


async def subscribe(client, actor, service, name, status=201):
    url, endpoint = service.new_endpoint(name, status)
    response = await client.post(
        "/api/push/subscriptions",
        json={
            "endpoint": url,
            "keys": {"p256dh": endpoint.keys.p256dh, "auth": endpoint.keys.auth},
            "device": f"telefon {name}",
        },
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], endpoint


async def test_the_follower_receives_order_done_and_gone_subscriptions_are_deleted(
    client, world, push_service
) -> None:
    from server.notify.tables import OutboxMessage, PushSubscription

    orderer = world["orderer_a"]
    key = await client.get("/api/push/public-key", headers=orderer.headers)
    assert key.json()["public_key"] == push_service.expected_public_key
    _, phone = await subscribe(client, orderer, push_service, "phone")
    gone_404_id, _ = await subscribe(client, orderer, push_service, "old-tablet", 404)
    gone_410_id, _ = await subscribe(client, orderer, push_service, "old-laptop", 410)
    # Someone who does not follow the order gets nothing.
    _, stranger = await subscribe(client, world["orderer_b"], push_service, "stranger")
    await give_customer_a_identity_number(client, world)
    order_id = world.ids["order_a"]
    done = await visit_and_complete(client, world["fitter_1"], order_id)

    await worker_for(client).drain()
    assert push_service.rejected == []
    assert stranger.received == []
    # The follower heard of the booked and the confirmed visit (issue 13), then of the end.
    # (The worker sends messages queued together in any order.)
    kinds = sorted((m["payload"]["type"], m["payload"].get("status") or "") for m in phone.received)
    assert kinds == [
        ("order_done", ""),
        ("order_status", "ready_for_execution"),
        ("order_status", "scheduled"),
    ]
    assert all("Customer A" not in str(m["payload"]) for m in phone.received)
    done_message = next(m for m in phone.received if m["payload"]["type"] == "order_done")
    payload = done_message["payload"]
    assert payload == {
        "type": "order_done",
        "order_id": order_id,
        "reference": done["reference"],
        "title": "Order klar",
        "body": f"Order {done['reference']} är klarrapporterad.",
        "url": f"http://127.0.0.1:8000/orders/{order_id}",
    }
    assert not any(d in str(payload) for d in IDENTITY_DIGITS)
    assert "Customer A" not in str(payload)  # lock screens show it: no names
    assert int(done_message["ttl"]) > 0
    remaining = {str(r["id"]) for r in await PushSubscription.select(PushSubscription.id)}
    assert gone_404_id not in remaining and gone_410_id not in remaining
    states = sorted(
        r["state"]
        for r in await OutboxMessage.select(OutboxMessage.state, OutboxMessage.payload)
        .where(OutboxMessage.channel == "push")
        .output(load_json=True)
        if r["payload"]["type"] == "order_done"
    )
    assert states == ["discarded", "discarded", "sent"]


async def test_413_fails_and_429_waits_for_retry_after(client, world, clock, push_service) -> None:
    from server.db import write_transaction
    from server.notify.outbox import enqueue_push
    from server.notify.tables import OutboxMessage

    services = services_of(client)
    orderer = world["orderer_a"]
    await subscribe(client, orderer, push_service, "too-big", 413)
    _, busy = await subscribe(client, orderer, push_service, "busy", 429)
    busy.retry_after = "120"
    async with write_transaction(services.engine):
        await enqueue_push(
            "test:1", [orderer.user_id], {"title": "Test", "body": "Hej"}, now=clock.now()
        )
    worker = worker_for(client)
    await worker.drain()
    rows = {
        r["recipients"]["subscription_id"]: r
        for r in await OutboxMessage.select().output(load_json=True)
    }
    by_state = sorted((r["state"], r["attempts"]) for r in rows.values())
    assert by_state == [("failed", 0), ("pending", 1)]
    failed = next(r for r in rows.values() if r["state"] == "failed")
    assert "413" in failed["last_error"]
    waiting = next(r for r in rows.values() if r["state"] == "pending")
    assert waiting["next_attempt_at"] == clock.now() + timedelta(seconds=120)
    # Not due before Retry-After has passed, even though the service would now accept it.
    busy.status = 201
    assert await worker.drain() == 0
    clock.set(clock.now() + timedelta(seconds=121))
    assert await worker.drain() == 1
    assert len(busy.received) == 1
    row = await OutboxMessage.select().where(OutboxMessage.id == waiting["id"]).first()
    assert row["state"] == "sent" and row["send_attempts"] == 2


async def test_subscriptions_are_checked_and_move_with_the_login(client, world) -> None:
    from tests.integration.push_keys import new_subscription_keys

    keys = new_subscription_keys()
    body = {
        "endpoint": "https://push.example.org/abc",
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
    }
    bad = [
        {**body, "endpoint": "http://push.example.org/abc"},  # not https
        {**body, "keys": {"p256dh": "A" * 87, "auth": keys.auth}},  # not a curve point
        {**body, "keys": {"p256dh": keys.p256dh, "auth": "AAAAAAAAAAAA"}},  # 9 bytes
    ]
    for payload in bad:
        response = await client.post(
            "/api/push/subscriptions", json=payload, headers=world["orderer_a"].headers
        )
        assert response.status_code == 400, payload
    first = await client.post(
        "/api/push/subscriptions", json=body, headers=world["orderer_a"].headers
    )
    second = await client.post(
        "/api/push/subscriptions", json=body, headers=world["orderer_b"].headers
    )
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["push_service"] == "https://push.example.org"
    mine_a = await client.get("/api/push/subscriptions", headers=world["orderer_a"].headers)
    mine_b = await client.get("/api/push/subscriptions", headers=world["orderer_b"].headers)
    assert mine_a.json() == [] and len(mine_b.json()) == 1
