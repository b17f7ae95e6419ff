"""The gateway's bleak code over an in-process Bumble link: nothing mocked."""

from __future__ import annotations

import asyncio
import time

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakGATTProtocolError, BleakGATTProtocolErrorCode
from bumble import hci
from bumble.link import LocalLink

from firmware_sim.radio_hub import attach_controller, new_link
from gateway.ble.connection import LockLink, LockRegistry, RetryPolicy
from gateway.ble.errors import EncryptionRequired, LinkLost, LockNotFound
from gateway.ble.radio import Radio
from tests.integration.ble.ble_peripheral import (
    ANSWER_TIMEOUT_S,
    BATTERY_LEVEL,
    BATTERY_PERCENT,
    BATTERY_SERVICE,
    CONNECT_TIMEOUT_S,
    ECHO_NOTIFY,
    ECHO_PREFIX,
    ECHO_SERVICE,
    ECHO_WRITE,
    LOCK_NAME,
    MANUFACTURER_PAYLOAD,
    QUIET_PERIOD_S,
    SCAN_TIMEOUT_S,
    SECRET,
    SECRET_VALUE,
    SETTLE_S,
    SLOW_WRITE,
    TEST_COMPANY_ID,
    TestLock,
)

pytestmark = pytest.mark.ble

ABSENT_ADDRESS = "C0:11:22:33:44:55"
# Short enough to keep the suite fast, long enough for many adverts at 20 ms.
SHORT_CONNECT_TIMEOUT_S = 0.3
FAST_RETRY = RetryPolicy(attempts=2, initial_delay_s=0.02)


async def scan_for(radio: Radio, name: str) -> tuple[BLEDevice, AdvertisementData]:
    assert radio.scanner_backend is not None
    async with (
        asyncio.timeout(SCAN_TIMEOUT_S),
        BleakScanner(backend=radio.scanner_backend) as scanner,
    ):
        async for device, advert in scanner.advertisement_data():
            if advert.local_name == name:
                return device, advert
    raise AssertionError("unreachable")


def client_for(
    radio: Radio, target: BLEDevice | str, timeout: float = CONNECT_TIMEOUT_S
) -> BleakClient:
    assert radio.client_backend is not None
    return BleakClient(target, timeout=timeout, backend=radio.client_backend)


async def test_scan_finds_lock_by_name_with_manufacturer_data(radio: Radio, lock: TestLock) -> None:
    device, advert = await scan_for(radio, LOCK_NAME)

    assert device.address == lock.address
    assert device.name == LOCK_NAME
    assert advert.manufacturer_data == {TEST_COMPANY_ID: MANUFACTURER_PAYLOAD}
    assert radio.scanner_backend is not None
    found = await BleakScanner.find_device_by_name(
        LOCK_NAME, timeout=SCAN_TIMEOUT_S, backend=radio.scanner_backend
    )
    assert found is not None and found.address == lock.address


async def test_connect_discovers_services_and_negotiates_mtu(radio: Radio, lock: TestLock) -> None:
    device, _ = await scan_for(radio, LOCK_NAME)
    async with client_for(radio, device) as client:
        assert client.is_connected
        assert client.backend_id == "BumbleClient"
        assert client.mtu_size == 247  # pitfall 6
        assert client.name == LOCK_NAME
        services = {service.uuid for service in client.services}
        assert {BATTERY_SERVICE, ECHO_SERVICE} <= services
        write = client.services.get_characteristic(ECHO_WRITE)
        assert write is not None
        assert set(write.properties) == {"write", "write-without-response"}
        assert write.max_write_without_response_size == 244
        notify = client.services.get_characteristic(ECHO_NOTIFY)
        assert notify is not None and "notify" in notify.properties
        assert any(d.uuid.startswith("00002902") for d in notify.descriptors)
    assert not client.is_connected


async def test_read_battery_by_address(radio: Radio, lock: TestLock) -> None:
    # Bumble connects to an address without a prior scan.
    async with client_for(radio, lock.address) as client:
        assert await client.read_gatt_char(BATTERY_LEVEL) == bytes([BATTERY_PERCENT])
        assert client.name == LOCK_NAME  # from GAP Device Name, no advert seen
        cccd = client.services.get_characteristic(BATTERY_LEVEL)
        assert cccd is not None
        descriptor = cccd.descriptors[0]
        assert await client.read_gatt_descriptor(descriptor) == b"\x00\x00"


async def test_write_then_notify_round_trip(radio: Radio, lock: TestLock) -> None:
    answers: asyncio.Queue[bytes] = asyncio.Queue()
    async with client_for(radio, lock.address) as client:
        await client.start_notify(ECHO_NOTIFY, lambda _c, data: answers.put_nowait(bytes(data)))
        await client.write_gatt_char(ECHO_WRITE, b"wake", response=True)
        assert await asyncio.wait_for(answers.get(), ANSWER_TIMEOUT_S) == ECHO_PREFIX + b"wake"
        await client.write_gatt_char(ECHO_WRITE, b"quiet", response=False)
        assert await asyncio.wait_for(answers.get(), ANSWER_TIMEOUT_S) == ECHO_PREFIX + b"quiet"
        await client.stop_notify(ECHO_NOTIFY)
        await client.write_gatt_char(ECHO_WRITE, b"unheard", response=True)
        await asyncio.sleep(QUIET_PERIOD_S)
        assert answers.empty()


async def test_disconnect_lets_the_lock_advertise_again(radio: Radio, lock: TestLock) -> None:
    client = client_for(radio, lock.address)
    await client.connect()
    assert not lock.is_advertising
    await client.disconnect()
    await client.disconnect()  # idempotent
    assert not client.is_connected
    await asyncio.sleep(SETTLE_S)
    assert lock.is_advertising
    await client.connect()  # and the same client can come back
    assert await client.read_gatt_char(BATTERY_LEVEL) == bytes([BATTERY_PERCENT])
    await client.disconnect()


async def test_connect_to_absent_lock_times_out_and_central_still_works(
    radio: Radio, lock: TestLock
) -> None:
    started = time.perf_counter()
    with pytest.raises(TimeoutError):  # the builtin, not bumble.core.TimeoutError (pitfall 3)
        await client_for(radio, ABSENT_ADDRESS, timeout=SHORT_CONNECT_TIMEOUT_S).connect()
    # The cancel was confirmed at once: no wait for the backend's grace period.
    assert time.perf_counter() - started < SHORT_CONNECT_TIMEOUT_S + 0.5

    async with client_for(radio, lock.address) as client:  # no COMMAND_DISALLOWED
        assert await client.read_gatt_char(BATTERY_LEVEL) == bytes([BATTERY_PERCENT])


async def test_lock_link_reports_absent_lock_as_not_found(
    radio: Radio, lock: TestLock, registry: LockRegistry
) -> None:
    steps: list[str] = []
    link = LockLink(
        radio,
        registry,
        address=ABSENT_ADDRESS,
        progress=steps.append,
        retry=FAST_RETRY,
        connect_timeout_s=SHORT_CONNECT_TIMEOUT_S,
    )
    with pytest.raises(LockNotFound) as caught:
        await link.connect()
    assert "Wake the lock" in caught.value.message
    assert [s for s in steps if s.startswith("Connecting")] == [
        f"Connecting to {ABSENT_ADDRESS} (attempt 1 of 2)",
        f"Connecting to {ABSENT_ADDRESS} (attempt 2 of 2)",
    ]
    assert not registry.is_busy(ABSENT_ADDRESS)  # released after failing
    async with LockLink(radio, registry, name=LOCK_NAME) as lock_link:
        assert await lock_link.read(BATTERY_LEVEL) == bytes([BATTERY_PERCENT])


async def test_connect_serialised_per_central(radio: Radio, link: LocalLink) -> None:
    # Pitfall 4: two locks connected at the same moment through one central.
    assert radio.client_backend is not None
    first = await TestLock.on_link(link, "LW-0001")
    second = await TestLock.on_link(link, "LW-0002")
    try:
        clients = [client_for(radio, first.address), client_for(radio, second.address)]
        await asyncio.gather(*(c.connect() for c in clients))
        values = await asyncio.gather(*(c.read_gatt_char(BATTERY_LEVEL) for c in clients))
        assert values == [bytes([BATTERY_PERCENT])] * 2
        await asyncio.gather(*(c.disconnect() for c in clients))
    finally:
        await first.close()
        await second.close()


async def test_lock_link_by_name_with_progress_and_request(
    radio: Radio, lock: TestLock, registry: LockRegistry
) -> None:
    steps: list[str] = []
    async with LockLink(radio, registry, name=LOCK_NAME, progress=steps.append) as link:
        assert link.address == lock.address
        assert link.mtu_size == 247
        assert await link.request(ECHO_WRITE, b"ping", ECHO_NOTIFY) == ECHO_PREFIX + b"ping"
    assert steps[0] == f"Looking for lock {LOCK_NAME}"
    assert steps[1] == f"Found {LOCK_NAME} at {lock.address}"
    assert steps[2] == f"Connecting to {LOCK_NAME} (attempt 1 of 3)"
    assert steps[3].startswith(f"Connected to {LOCK_NAME} (")
    assert steps[-1] == f"Disconnecting from {LOCK_NAME}"


async def test_one_session_per_lock(radio: Radio, lock: TestLock, registry: LockRegistry) -> None:
    order: list[str] = []

    async def session(tag: str) -> None:
        async with LockLink(radio, registry, address=lock.address) as link:
            order.append(f"{tag} in")
            await link.read(BATTERY_LEVEL)
            await asyncio.sleep(QUIET_PERIOD_S)  # hold the session so the other must wait
            order.append(f"{tag} out")

    await asyncio.gather(session("a"), session("b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_lock_leaving_the_air_mid_operation_is_link_lost(
    radio: Radio, lock: TestLock, registry: LockRegistry
) -> None:
    steps: list[str] = []
    async with LockLink(radio, registry, address=lock.address, progress=steps.append) as link:
        write = asyncio.create_task(link.write(SLOW_WRITE, b"unlock"))
        await asyncio.wait_for(lock.slow_write_arrived.wait(), ANSWER_TIMEOUT_S)
        lock.leave_air()  # out of range while the lock holds its answer
        with pytest.raises(LinkLost):
            await asyncio.wait_for(write, ANSWER_TIMEOUT_S)
        assert not link.is_connected
        with pytest.raises(LinkLost):
            await link.read(BATTERY_LEVEL)
    assert f"The connection to {lock.address} was lost" in steps


async def test_encryption_required_until_paired(
    radio: Radio, lock: TestLock, registry: LockRegistry
) -> None:
    async with LockLink(radio, registry, address=lock.address) as link:
        with pytest.raises(EncryptionRequired) as caught:
            await link.read(SECRET, action="read the door code")
        assert caught.value.message.startswith("The lock needs a paired connection")
        cause = caught.value.__cause__
        assert isinstance(cause, BleakGATTProtocolError)
        assert cause.code == BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION  # pitfall 8
        await link.pair()
        assert await link.read(SECRET) == SECRET_VALUE


async def test_unpair_forgets_keys_and_disconnects(radio: Radio, lock: TestLock) -> None:
    assert radio.central is not None
    keystore = radio.central.device.keystore
    assert keystore is not None
    client = client_for(radio, lock.address)
    await client.connect()
    await client.pair()
    assert await keystore.get_all()
    await client.unpair()
    assert not client.is_connected
    assert await keystore.get_all() == []


async def test_sim_controller_cancel_without_pending_connect_is_disallowed() -> None:
    # Core Vol 4 Part E 7.8.13: the fix for pitfall 3 must not confirm a cancel of nothing.
    controller = attach_controller(new_link(), "probe")
    result = controller.on_hci_le_create_connection_cancel_command(
        hci.HCI_LE_Create_Connection_Cancel_Command()
    )
    assert result.status == hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR
