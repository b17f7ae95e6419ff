"""Hub gateways: a planner chooses which locks a gateway device serves, and those locks join
that device's sync scope (and only that device's), next to what its fitter holds."""

from __future__ import annotations

import os

import pytest

from gateway.sync_client import SyncClient
from lock_protocol.crypto import SigningKey
from tests.integration.lock_visit import push_one, trusting
from tests.integration.world import session_headers
from tests.lock_helpers import SimulatedLock

pytestmark = pytest.mark.asyncio


@pytest.fixture
def factory() -> SigningKey:
    return SigningKey(os.urandom(32))


@pytest.fixture
def settings(settings, factory):  # type: ignore[no-untyped-def]
    return trusting(settings, factory)


async def hub_of(client, actor, name: str = "hub-entrance") -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    created = await client.post(
        "/api/devices", json={"name": name}, headers=await session_headers(client, actor)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    return body["device"]["id"], {"Authorization": f"Bearer {body['token']}"}


async def test_served_locks_join_the_hub_scope_only(client, world) -> None:
    hub_id, hub_headers = await hub_of(client, world["fitter_1b"])
    path = f"/api/devices/{hub_id}/locks"
    served = [world.ids["lock_a"], world.ids["lock_stock"]]
    response = await client.put(path, json={"lock_ids": served}, headers=world["planner_1"].headers)
    assert response.status_code == 200, response.text
    assert sorted(response.json()["lock_ids"]) == sorted(served)

    hub = SyncClient(http=client, headers=hub_headers, device="hub")
    await hub.pull()
    assert set(served) <= set(hub.held("lock"))
    assert world.ids["lock_b"] not in hub.held("lock")
    # The same fitter's phone does not get the hub's locks: the scope is the device's.
    phone = SyncClient(http=client, headers=world["fitter_1b"].headers, device="phone")
    await phone.pull()
    assert world.ids["lock_a"] not in phone.held("lock")

    shrunk = await client.put(
        path, json={"lock_ids": [world.ids["lock_stock"]]}, headers=world["planner_1"].headers
    )
    assert shrunk.status_code == 200
    await hub.pull()
    assert world.ids["lock_a"] not in hub.held("lock")
    assert world.ids["lock_stock"] in hub.held("lock")
    listed = await client.get(path, headers=world["planner_1"].headers)
    assert listed.json()["lock_ids"] == [world.ids["lock_stock"]]


async def test_only_the_own_companys_planner_sets_served_locks(client, world) -> None:
    hub_id, _ = await hub_of(client, world["fitter_1"])
    path = f"/api/devices/{hub_id}/locks"
    body = {"lock_ids": [world.ids["lock_a"]]}
    expected = {
        "planner_1": 200,
        "admin": 200,
        "fitter_1": 403,  # the device's own fitter does not choose its locks
        "fitter_1b": 403,
        "planner_2": 404,  # another company's device is not theirs to know
        "fitter_2": 404,
        "orderer_a": 404,
        "orderer_b": 404,
    }
    got = {
        name: (await client.put(path, json=body, headers=world[name].headers)).status_code
        for name in expected
    }
    assert got == expected
    invisible = await client.put(
        path, json={"lock_ids": [world.ids["lock_b"]]}, headers=world["planner_1"].headers
    )
    assert invisible.status_code == 400 and invisible.json()["field"] == "lock_ids"


async def test_a_hub_reads_the_locks_it_serves_with_its_own_credentials(
    client, world, factory
) -> None:
    hub_id, hub_headers = await hub_of(client, world["fitter_1b"])
    await client.put(
        f"/api/devices/{hub_id}/locks",
        json={"lock_ids": [world.ids["lock_a"]]},
        headers=world["planner_1"].headers,
    )
    lock = SimulatedLock(factory, "LW-00A1")
    path = f"/api/devices/{hub_id}/locks/credential"
    body = {
        "staff_public_key": "22" * 32,
        "serial": lock.serial,
        "lock_certificate": lock.core.certificate.hex(),
    }
    for name in ("fitter_1b", "planner_1", "admin"):  # not the hub device itself
        refused = await client.post(path, json=body, headers=world[name].headers)
        assert refused.status_code == 403, name
    not_served = await client.post(path, json={**body, "serial": "LW-00B1"}, headers=hub_headers)
    assert not_served.status_code == 400
    granted = await client.post(path, json=body, headers=hub_headers)
    assert granted.status_code == 201, granted.text
    grant = granted.json()
    assert grant["commands"] == ["READ_BATTERY", "READ_REPORT", "READ_STATUS"]
    nonce = bytes.fromhex(grant["server_nonce"])
    now = client.app.state["services"].clock.now().timestamp()
    args = lock.upload_args(
        "lock_report", lock.report(nonce, now, percent=55), server_nonce=nonce, ticket=None
    )
    # The hub's user on another device cannot bring the hub's reading.
    phone = SyncClient(http=client, headers=world["fitter_1b"].headers, device="phone")
    assert (await push_one(phone, dict(args)))["status"] == "rejected"
    hub = SyncClient(http=client, headers=hub_headers, device="hub")
    assert (await push_one(hub, args))["status"] == "applied"
    await hub.pull()
    held = hub.held("lock")[world.ids["lock_a"]]
    assert held["verified_by_lock"] is True and held["battery_percent"] == 55
