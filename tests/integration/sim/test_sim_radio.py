"""The simulated lock on the air, seen through the gateway's real bleak code: sleep, wake,
beacon, GATT services. Nothing is mocked; each test has its own virtual link."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from firmware_sim.clock import ManualClock
from firmware_sim.lock import FIRMWARE_VERSION, MANUFACTURER, MODEL, PowerState, SimLock
from gateway.ble.connection import LockLink, LockRegistry, RetryPolicy
from gateway.ble.errors import LockNotFound
from gateway.ble.radio import Radio
from lock_protocol.gatt import (
    BATTERY_LEVEL,
    FIRMWARE_REVISION,
    MANUFACTURER_NAME,
    MODEL_NUMBER,
    SERIAL_NUMBER,
)
from tests.integration.sim.sim_driver import TEST_TIMING, StartFleet
from tests.integration.sim.sim_scan import hear, silent

pytestmark = pytest.mark.ble

# A connect attempt to a lock that is not connectable: long enough for several of its beacons.
SHORT_CONNECT_S = 0.3
ONE_TRY = RetryPolicy(attempts=1)
# Past the test wake window and the linger after a disconnect, on the lock's (test-driven) clock.
PAST_WAKE_WINDOW_S = TEST_TIMING.wake_window_s + 0.25
PAST_LINGER_S = TEST_TIMING.linger_after_disconnect_s + 0.25
# How often to look whether the lock has seen a link come or go (a radio event, not lock
# time); the bound only stops a test that would hang.
LINK_POLL_S = 0.01
LINK_EVENT_BOUND_S = 5.0


async def until(condition: Callable[[], bool]) -> None:
    """Wait for an event on the radio (not for the lock's time to pass)."""
    async with asyncio.timeout(LINK_EVENT_BOUND_S):
        while True:
            if condition():
                return
            await asyncio.sleep(LINK_POLL_S)


def power(lock: SimLock) -> PowerState:
    """Read afresh (the lock changes state behind the test's back)."""
    return lock.power


async def test_asleep_lock_beacons_but_is_not_connectable(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    lock = (await start_fleet(1)).locks[0]
    assert power(lock) is PowerState.ASLEEP

    heard = await hear(radio, lock.address)
    assert not heard.connectable
    assert heard.name == lock.name
    assert heard.advert.short_serial == lock.short_serial
    assert not heard.advert.awake and not heard.advert.low_battery and not heard.advert.paired

    link = LockLink(
        radio, registry, address=lock.address, retry=ONE_TRY, connect_timeout_s=SHORT_CONNECT_S
    )
    with pytest.raises(LockNotFound):
        await link.connect()
    assert not lock.peripheral.connected


async def test_touch_makes_it_connectable_with_flags(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    lock = (await start_fleet(1)).locks[0]
    await lock.set_battery_percent(12)  # LOW stage
    assert await lock.touch()

    heard = await hear(radio, lock.address, lambda h: h.connectable)
    assert heard.advert.awake and heard.advert.low_battery and not heard.advert.paired
    async with LockLink(radio, registry, address=lock.address) as link:
        assert link.is_connected
        assert lock.peripheral.connected


async def test_wake_window_ends_in_sleep_unless_connected(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    clock = ManualClock()
    lock = (await start_fleet(1, clock=clock)).locks[0]
    await lock.touch()
    clock.advance(PAST_WAKE_WINDOW_S)
    assert power(lock) is PowerState.ASLEEP
    await lock.settled()
    heard = await hear(radio, lock.address)
    assert not heard.connectable and not heard.advert.awake

    await lock.touch()
    async with LockLink(radio, registry, address=lock.address) as link:
        await until(lambda: lock.peripheral.connected)
        clock.advance(PAST_WAKE_WINDOW_S)  # a connection holds the lock awake
        assert power(lock) is PowerState.AWAKE
        assert await link.read(str(BATTERY_LEVEL))
    await until(lambda: not lock.peripheral.connected)  # the lock has seen the link go
    clock.advance(PAST_LINGER_S)
    assert power(lock) is PowerState.ASLEEP
    await lock.settled()
    assert not (await hear(radio, lock.address)).connectable
    kinds = [e.kind for e in lock.events]
    assert kinds.count("slept") == 2 and "connected" in kinds and "disconnected" in kinds


async def test_battery_level_and_device_information_over_bleak(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    lock = (await start_fleet(1)).locks[0]
    await lock.set_battery_percent(47)
    await lock.touch()
    async with LockLink(radio, registry, address=lock.address) as link:
        level = (await link.read(str(BATTERY_LEVEL)))[0]
        assert abs(level - 47) <= 1
        assert level == lock.battery.percent
        assert (await link.read(str(MANUFACTURER_NAME))).decode() == MANUFACTURER
        assert (await link.read(str(MODEL_NUMBER))).decode() == MODEL
        assert (await link.read(str(SERIAL_NUMBER))).decode() == lock.serial
        assert (await link.read(str(FIRMWARE_REVISION))).decode() == FIRMWARE_VERSION


async def test_dead_battery_is_silent_and_does_not_wake(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    lock = (await start_fleet(1)).locks[0]
    await lock.set_battery_percent(0)
    assert power(lock) is PowerState.DEAD
    assert not await lock.touch()
    assert power(lock) is PowerState.DEAD
    # Several beacon intervals: a living lock would have been heard.
    assert await silent(radio, lock.address, 5 * TEST_TIMING.beacon_interval_ms / 1000)
    assert lock.events[-1].kind == "touch_ignored"

    await lock.set_battery_percent(80)  # a fresh cell
    assert power(lock) is PowerState.ASLEEP
    assert not (await hear(radio, lock.address)).connectable
