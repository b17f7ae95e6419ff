"""Hub gateways: a planner chooses which locks a gateway device serves, and those locks join
that device's sync scope (and only that device's), next to what its fitter holds."""

from __future__ import annotations

import pytest

from gateway.sync_client import SyncClient

pytestmark = pytest.mark.asyncio


async def hub_of(client, actor, name: str = "hub-entrance") -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    created = await client.post("/api/devices", json={"name": name}, headers=actor.headers)
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
