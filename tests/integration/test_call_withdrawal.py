"""The undo of a logged call (issue 16): over REST and as a sync mutation, by the person who
logged it only, within the window, and every rule that counts calls sees it gone.

The world's clock starts on Tuesday 10 March 2026, 10:30 in Sweden (UTC+1 in March).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.sync_client import SyncClient
from server.orders.call_withdrawal import WITHDRAWAL_WINDOW
from tests.integration.test_access_matrix import ACTORS, VISIBLE
from tests.integration.world import assign, place_order

pytestmark = pytest.mark.asyncio


async def log_call(client, actor, order_id: str, outcome: str = "no_answer") -> dict:
    response = await client.post(
        f"/api/orders/{order_id}/contact-attempts",
        json={"to_whom": "customer", "outcome": outcome},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def calls(client, actor, order_id: str) -> list[dict]:
    response = await client.get(f"/api/orders/{order_id}/contact-attempts", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def booked_order(client, world) -> str:
    """The world's order at customer A, assigned to fitter 1."""
    return str(world.ids["order_a"])


async def another_order(client, world) -> str:
    order = await place_order(
        client, world["orderer_a"], world.ids["customer_a"], kind="inspection"
    )
    await assign(client, world["planner_1"], order["id"], world["fitter_1"])
    return str(order["id"])


async def test_the_fitter_takes_back_a_call_and_the_history_says_so(client, world) -> None:
    order_id = await booked_order(client, world)
    fitter = world["fitter_1"]
    wrong = await log_call(client, fitter, order_id, outcome="reached")
    kept = await log_call(client, fitter, order_id)
    before = (await client.get(f"/api/orders/{order_id}", headers=fitter.headers)).json()

    response = await client.delete(
        f"/api/orders/{order_id}/contact-attempts/{wrong['id']}", headers=fitter.headers
    )
    assert response.status_code == 204, response.text

    assert [c["id"] for c in await calls(client, fitter, order_id)] == [kept["id"]]
    after = (await client.get(f"/api/orders/{order_id}", headers=fitter.headers)).json()
    assert after["version"] == before["version"] + 1
    events = (await client.get(f"/api/orders/{order_id}/events", headers=fitter.headers)).json()
    withdrawn = [e for e in events if e["action"] == "contact_attempt_withdrawn"]
    assert len(withdrawn) == 1 and withdrawn[0]["changes"]["outcome"] == "reached"
    # The reached call is gone, so the order seeks contact again: a next call is suggested.
    plan = (await client.get(f"/api/orders/{order_id}/next-call", headers=fitter.headers)).json()
    assert plan["needed"] is True
    # Taken back once: a second undo finds nothing.
    again = await client.delete(
        f"/api/orders/{order_id}/contact-attempts/{wrong['id']}", headers=fitter.headers
    )
    assert again.status_code == 404, again.text


async def test_only_the_caller_and_not_on_another_order(client, world) -> None:
    order_id = await booked_order(client, world)
    other_id = await another_order(client, world)
    call = await log_call(client, world["fitter_1"], order_id)

    # Everyone else who sees the order is refused (403, saying why); everyone who does not
    # see it gets 404, as for any other object out of their reach.
    for name in ACTORS:
        if name == "fitter_1":
            continue
        response = await client.delete(
            f"/api/orders/{order_id}/contact-attempts/{call['id']}", headers=world[name].headers
        )
        expected = 403 if name in VISIBLE["order_a"] else 404
        assert response.status_code == expected, (name, response.text)
        if expected == 403:
            assert "Only the person who logged" in response.json()["message"]
    # Named under another order: not found (an id alone never reaches a call).
    elsewhere = await client.delete(
        f"/api/orders/{other_id}/contact-attempts/{call['id']}",
        headers=world["fitter_1"].headers,
    )
    assert elsewhere.status_code == 404, elsewhere.text
    # Another organisation's fitter cannot even see the order.
    stranger = await client.delete(
        f"/api/orders/{order_id}/contact-attempts/{call['id']}",
        headers=world["fitter_2"].headers,
    )
    assert stranger.status_code == 404, stranger.text
    assert len(await calls(client, world["fitter_1"], order_id)) == 1


async def test_too_late_is_refused_with_what_to_do(client, world, clock) -> None:
    order_id = await booked_order(client, world)
    call = await log_call(client, world["fitter_1"], order_id)
    clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC) + WITHDRAWAL_WINDOW + timedelta(seconds=1))
    response = await client.delete(
        f"/api/orders/{order_id}/contact-attempts/{call['id']}",
        headers=world["fitter_1"].headers,
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "withdrawal_too_late"
    assert "log the right call" in response.json()["message"]


async def test_an_offline_undo_is_judged_by_the_device_times_and_applied_once(
    client, world, clock
) -> None:
    """Call and undo queued offline at 10:30 and 10:31; pushed hours later (twice, the first
    answer lost): the call is taken back once, and a pull removes it from the device."""
    order_id = await booked_order(client, world)
    fitter = world["fitter_1"]
    sync = SyncClient(http=client, headers=fitter.headers, device="phone")
    await sync.pull()
    called = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    attempt_id = "0b8f1f9e-2f7e-4d55-9a55-6c0c4a0e6f01"
    sync.enqueue(
        "contact_attempt.add",
        {
            "order_id": order_id,
            "attempt_id": attempt_id,
            "to_whom": "customer",
            "outcome": "reached",
            "at": called.isoformat(),
        },
    )
    sync.enqueue(
        "contact_attempt.withdraw",
        {
            "order_id": order_id,
            "attempt_id": attempt_id,
            "at": (called + timedelta(minutes=1)).isoformat(),
        },
    )
    clock.set(called + timedelta(hours=3))
    pending = list(sync.outbox)
    await sync.push()
    sync.outbox = pending  # the answer was lost: everything is sent again
    results = await sync.push()
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert await calls(client, fitter, order_id) == []
    events = (await client.get(f"/api/orders/{order_id}/events", headers=fitter.headers)).json()
    assert [e["action"] for e in events].count("contact_attempt_withdrawn") == 1
    await sync.pull()
    assert attempt_id not in sync.held("contact_attempt")
