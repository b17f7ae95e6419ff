"""The gateway's operations over the real bleak code path on Bumble against simulated locks.

Nothing is mocked: `gateway.operations` -> `gateway.lock_client` -> `gateway.ble` (bleak with our
Bumble backend) -> virtual radio -> the simulator's GATT server and lock firmware.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from firmware_sim.faults import Fault
from firmware_sim.lock import SimLock
from gateway import operations
from gateway.errors import GatewayError, InputError
from gateway.lock_client import (
    BatteryTooLow,
    BoltJammed,
    CommandInterrupted,
    CredentialProblem,
    LockAnswerTimeout,
    LockNotGenuine,
    LockNotPaired,
    MotorFault,
    PairingRefused,
)
from gateway.operations import PairResult, TicketProblem, WakeTimeout
from gateway.report_queue import ReportKind, UploadStatus
from lock_protocol.codes import Command, FaultOwner
from lock_protocol.pairing import verify_pairing_receipt
from lock_protocol.reports import verify_report
from tests.integration.gateway.gateway_world import World, WorldFactory

pytestmark = pytest.mark.ble

SLOW_DELAY_S = 0.3
# Far below SLOW_DELAY_S: the slow lock's first answer cannot make it.
SHORT_ANSWER_TIMEOUT_S = 0.1
SHORT_WAKE_TIMEOUT_S = 0.3
SCAN_S = 0.35
# Bounds a wait for the gateway's progress line; it comes within one beacon (100 ms).
TEST_WAIT_S = 2.0  # at least three beacons at the test beacon interval (100 ms)


def bolt(lock: SimLock) -> tuple[str, int, int]:
    """Where the bolt is, how often it moved, how often the motor ran."""
    mechanics = lock.model.mechanics
    return mechanics.bolt.value, mechanics.bolt_movements, mechanics.motor_runs


async def paired(world: World, lock: SimLock | None = None) -> PairResult:
    lock = lock or world.lock
    await lock.press_button()
    return await operations.pair(world.ctx, lock.serial, world.server.ticket())


async def test_scan_lists_every_lock_with_its_flags(world_factory: WorldFactory) -> None:
    world = await world_factory(3)
    first, second, third = world.fleet.locks
    await paired(world, first)
    await second.touch()
    await third.set_battery_percent(8)
    result = await operations.scan(world.ctx, SCAN_S)
    by_name = {lock.name: lock for lock in result.locks}
    assert set(by_name) == {lock.name for lock in world.fleet.locks}
    assert by_name[first.name].paired and not by_name[first.name].factory_new
    assert by_name[second.name].awake and by_name[second.name].connectable
    assert by_name[second.name].factory_new
    assert by_name[third.name].low_battery and not by_name[third.name].awake
    assert by_name[third.name].connectable is False  # a sleeping beacon cannot be connected
    assert by_name[third.name].short_serial == third.short_serial


async def test_wake_tells_the_fitter_to_touch_and_returns_when_awake(world: World) -> None:
    heard_asleep = asyncio.Event()

    def progress(line: str) -> None:
        world.progress.append(line)
        if "asleep" in line:
            heard_asleep.set()

    world.ctx.progress = progress
    task = asyncio.create_task(operations.wake(world.ctx, world.lock.serial))
    await asyncio.wait_for(heard_asleep.wait(), TEST_WAIT_S)
    assert world.progress[0].startswith(f"Touch lock {world.lock.name} to wake it")
    await world.lock.touch()
    result = await task
    assert result.name == world.lock.name and not result.already_awake
    assert result.address == world.lock.address and not result.paired


async def test_wake_times_out_clearly(world: World) -> None:
    world.ctx.wake_timeout_s = SHORT_WAKE_TIMEOUT_S
    with pytest.raises(WakeTimeout) as asleep:
        await operations.wake(world.ctx, world.lock.short_serial)
    assert asleep.value.heard_asleep and "did not wake" in asleep.value.message

    await world.lock.set_battery_percent(0)  # a dead lock is silent and ignores touches
    assert not await world.lock.touch()
    with pytest.raises(WakeTimeout) as silent:
        await operations.wake(world.ctx, world.lock.name)
    assert not silent.value.heard_asleep and "battery may be empty" in silent.value.message


async def test_pair_battery_test_log_diagnose_unpair(world: World) -> None:
    lock = world.lock
    pairing = await paired(world)
    assert pairing.serial == lock.serial and lock.core.paired
    queued = await world.ctx.queue.get(pairing.queued_id)
    assert queued is not None and queued.kind is ReportKind.PAIRING_RECEIPT
    assert queued.status is UploadStatus.PENDING and queued.ticket is not None
    checked = verify_pairing_receipt(
        bytes.fromhex(queued.data),
        factory_authority_public_key=world.fleet.authority_public_key,
        ticket_bytes=bytes.fromhex(queued.ticket),
        now=time.time(),
    )
    assert checked.receipt.pairing_id.hex() == pairing.pairing_id

    lock_id = bytes.fromhex(pairing.lock_id)
    access = world.access(lock_id)

    await lock.touch()
    server_nonce = os.urandom(16)
    reading = await operations.battery(world.ctx, lock.name, access, server_nonce=server_nonce)
    assert reading.percent == lock.battery.percent
    assert reading.voltage_mv == lock.battery.voltage_mv and reading.paired
    report = verify_report(
        bytes.fromhex(reading.report),
        world.fleet.authority_public_key,
        lock.core.public_key,
        None,
        server_nonce,
        time.time(),
    )
    assert report.serial == lock.serial and report.report.values.battery_percent == reading.percent
    stored = await world.ctx.queue.get(reading.queued_id)
    assert stored is not None and stored.data == reading.report
    assert stored.server_nonce == server_nonce.hex()

    await lock.touch()
    tested = await operations.test(world.ctx, lock.serial, access)
    assert tested.ok and bolt(lock) == ("locked", 2, 1)

    await lock.touch()
    log = await operations.log(world.ctx, lock.serial, access)
    assert [e.command for e in log.entries] == ["READ_REPORT", "OPERATE_TEST", "READ_EVENT_LOG"]
    assert all(e.status == "OK" for e in log.entries)

    await lock.touch()
    diagnosis = await operations.diagnose(world.ctx, lock.serial, access)
    assert diagnosis.fault_owner == "none" and diagnosis.motor_runs == 1

    await lock.touch()
    token = world.server.unbind_token(lock_id, bytes.fromhex(pairing.pairing_id))
    unpaired = await operations.unpair(world.ctx, lock.serial, access, token)
    assert not lock.core.paired and unpaired.counter == lock.command_counter
    rows = await world.ctx.queue.all()
    assert [r.kind for r in rows] == [
        ReportKind.PAIRING_RECEIPT,
        ReportKind.LOCK_REPORT,
        ReportKind.UNPAIR_RECEIPT,
    ]

    # Factory-new again: commands are refused with a clear, typed error.
    await lock.touch()
    with pytest.raises(LockNotPaired, match="factory-new"):
        await operations.test(world.ctx, lock.serial, access)
    assert bolt(lock) == ("locked", 2, 1)


@pytest.mark.parametrize(
    ("fault", "error", "owner"),
    [
        (Fault.WEAK_BATTERY, BatteryTooLow, FaultOwner.BATTERY),
        (Fault.JAMMED_BOLT, BoltJammed, FaultOwner.LOCK_CASE),
        (Fault.MOTOR_FAULT, MotorFault, FaultOwner.LOCK_UNIT),
    ],
)
async def test_actuation_faults_are_typed_and_leave_the_door(
    world: World, fault: Fault, error: type[GatewayError], owner: FaultOwner
) -> None:
    lock = world.lock
    access = world.access(bytes.fromhex((await paired(world)).lock_id))
    lock.set_fault(fault)
    await lock.touch()
    with pytest.raises(error) as failed:
        await operations.test(world.ctx, lock.serial, access)
    assert failed.value.fault_owner is owner  # type: ignore[attr-defined]
    assert "left as it was" in failed.value.message
    assert bolt(lock) == ("locked", 0, 0)

    await lock.touch()
    diagnosis = await operations.diagnose(world.ctx, lock.serial, access)
    assert diagnosis.fault_owner == owner.name.lower()
    if fault is Fault.JAMMED_BOLT:
        assert diagnosis.motor_current_healthy and "customer" in diagnosis.responsible


async def test_dropped_link_mid_command_is_typed_and_the_lock_is_usable_after(
    world: World,
) -> None:
    lock = world.lock
    access = world.access(bytes.fromhex((await paired(world)).lock_id))
    lock.set_fault(Fault.DROP_LINK)
    await lock.touch()
    with pytest.raises(CommandInterrupted) as dropped:
        await operations.test(world.ctx, lock.serial, access)
    assert dropped.value.command_sent and "event log" in dropped.value.message
    assert bolt(lock) == ("locked", 0, 0) and lock.command_counter == 0

    lock.set_fault(None)
    await lock.touch()
    assert (await operations.test(world.ctx, lock.serial, access)).ok


async def test_a_slow_lock_times_out_with_nothing_sent(world: World) -> None:
    lock = world.lock
    access = world.access(bytes.fromhex((await paired(world)).lock_id))
    lock.set_fault(Fault.SLOW, slow_delay_s=SLOW_DELAY_S)
    world.ctx.answer_timeout_s = SHORT_ANSWER_TIMEOUT_S
    await lock.touch()
    with pytest.raises(LockAnswerTimeout) as slow:
        await operations.battery(world.ctx, lock.serial, access)
    assert "did not answer" in slow.value.message
    assert await world.ctx.queue.pending() == [
        r for r in await world.ctx.queue.all() if r.kind is ReportKind.PAIRING_RECEIPT
    ]
    assert bolt(lock) == ("locked", 0, 0)


async def test_wrong_key_is_refused_before_anything_is_sent(world: World) -> None:
    lock = world.lock
    lock.set_fault(Fault.WRONG_KEY)
    await lock.press_button()
    with pytest.raises(LockNotGenuine, match="genuine"):
        await operations.pair(world.ctx, lock.serial, world.server.ticket())
    assert not lock.core.paired and bolt(lock) == ("locked", 0, 0)
    assert await world.ctx.queue.all() == []


async def test_credential_problems_are_found_before_the_lock_sees_them(
    world_factory: WorldFactory,
) -> None:
    world = await world_factory(2)
    first, second = world.fleet.locks
    first_id = bytes.fromhex((await paired(world, first)).lock_id)
    await paired(world, second)
    await second.touch()
    with pytest.raises(CredentialProblem, match="another lock"):
        await operations.test(world.ctx, second.serial, world.access(first_id))
    await first.touch()
    reader = world.access(first_id, frozenset({Command.READ_REPORT}))
    with pytest.raises(CredentialProblem, match="does not allow OPERATE_TEST"):
        await operations.test(world.ctx, first.serial, reader)
    assert first.command_counter == second.command_counter == 0
    assert bolt(first) == bolt(second) == ("locked", 0, 0)


async def test_pairing_needs_the_button_and_a_valid_ticket(world: World) -> None:
    lock = world.lock
    await lock.touch()  # awake, but nobody pressed the pairing button
    with pytest.raises(PairingRefused, match="pairing button"):
        await operations.pair(world.ctx, lock.serial, world.server.ticket())
    expired = world.server.ticket(issued_at=int(time.time()) - 3600, lifetime_s=600)
    with pytest.raises(TicketProblem, match="Fetch a new ticket"):
        await operations.pair(world.ctx, lock.serial, expired)
    with pytest.raises(InputError, match="does not name a lock"):
        await operations.pair(world.ctx, "LW-?", world.server.ticket())
    assert not lock.core.paired
