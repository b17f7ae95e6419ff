"""Lock operations over the real BLE stack: ATT round trips and milliseconds on the virtual radio.

    python -m bench.lock_ble --json var/bench/lock_ble.json [--repeats 5] [--locks 10]

The gateway's own code (operations over bleak on our Bumble backend) against simulated locks
on one in-process Bumble `LocalLink`, with the locks' production timings (awake advertising
every 20 ms). Measured, each after one warm-up run, the median of ``--repeats``:

- wake -> battery: from the fitter's touch on a sleeping lock to the lock-signed battery
  report stored in the queue (listen for the awake advert, connect, MTU, discovery, secure
  session, nonce challenge, signed command, receipt);
- full pairing: from the press of the pairing button to the pairing receipt stored;
- one hub pass: the battery of ``--locks`` awake, paired locks read one after the other.

ATT round trips are counted from the ATT PDUs the gateway's Bumble central receives
(`gateway.ble.bumble_backend.AttCounts`): every response closes one request. On hardware each
round trip costs one to two connection intervals (7.5-50 ms), so the counts carry over; the
milliseconds are the virtual radio's (no air time) and show the software's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, Final

from firmware_sim.fleet import Fleet
from firmware_sim.lock import LockTiming, PowerState, SimLock
from firmware_sim.radio_hub import attach_controller, new_link
from gateway import operations
from gateway.ble.bumble_backend import AttCounts, BumbleCentral
from gateway.ble.radio import InProcessRadio
from gateway.dev_authority import OPERATOR_CERT_FILE, DevAuthority
from gateway.hub import hub_round
from gateway.runtime import GatewayConfig, Runtime, open_runtime
from lock_protocol.credentials import issue_operator_certificate
from lock_protocol.crypto import SigningKey

DEFAULT_REPEATS: Final = 5
DEFAULT_LOCKS: Final = 10
# The hub listens this long for each lock; every lock is awake in the bench, so it is heard
# within one 20 ms advert and the bound only matters if something is broken.
HUB_LISTEN_S: Final = 2.0
# Production advertising (1 s beacon asleep, 20 ms awake); the wake window and the linger after
# a disconnect are shortened so that a lock falls asleep between samples within seconds and
# every "wake -> battery" sample starts from a sleeping lock. A 10-lock hub pass (~1 s, more
# on a busy machine) still fits in one wake window.
BENCH_TIMING: Final = LockTiming(wake_window_s=3.0, linger_after_disconnect_s=0.2)
# How often the bench looks whether a lock has fallen asleep.
ASLEEP_POLL_S: Final = 0.02


def _central(runtime: Runtime) -> BumbleCentral:
    central = runtime.ctx.radio.central
    assert central is not None, "the bench runs on the Bumble radio"
    return central


async def _measured(
    runtime: Runtime, action: Callable[[], Awaitable[Any]]
) -> tuple[float, AttCounts]:
    central = _central(runtime)
    before = central.att_counts.copy()
    started = time.perf_counter()
    await action()
    elapsed_ms = (time.perf_counter() - started) * 1000
    after = central.att_counts
    return elapsed_ms, AttCounts(
        after.round_trips - before.round_trips, after.pushes - before.pushes
    )


def _figure(samples: list[tuple[float, AttCounts]]) -> dict[str, Any]:
    trips = {counts.round_trips for _ms, counts in samples}
    pushes = {counts.pushes for _ms, counts in samples}
    times = [round(ms, 2) for ms, _counts in samples]
    return {
        "att_round_trips": max(trips),
        "att_round_trips_varied": len(trips) > 1,
        "att_notifications": max(pushes),
        "ms_median": round(statistics.median(times), 2),
        "ms_samples": times,
    }


async def run(repeats: int, lock_count: int, work_dir: Path) -> dict[str, Any]:
    link = new_link()
    fleet = await Fleet.start(
        work_dir / "sim",
        lock_count,
        lambda name: attach_controller(link, name),
        timing=BENCH_TIMING,
    )
    try:
        key = DevAuthority.load_or_create_key(work_dir / "dev-authority")
        cert = issue_operator_certificate(fleet.authority, key.public_key, "Bench fitters")
        (work_dir / "dev-authority" / OPERATOR_CERT_FILE).write_text(cert.hex())
        config = GatewayConfig(
            data_dir=work_dir / "gateway",
            radio=InProcessRadio(partial(attach_controller, link)),
            staff_key=SigningKey(os.urandom(32)),
            factory_authority=fleet.authority_public_key,
            dev_authority_dir=work_dir / "dev-authority",
        )
        async with open_runtime(config) as runtime:
            return await _measure(runtime, fleet, repeats)
    finally:
        await fleet.close()


async def _pair(runtime: Runtime, fleet: Fleet, index: int) -> None:
    lock = fleet.locks[index]
    await lock.press_button()
    ticket = await runtime.access.pairing_ticket(None)
    result = await operations.pair(runtime.ctx, lock.serial, ticket)
    runtime.known.remember(result.serial, result.lock_id, paired=True, pairing_id=result.pairing_id)


async def _unpair(runtime: Runtime, fleet: Fleet, index: int) -> None:
    lock = fleet.locks[index]
    await lock.touch()
    token = await runtime.access.unbind_token(lock.serial, None)
    grant = await runtime.access.grant(lock.serial, None)
    result = await operations.unpair(runtime.ctx, lock.serial, grant.access, token)
    runtime.known.remember(result.serial, result.lock_id, paired=False, forget_pairing=True)


async def _measure(runtime: Runtime, fleet: Fleet, repeats: int) -> dict[str, Any]:
    first = fleet.locks[0]

    pairing: list[tuple[float, AttCounts]] = []
    for attempt in range(repeats + 1):  # the first is the warm-up
        sample = await _measured(runtime, lambda: _pair(runtime, fleet, 0))
        if attempt:
            pairing.append(sample)
        await _unpair(runtime, fleet, 0)
    await _pair(runtime, fleet, 0)

    async def wake_then_battery() -> None:
        await first.touch()
        grant = await runtime.access.grant(first.serial, None)
        await operations.battery(runtime.ctx, first.serial, grant.access)

    battery: list[tuple[float, AttCounts]] = []
    for attempt in range(repeats + 1):
        await _sleep_until_asleep(first)
        sample = await _measured(runtime, wake_then_battery)
        if attempt:
            battery.append(sample)

    for index in range(1, len(fleet.locks)):
        await _pair(runtime, fleet, index)
    serials = [lock.serial for lock in fleet.locks]
    hub: list[tuple[float, AttCounts]] = []
    for attempt in range(repeats + 1):
        for lock in fleet.locks:
            await lock.touch()

        async def one_pass() -> None:
            summary = await hub_round(
                runtime, serials, listen_s=HUB_LISTEN_S, echo=lambda _line: None
            )
            if len(summary.read) != len(serials):
                raise RuntimeError(f"hub pass read {len(summary.read)} of {len(serials)} locks")

        sample = await _measured(runtime, one_pass)
        if attempt:
            hub.append(sample)
    hub_figure = _figure(hub)
    hub_figure["locks"] = len(serials)
    hub_figure["ms_per_lock_median"] = round(hub_figure["ms_median"] / len(serials), 2)
    return {
        "bench": "lock_ble",
        "radio": "bumble in-process LocalLink (virtual radio, no air time)",
        "repeats": repeats,
        "warm_up_runs": 1,
        "wake_to_battery": _figure(battery),
        "pairing": _figure(pairing),
        "hub_pass": hub_figure,
    }


async def _sleep_until_asleep(lock: SimLock) -> None:
    """Wait for the lock to fall asleep, so that every sample starts from a sleeping lock."""
    async with asyncio.timeout(BENCH_TIMING.wake_window_s + 5):
        while True:
            if lock.power is PowerState.ASLEEP:
                return
            await asyncio.sleep(ASLEEP_POLL_S)


def _table(result: dict[str, Any]) -> str:
    rows = [
        ("wake -> battery", result["wake_to_battery"]),
        ("full pairing", result["pairing"]),
        (f"hub pass, {result['hub_pass']['locks']} locks", result["hub_pass"]),
    ]
    lines = [
        f"lock BLE bench on {result['radio']}; median of {result['repeats']} after a warm-up",
        f"{'operation':<22} {'ATT round trips':>16} {'notifications':>14} {'ms (median)':>12}",
    ]
    for name, figure in rows:
        lines.append(
            f"{name:<22} {figure['att_round_trips']:>16} {figure['att_notifications']:>14} "
            f"{figure['ms_median']:>12.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lock_ble", description=__doc__)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="samples per figure")
    parser.add_argument("--locks", type=int, default=DEFAULT_LOCKS, help="locks in the hub pass")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.locks < 1:
        parser.error("--repeats and --locks must be at least 1")
    with tempfile.TemporaryDirectory(prefix="lock-ble-bench-") as folder:
        result = asyncio.run(run(args.repeats, args.locks, Path(folder)))
    print(_table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
