"""`lockwork-gateway hub`: one round over several locks; a lock that fails does not stop it."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from functools import partial
from pathlib import Path

import pytest
from bumble.link import LocalLink

from firmware_sim.clock import ManualClock
from firmware_sim.faults import Fault
from firmware_sim.fleet import Fleet
from firmware_sim.lock import PowerState
from firmware_sim.radio_hub import attach_controller
from gateway import operations
from gateway.ble.radio import InProcessRadio
from gateway.hub import hub_round
from gateway.report_queue import ReportKind
from gateway.runtime import GatewayConfig, open_runtime
from lock_protocol.crypto import SigningKey
from tests.integration.gateway.local_api_world import dev_authority_dir
from tests.integration.sim.sim_driver import TEST_TIMING

pytestmark = pytest.mark.ble

# Far below the slow lock's delay, so its first answer cannot make it.
SHORT_ANSWER_TIMEOUT_S = 0.2
SLOW_DELAY_S = 0.6
LISTEN_S = 0.5
# Long enough that the touched locks stay awake through the whole round (the slow lock alone
# holds it up for a timeout); the others must have fallen asleep after pairing.
TIMING = dataclasses.replace(TEST_TIMING, wake_window_s=2.0)
# How often to look whether every lock has seen its pairing link go (a radio event, not lock
# time); the bound only stops a test that would hang.
LINK_POLL_S = 0.01
LINK_BOUND_S = 10.0


async def all_asleep(fleet: Fleet, clock: ManualClock) -> None:
    """Let the locks' wake window and linger pass on their clock, once every link is gone."""
    async with asyncio.timeout(LINK_BOUND_S):
        while True:
            if not any(lock.peripheral.connected for lock in fleet.locks):
                break
            await asyncio.sleep(LINK_POLL_S)
    clock.advance(TIMING.wake_window_s + TIMING.linger_after_disconnect_s)
    assert all(lock.power is not PowerState.AWAKE for lock in fleet.locks)
    for lock in fleet.locks:
        await lock.settled()


async def test_a_round_reads_what_answers_and_logs_the_rest(
    link: LocalLink, tmp_path: Path
) -> None:
    clock = ManualClock()
    fleet = await Fleet.start(
        tmp_path / "sim",
        4,
        lambda name: attach_controller(link, name),
        timing=TIMING,
        clock=clock,
    )
    config = GatewayConfig(
        data_dir=tmp_path / "gateway",
        radio=InProcessRadio(partial(attach_controller, link)),
        staff_key=SigningKey(os.urandom(32)),
        factory_authority=fleet.authority_public_key,
        dev_authority_dir=dev_authority_dir(tmp_path / "dev", fleet),
        answer_timeout_s=SHORT_ANSWER_TIMEOUT_S,
    )
    lines: list[str] = []
    try:
        async with open_runtime(config, lines.append) as runtime:
            for lock in fleet.locks:
                await lock.press_button()
                paired = await operations.pair(
                    runtime.ctx, lock.serial, await runtime.access.pairing_ticket(None)
                )
                runtime.known.remember(paired.serial, paired.lock_id, paired=True)
            healthy, slow, asleep, dead = fleet.locks
            slow.set_fault(Fault.SLOW, slow_delay_s=SLOW_DELAY_S)
            await dead.set_battery_percent(0)
            await all_asleep(fleet, clock)
            for lock in (healthy, slow):
                await lock.touch()

            summary = await hub_round(runtime, listen_s=LISTEN_S, echo=lines.append)

            assert [r.serial for r in summary.read] == [healthy.serial]
            assert summary.read[0].percent == healthy.battery.percent
            assert [s.serial for s in summary.asleep] == [asleep.serial]
            failed = {s.serial: s.code for s in summary.failed}
            assert failed == {slow.serial: "lock_answer_timeout", dead.serial: "lock_not_heard"}
            assert any(slow.serial in line and "failed" in line for line in lines)
            assert summary.uploaded == 0  # no server configured: the report stays queued
            reports = [r for r in await runtime.queue.pending() if r.kind is ReportKind.LOCK_REPORT]
            assert [r.serial for r in reports] == [healthy.serial]
    finally:
        await fleet.close()
