"""The same bleak code through the simulator's TCP radio hub (pitfalls 1 and 2)."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bleak import BleakClient, BleakScanner

from firmware_sim.radio_hub import LINK_LOSS_REASON, RadioHub, serve_radio_hub
from gateway.ble.connection import LockLink, LockRegistry, RetryPolicy
from gateway.ble.errors import LinkLost, LockNotFound
from gateway.ble.radio import Radio, open_radio
from tests.integration.ble.ble_peripheral import (
    ANSWER_TIMEOUT_S,
    BATTERY_LEVEL,
    BATTERY_PERCENT,
    CONNECT_TIMEOUT_S,
    ECHO_NOTIFY,
    ECHO_PREFIX,
    ECHO_WRITE,
    LOCK_NAME,
    MANUFACTURER_PAYLOAD,
    SCAN_TIMEOUT_S,
    SLOW_WRITE,
    TEST_COMPANY_ID,
    TestLock,
)

pytestmark = pytest.mark.ble

REPO_ROOT = Path(__file__).resolve().parents[3]
# A child gateway process needs ~0.5 s to import bleak + Bumble; 15 s is ample on a busy CI box.
CHILD_READY_TIMEOUT_S = 15.0
# What the hub needs to notice a dropped socket and end that controller's links.
HUB_TEARDOWN_TIMEOUT_S = 2.0


@pytest.fixture
async def hub() -> AsyncIterator[RadioHub]:
    running = await serve_radio_hub("127.0.0.1", 0)
    yield running
    await running.close()


@pytest.fixture
async def hub_lock(hub: RadioHub) -> AsyncIterator[TestLock]:
    """A lock attached through the hub over TCP, as the simulator process would be."""
    test_lock = await TestLock.via_transport(hub.transport_spec)
    yield test_lock
    await test_lock.close()


@pytest.fixture
async def hub_radio(hub: RadioHub) -> AsyncIterator[Radio]:
    opened = await open_radio(f"bumble:{hub.transport_spec}")
    yield opened
    await opened.close()


async def test_scan_connect_read_notify_over_hub(
    hub: RadioHub, hub_lock: TestLock, hub_radio: Radio
) -> None:
    assert hub.client_count == 2
    assert hub_radio.scanner_backend is not None and hub_radio.client_backend is not None
    found: dict[str, object] = {}

    def match(device: object, advert: object) -> bool:
        found["advert"] = advert
        return getattr(advert, "local_name", None) == LOCK_NAME

    device = await BleakScanner.find_device_by_filter(
        match, timeout=SCAN_TIMEOUT_S, backend=hub_radio.scanner_backend
    )
    assert device is not None and device.address == hub_lock.address
    advert = found["advert"]
    assert getattr(advert, "manufacturer_data", None) == {TEST_COMPANY_ID: MANUFACTURER_PAYLOAD}

    answers: asyncio.Queue[bytes] = asyncio.Queue()
    client = BleakClient(device, timeout=CONNECT_TIMEOUT_S, backend=hub_radio.client_backend)
    async with client:
        assert client.mtu_size == 247
        assert await client.read_gatt_char(BATTERY_LEVEL) == bytes([BATTERY_PERCENT])
        await client.start_notify(ECHO_NOTIFY, lambda _c, data: answers.put_nowait(bytes(data)))
        await client.write_gatt_char(ECHO_WRITE, b"hub", response=True)
        assert await asyncio.wait_for(answers.get(), ANSWER_TIMEOUT_S) == ECHO_PREFIX + b"hub"


async def test_absent_lock_over_hub_then_real_one(
    hub_lock: TestLock, hub_radio: Radio, registry: LockRegistry
) -> None:
    # The hub's controllers carry the connect-cancel fix too (pitfall 3).
    absent = LockLink(
        hub_radio,
        registry,
        address="C0:11:22:33:44:55",
        connect_timeout_s=0.3,
        retry=RetryPolicy(attempts=1),
    )
    with pytest.raises(LockNotFound):
        await absent.connect()
    async with LockLink(hub_radio, registry, name=LOCK_NAME) as link:
        assert await link.read(BATTERY_LEVEL) == bytes([BATTERY_PERCENT])


GATEWAY_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from bleak import BleakClient
    from gateway.ble.radio import open_radio

    async def main(config, address):
        radio = await open_radio(config)
        client = BleakClient(address, timeout=float(sys.argv[3]), backend=radio.client_backend)
        await client.connect()
        print("connected", flush=True)
        await asyncio.Event().wait()  # hold the link until killed

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


async def test_killed_gateway_process_frees_the_lock(
    hub: RadioHub, hub_lock: TestLock, registry: LockRegistry
) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        GATEWAY_CHILD,
        f"bumble:{hub.transport_spec}",
        hub_lock.address,
        str(CONNECT_TIMEOUT_S),
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), CHILD_READY_TIMEOUT_S)
        assert line.strip() == b"connected"
        assert len(hub_lock.device.connections) == 1  # the lock is taken
        taken = hub_lock.connections[-1]
        freed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        taken.once(taken.EVENT_DISCONNECTION, freed.set_result)
    finally:
        child.kill()  # SIGKILL: no chance to disconnect politely
        await child.wait()

    # Pitfalls 1 and 2: the hub ends the dead client's links, so the lock is free again.
    reason = await asyncio.wait_for(freed, HUB_TEARDOWN_TIMEOUT_S)
    assert reason == LINK_LOSS_REASON  # seen by the lock as a supervision timeout
    assert not hub_lock.device.connections
    async with (
        await open_radio(f"bumble:{hub.transport_spec}") as radio,
        LockLink(radio, registry, name=LOCK_NAME) as link,  # found by its adverts again
    ):
        assert await link.read(BATTERY_LEVEL) == bytes([BATTERY_PERCENT])


async def test_in_process_lock_on_hub_leaving_air_is_link_lost(
    hub: RadioHub, hub_radio: Radio, registry: LockRegistry
) -> None:
    controller = hub.attach("in-process lock")
    local_lock = await TestLock.on_controller(controller, "LW-0007")
    try:
        async with LockLink(hub_radio, registry, name="LW-0007") as link:
            write = asyncio.create_task(link.write(SLOW_WRITE, b"unlock"))
            await asyncio.wait_for(local_lock.slow_write_arrived.wait(), ANSWER_TIMEOUT_S)
            hub.detach(controller)
            with pytest.raises(LinkLost):
                await asyncio.wait_for(write, ANSWER_TIMEOUT_S)
    finally:
        await local_lock.close()


async def test_hub_shutdown_ends_links_at_once(
    hub: RadioHub, hub_lock: TestLock, hub_radio: Radio, registry: LockRegistry
) -> None:
    async with LockLink(hub_radio, registry, address=hub_lock.address) as link:
        write = asyncio.create_task(link.write(SLOW_WRITE, b"unlock"))
        await asyncio.wait_for(hub_lock.slow_write_arrived.wait(), ANSWER_TIMEOUT_S)
        await hub.close()
        assert hub.client_count == 0
        # The central notices its transport is gone; no 30 s GATT timeout.
        with pytest.raises(LinkLost):
            await asyncio.wait_for(write, HUB_TEARDOWN_TIMEOUT_S)
        assert not link.is_connected
