"""The lock protocol end to end over GATT: bleak + Bumble on the gateway side, the simulator's
GATT server + LockCore on the lock side. Handshake, pairing, signed commands, faults, restart."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from firmware_sim.faults import Fault
from firmware_sim.lock import PowerState, SimLock
from gateway.ble.connection import LockLink, LockRegistry
from gateway.ble.errors import LinkLost
from gateway.ble.radio import Radio
from gateway.lock_client import LockAnswerTimeout, LockNotGenuine, LockSession
from lock_protocol.codes import (
    FAULT_OWNER,
    Command,
    FaultCode,
    FaultOwner,
    StatusCode,
)
from lock_protocol.lock_core import decode_event_log
from lock_protocol.reports import verify_report
from lock_protocol.results import BatteryResult, DiagnoseResult, StatusResult
from tests.integration.sim.sim_driver import (
    ANSWER_TIMEOUT_S,
    TEST_TIMING,
    StartFleet,
    TestServer,
    pair,
    secure_session,
    staff_client,
)

pytestmark = pytest.mark.ble

SLOW_DELAY_S = 0.3


def movements(lock: SimLock) -> tuple[str, int, int]:
    mechanics = lock.model.mechanics
    return mechanics.bolt.value, mechanics.bolt_movements, mechanics.motor_runs


async def test_full_secure_session_over_gatt(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    fleet = await start_fleet(1)
    lock = fleet.locks[0]
    server = TestServer(fleet.authority)
    async with secure_session(radio, registry, lock, fleet.authority_public_key) as secure:
        assert secure.certificate is not None and secure.certificate.serial == lock.serial
        verified = await pair(secure, lock, server)
        assert verified.certificate.serial == lock.serial and lock.core.paired
        client = staff_client(secure, server)

        receipt = await secure.command(client, Command.OPERATE_TEST)
        assert receipt.status is StatusCode.OK and receipt.counter == 1
        assert movements(lock) == ("locked", 2, 1)

        battery = BatteryResult.decode((await secure.command(client, Command.READ_BATTERY)).result)
        assert battery.percent == lock.battery.percent and battery.voltage_mv > 2900

        status = StatusResult.decode((await secure.command(client, Command.READ_STATUS)).result)
        assert status.bolt_locked and status.motor_runs == 1

        server_nonce = os.urandom(16)
        report = await secure.command(client, Command.READ_REPORT, server_nonce)
        checked = verify_report(
            report.result,
            fleet.authority_public_key,
            secure.certificate.public_key,
            None,
            server_nonce,
            time.time(),
        )
        assert checked.serial == lock.serial
        assert checked.report.values.battery_percent == lock.battery.percent

        log = decode_event_log((await secure.command(client, Command.READ_EVENT_LOG)).result)
        assert [entry.command for entry in log] == [
            Command.OPERATE_TEST,
            Command.READ_BATTERY,
            Command.READ_STATUS,
            Command.READ_REPORT,
            Command.READ_EVENT_LOG,  # logged as it runs
        ]
    assert lock.command_counter == 5


async def test_a_command_outside_the_credential_is_refused_and_nothing_moves(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    fleet = await start_fleet(1)
    lock = fleet.locks[0]
    server = TestServer(fleet.authority)
    async with secure_session(radio, registry, lock, fleet.authority_public_key) as secure:
        await pair(secure, lock, server)
        reader = staff_client(secure, server, commands=frozenset({Command.READ_BATTERY}))
        receipt = await secure.command(reader, Command.OPERATE_TEST)
    assert receipt.status is StatusCode.NOT_PERMITTED
    assert movements(lock) == ("locked", 0, 0) and lock.command_counter == 0


@pytest.mark.parametrize(
    ("fault", "status", "fault_code", "actuation"),
    [
        (Fault.WEAK_BATTERY, StatusCode.BATTERY_TOO_LOW, FaultCode.BATTERY_TOO_LOW, "BATTERY"),
        (Fault.JAMMED_BOLT, StatusCode.BOLT_JAMMED, FaultCode.LOCK_CASE_BOLT_JAMMED, "JAMMED"),
        (Fault.MOTOR_FAULT, StatusCode.MOTOR_FAULT, FaultCode.LOCK_UNIT_MOTOR_FAULT, "MOTOR"),
    ],
)
async def test_actuation_faults_leave_the_bolt_and_are_logged(
    radio: Radio,
    registry: LockRegistry,
    start_fleet: StartFleet,
    fault: Fault,
    status: StatusCode,
    fault_code: FaultCode,
    actuation: str,
) -> None:
    fleet = await start_fleet(1)
    lock = fleet.locks[0]
    server = TestServer(fleet.authority)
    async with secure_session(radio, registry, lock, fleet.authority_public_key) as secure:
        await pair(secure, lock, server)
        client = staff_client(secure, server)
        lock.set_fault(fault)
        receipt = await secure.command(client, Command.OPERATE_TEST)
        assert receipt.status is status and receipt.fault is fault_code
        assert movements(lock) == ("locked", 0, 0)
        diagnosis = DiagnoseResult.decode((await secure.command(client, Command.DIAGNOSE)).result)
        assert diagnosis.last_fault is fault_code
        log = decode_event_log((await secure.command(client, Command.READ_EVENT_LOG)).result)
    if fault is Fault.JAMMED_BOLT:
        # Jammed with a healthy motor current profile: the customer's lock case, not our unit.
        assert FAULT_OWNER[receipt.fault] is FaultOwner.LOCK_CASE
        assert diagnosis.motor_current_healthy and diagnosis.fault_owner is FaultOwner.LOCK_CASE
    assert log[0].status == status and log[0].fault == fault_code
    assert lock.events[-1].kind != "motor"
    assert any(
        (e.kind == "fault" and e.detail.startswith(receipt.status.name[:4])) or e.kind == "fault"
        for e in lock.events
    )


async def test_link_dropped_mid_command_leaves_the_bolt_and_the_lock_comes_back(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    fleet = await start_fleet(1)
    lock = fleet.locks[0]
    server = TestServer(fleet.authority)
    async with secure_session(radio, registry, lock, fleet.authority_public_key) as secure:
        await pair(secure, lock, server)
        client = staff_client(secure, server)
        lock.set_fault(Fault.DROP_LINK)
        with pytest.raises(LinkLost):
            await secure.command(client, Command.OPERATE_TEST)
    assert movements(lock) == ("locked", 0, 0)
    assert lock.command_counter == 0  # dropped before anything was checked or authorised
    assert any(e.detail.startswith("drop_link") for e in lock.events)

    lock.set_fault(None)
    async with secure_session(radio, registry, lock, fleet.authority_public_key) as secure:
        receipt = await secure.command(staff_client(secure, server), Command.OPERATE_TEST)
    assert receipt.status is StatusCode.OK and receipt.counter == 1


async def test_slow_answers_are_slow_and_can_time_out(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    fleet = await start_fleet(1)
    lock = fleet.locks[0]
    server = TestServer(fleet.authority)
    async with secure_session(radio, registry, lock, fleet.authority_public_key) as secure:
        await pair(secure, lock, server)
        client = staff_client(secure, server)
        lock.set_fault(Fault.SLOW, slow_delay_s=SLOW_DELAY_S)
        started = time.perf_counter()
        receipt = await secure.command(client, Command.READ_BATTERY)
        assert time.perf_counter() - started >= 2 * SLOW_DELAY_S  # nonce and receipt
        assert receipt.status is StatusCode.OK
        with pytest.raises(LockAnswerTimeout) as timed_out:
            await secure.command(client, Command.OPERATE_TEST, timeout_s=SLOW_DELAY_S / 3)
        assert not timed_out.value.command_sent  # the nonce never came: nothing was sent
    assert movements(lock) == ("locked", 0, 0)
    assert any(e.detail.startswith("slow") for e in lock.events)


async def test_wrong_key_fails_the_gateway_handshake(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    fleet = await start_fleet(1)
    lock = fleet.locks[0]
    lock.set_fault(Fault.WRONG_KEY)
    await lock.touch()
    async with LockLink(radio, registry, address=lock.address) as link:
        session = LockSession(
            link,
            factory_authority_public_key=fleet.authority_public_key,
            answer_timeout_s=ANSWER_TIMEOUT_S,
        )
        with pytest.raises(LockNotGenuine):
            await session.open()
    assert movements(lock) == ("locked", 0, 0)
    assert any(e.detail.startswith("wrong_key") for e in lock.events)


async def test_restart_from_the_store_keeps_identity_pairing_and_counter(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet, tmp_path: Path
) -> None:
    data_dir = tmp_path / "restart"
    fleet = await start_fleet(1, data_dir=data_dir)
    lock = fleet.locks[0]
    server = TestServer(fleet.authority)
    async with secure_session(radio, registry, lock, fleet.authority_public_key) as secure:
        await pair(secure, lock, server)
        client = staff_client(secure, server)
        for _ in range(3):
            await secure.command(client, Command.OPERATE_TEST)
        first_key = secure.certificate.public_key if secure.certificate else b""
    await fleet.close()

    again = await start_fleet(1, data_dir=data_dir)
    relock = again.locks[0]
    assert (relock.serial, relock.address) == (lock.serial, lock.address)
    assert relock.command_counter == 3 and relock.core.paired
    assert relock.model.mechanics.motor_runs == 3
    assert [e.kind for e in relock.events].count("started") == 2
    async with secure_session(radio, registry, relock, again.authority_public_key) as secure:
        assert secure.certificate is not None and secure.certificate.public_key == first_key
        receipt = await secure.command(client, Command.READ_STATUS)
    assert receipt.counter == 4


async def test_the_pairing_button_wakes_and_expires_with_the_window(
    radio: Radio, registry: LockRegistry, start_fleet: StartFleet
) -> None:
    fleet = await start_fleet(1)
    lock = fleet.locks[0]
    assert await lock.press_button()
    assert lock.power is PowerState.AWAKE
    assert lock.status()["pairing_window_open"]
    assert TEST_TIMING.wake_window_s < 30  # the pairing window is the protocol's, 30 s
