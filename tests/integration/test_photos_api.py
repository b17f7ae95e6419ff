"""Photos with an order (issue 16: with a completion closed without the lock's evidence): sent
as the sync mutation ``photo.add``, kept re-encoded without metadata, shown to those who see
the order, and never copied into the mutation log."""

from __future__ import annotations

import base64
import io
import uuid

import pytest
from PIL import Image

from gateway.sync_client import SyncClient
from server.sync.tables import SyncMutation
from tests.unit.test_photos import photo_bytes

pytestmark = pytest.mark.asyncio


def phone_of(client, actor) -> SyncClient:
    return SyncClient(http=client, headers=actor.headers, device=f"phone-{actor.name}")


def photo_args(order_id: str, data: bytes | str, photo_id: str | None = None) -> dict:
    text = data if isinstance(data, str) else base64.b64encode(data).decode()
    return {
        "order_id": order_id,
        "photo_id": photo_id or str(uuid.uuid4()),
        "purpose": "evidence_override",
        "data": text,
    }


async def test_a_photo_is_kept_without_its_metadata_and_shown_to_who_sees_the_order(
    client, world
) -> None:
    order_id = world.ids["order_a"]
    phone = phone_of(client, world["fitter_1"])
    args = photo_args(order_id, photo_bytes((1200, 900), gps=True))
    phone.enqueue("photo.add", args)
    pending = list(phone.outbox)
    await phone.push()
    phone.outbox = pending  # the answer lost: sent again, kept once
    [result] = await phone.push()
    assert result["status"] == "applied", result

    for name in ("fitter_1", "planner_1", "orderer_a", "admin"):
        listed = await client.get(f"/api/orders/{order_id}/photos", headers=world[name].headers)
        assert [p["id"] for p in listed.json()] == [args["photo_id"]], name
    jpeg = await client.get(
        f"/api/orders/{order_id}/photos/{args['photo_id']}", headers=world["planner_1"].headers
    )
    assert jpeg.status_code == 200 and jpeg.headers["content-type"] == "image/jpeg"
    assert "private" in jpeg.headers["cache-control"]
    with Image.open(io.BytesIO(jpeg.content)) as image:
        assert dict(image.getexif()) == {} and image.size == (1200, 900)
    for name in ("fitter_2", "orderer_b", "planner_2"):
        other = await client.get(
            f"/api/orders/{order_id}/photos/{args['photo_id']}", headers=world[name].headers
        )
        assert other.status_code == 404, name
        listed = await client.get(f"/api/orders/{order_id}/photos", headers=world[name].headers)
        assert listed.status_code == 404, name
    # The mutation log keeps what happened, not the photo.
    stored = await SyncMutation.select(SyncMutation.args).where(SyncMutation.name == "photo.add")
    assert len(stored) == 1 and args["data"][:100] not in str(stored[0]["args"])
    events = await client.get(f"/api/orders/{order_id}/events", headers=world["planner_1"].headers)
    assert [e["action"] for e in events.json()].count("photo_added") == 1


async def test_who_may_not_and_what_is_not_a_photo_are_refused(client, world) -> None:
    order_id = world.ids["order_a"]
    other_fitter = phone_of(client, world["fitter_2"])
    other_fitter.enqueue("photo.add", photo_args(order_id, photo_bytes((100, 100))))
    orderer = phone_of(client, world["orderer_a"])
    orderer.enqueue("photo.add", photo_args(order_id, photo_bytes((100, 100))))
    fitter = phone_of(client, world["fitter_1"])
    fitter.enqueue("photo.add", photo_args(order_id, "not base64 at all!"))
    fitter.enqueue("photo.add", photo_args(order_id, b"%PDF-1.7 a document"))
    [stranger] = await other_fitter.push()
    assert stranger["status"] == "rejected" and stranger["code"] == "not_found", stranger
    [staff] = await orderer.push()
    assert staff["status"] == "rejected" and staff["code"] == "forbidden", staff
    garbled, document = await fitter.push()
    for refused in (garbled, document):
        assert refused["status"] == "rejected" and refused["code"] == "validation_failed"
        assert refused["message_sv"], refused
    listed = await client.get(f"/api/orders/{order_id}/photos", headers=world["admin"].headers)
    assert listed.json() == []
