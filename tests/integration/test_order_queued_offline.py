"""Orders placed while the phone was offline (issue 16; seed 001 works through the cases
queued during an outage): the phone queues ``order.place`` with an id of its own; the server
places it exactly once, or refuses it with the reason, which comes back to the person.
"""

from __future__ import annotations

import uuid

import pytest

from gateway.sync_client import SyncClient
from tests.integration.world import GOOD_CHECKLIST

pytestmark = pytest.mark.asyncio


def staff_phone(client, actor) -> SyncClient:
    return SyncClient(http=client, headers=actor.headers, device=f"phone-{actor.name}")


async def test_a_queued_order_is_placed_once_and_reaches_the_phone(client, world) -> None:
    orderer = world["orderer_a"]
    phone = staff_phone(client, orderer)
    await phone.pull()
    order_id = str(uuid.uuid4())
    phone.enqueue(
        "order.place",
        {
            "order_id": order_id,
            "order": {
                "kind": "inspection",
                "customer_id": world.ids["customer_a"],
                "description": "Beställd i källaren utan täckning.",
            },
        },
    )
    pending = list(phone.outbox)
    await phone.push()
    phone.outbox = pending  # the answer was lost: the same mutation is sent again
    [result] = await phone.push()
    assert result["status"] == "applied", result

    placed = await client.get(f"/api/orders/{order_id}", headers=orderer.headers)
    assert placed.status_code == 200, placed.text
    assert placed.json()["status"] == "ordered" and placed.json()["kind"] == "inspection"
    listed = await client.get("/api/orders", params={"limit": 200}, headers=orderer.headers)
    assert [o["id"] for o in listed.json()["items"]].count(order_id) == 1
    await phone.pull()
    assert phone.held("order")[order_id]["reference"] == placed.json()["reference"]


async def test_a_refused_order_comes_back_with_the_reason(client, world) -> None:
    orderer = world["orderer_a"]
    phone = staff_phone(client, orderer)
    lock_case = {**GOOD_CHECKLIST, "fault_location": "lock_case"}
    refused_id, elsewhere_id = str(uuid.uuid4()), str(uuid.uuid4())
    phone.enqueue(
        "order.place",
        {
            "order_id": refused_id,
            "order": {
                "kind": "service",
                "customer_id": world.ids["customer_a"],
                "checklist": lock_case,
            },
        },
    )
    # Another provider's customer: refused, saying nothing about that customer.
    phone.enqueue(
        "order.place",
        {
            "order_id": elsewhere_id,
            "order": {"kind": "inspection", "customer_id": world.ids["customer_b"]},
        },
    )
    first, second = await phone.push()
    assert first["status"] == "rejected" and first["message_sv"], first
    assert "kund" in first["message_sv"].lower() or "lås" in first["message_sv"].lower()
    assert second["status"] == "rejected", second
    assert "Customer B" not in second["message"]
    for order_id in (refused_id, elsewhere_id):
        gone = await client.get(f"/api/orders/{order_id}", headers=world["admin"].headers)
        assert gone.status_code == 404, gone.text


async def test_an_order_id_is_never_taken_twice(client, world) -> None:
    """A second order under an id already used (another phone's, or a replay with a new
    mutation id) is refused; the first order stays as it was."""
    order_id = world.ids["order_a"]
    phone = staff_phone(client, world["orderer_a"])
    phone.enqueue(
        "order.place",
        {
            "order_id": order_id,
            "order": {"kind": "inspection", "customer_id": world.ids["customer_a"]},
        },
    )
    [result] = await phone.push()
    assert result["status"] == "rejected" and result["code"] == "duplicate_id", result
    kept = await client.get(f"/api/orders/{order_id}", headers=world["admin"].headers)
    assert kept.json()["kind"] == "service"


async def test_a_draft_is_sent_or_deleted_from_the_phone(client, world) -> None:
    """Drafts (saved with draft=true through the API): staff send one as the order and
    delete another, as sync mutations like any other."""
    orderer = world["orderer_a"]

    async def draft(kind: str) -> str:
        response = await client.post(
            "/api/orders",
            json={"kind": kind, "customer_id": world.ids["customer_a"], "draft": True},
            headers=orderer.headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "draft"
        return str(response.json()["id"])

    sent, deleted = await draft("inspection"), await draft("removal")
    phone = staff_phone(client, orderer)
    phone.enqueue("order.send_draft", {"order_id": sent})
    phone.enqueue("order.cancel", {"order_id": deleted, "reason": "Utkastet togs bort."})
    results = await phone.push()
    assert [r["status"] for r in results] == ["applied", "applied"], results
    placed = (await client.get(f"/api/orders/{sent}", headers=orderer.headers)).json()
    assert placed["status"] == "ordered" and placed["due_on"]
    gone = (await client.get(f"/api/orders/{deleted}", headers=orderer.headers)).json()
    assert gone["status"] == "cancelled"
    # Another provider's staff cannot send it (they do not see it).
    other = staff_phone(client, world["orderer_b"])
    other.enqueue("order.send_draft", {"order_id": sent})
    [refused] = await other.push()
    assert refused["status"] == "rejected" and refused["code"] == "not_found", refused
