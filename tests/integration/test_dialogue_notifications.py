"""Issue 13 (seeds 003/004): a message on an order reaches the responsible people on the other
side by push (to a real push service on loopback), and by e-mail those who have no device
with notifications on; the follower hears of status changes. SQLite and PostgreSQL."""

from __future__ import annotations

from tests.integration.notify_helpers import worker_for
from tests.integration.test_notify_push import push_service, subscribe  # noqa: F401


async def _write(client, actor, order_id: str, body: str) -> None:
    answer = await client.post(
        f"/api/orders/{order_id}/messages", json={"body": body}, headers=actor.headers
    )
    assert answer.status_code == 201, answer.text


async def _emails(key_part: str) -> list[dict]:
    from server.notify.tables import OutboxMessage

    rows = (
        await OutboxMessage.select().where(OutboxMessage.channel == "email").output(load_json=True)
    )
    return [r for r in rows if key_part in r["dedupe_key"] and ":message:" in r["dedupe_key"]]


async def test_messages_reach_the_other_side(client, world, push_service) -> None:  # noqa: F811
    order_a = world.ids["order_a"]  # placed by orderer_a, assigned to fitter_1
    _, fitter_phone = await subscribe(client, world["fitter_1"], push_service, "fitter")
    _, orderer_phone = await subscribe(client, world["orderer_a"], push_service, "orderer")
    _, planner_phone = await subscribe(client, world["planner_1"], push_service, "planner")
    _, stranger = await subscribe(client, world["fitter_1b"], push_service, "stranger")

    await _write(client, world["orderer_a"], order_a, "Kunden är hemma efter kl. 10.")
    await worker_for(client).drain()
    got = [m["payload"] for m in fitter_phone.received]
    assert [p["type"] for p in got] == ["order_message"]
    assert "Kunden" not in got[0]["body"]  # the text stays in the app, not on lock screens
    assert orderer_phone.received == [] and planner_phone.received == []

    await _write(client, world["fitter_1"], order_a, "Jag kommer på tisdag.")
    await worker_for(client).drain()
    assert [m["payload"]["type"] for m in orderer_phone.received] == ["order_message"]
    assert len(fitter_phone.received) == 1  # not told of their own message
    assert stranger.received == []
    # Everyone here has push on: no e-mail.
    assert await _emails(order_a) == []


async def test_unassigned_orders_reach_the_planners_and_email_stands_in_for_push(
    client,
    world,
    push_service,  # noqa: F811
) -> None:
    from server.orders.tables import WorkOrder

    order_a = world.ids["order_a"]
    await WorkOrder.update({WorkOrder.assigned_fitter: None}).where(WorkOrder.id == order_a)
    # The planner has no device with notifications on: the message comes by e-mail.
    await _write(client, world["orderer_a"], order_a, "Ring anhörig först.")
    mails = await _emails(order_a)
    assert len(mails) == 1
    assert mails[0]["recipients"]["to"] == ["planner_1@example.org"]
    assert "Ring anhörig först." in mails[0]["body_text"]
    # Another company's planner hears nothing of it.
    assert "planner_2@example.org" not in str(mails)
