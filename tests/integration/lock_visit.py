"""Helpers for the lock authority tests: a server that trusts a test factory, and booked visits.

The server's lock-signing key follows from its secret key (server.locks.authority), so a test
can have its factory authority vouch for it before the app starts, as an operator would.
"""

from __future__ import annotations

from typing import Any

import msgspec

from gateway.sync_client import SyncClient
from lock_protocol.crypto import SigningKey
from server.locks.authority import server_signing_key
from server.secrets_box import SecretBox
from server.settings import Settings
from tests.integration.world import Actor, World, assign, place_order
from tests.lock_helpers import operator_certificate


def trusting(settings: Settings, factory: SigningKey) -> Settings:
    """`settings` with `factory` trusted and its operator certificate for this server's key."""
    server_key = server_signing_key(SecretBox(settings.secret_key))
    return msgspec.structs.replace(
        settings,
        lock_factory_authorities=factory.public_key.hex(),
        lock_operator_certificate=operator_certificate(factory, server_key.public_key).hex(),
    )


async def transition(client: Any, actor: Actor, order_id: str, **body: Any) -> Any:
    return await client.post(
        f"/api/orders/{order_id}/transitions", json=body, headers=actor.headers
    )


async def booked_order(
    client: Any,
    world: World,
    kind: str,
    *,
    lock_id: str | None = None,
    started: bool = True,
    planned_start: str = "2026-03-10T10:00:00Z",
) -> str:
    """An order of `kind` for customer A, assigned to fitter_1, booked (and started)."""
    extra: dict[str, Any] = {"kind": kind}
    if lock_id is not None:
        extra["lock_id"] = lock_id
    order = await place_order(client, world["orderer_a"], world.ids["customer_a"], **extra)
    await assign(client, world["planner_1"], order["id"], world["fitter_1"])
    fitter = world["fitter_1"]
    steps: list[dict[str, Any]] = [
        {"action": "schedule", "planned_start": planned_start, "estimate_minutes": 60},
        {"action": "confirm"},
    ]
    if started:
        steps.append({"action": "start"})
    for step in steps:
        response = await transition(client, fitter, order["id"], **step)
        assert response.status_code in {200, 201}, response.text
    return str(order["id"])


async def credential(
    client: Any, actor: Actor, order_id: str, serial: str, certificate: bytes | None = None
) -> Any:
    body: dict[str, Any] = {"staff_public_key": "11" * 32, "serial": serial}
    if certificate is not None:
        body["lock_certificate"] = certificate.hex()
    return await client.post(
        f"/api/orders/{order_id}/staff-credential", json=body, headers=actor.headers
    )


async def push_one(sync: SyncClient, args: dict[str, Any]) -> dict[str, Any]:
    sync.enqueue("lock_report.add", args)
    results = await sync.push()
    assert len(results) == 1, results
    return results[0]


COMPLETION = {"work_done": "Lock fitted and tested.", "minutes_spent": 45}
