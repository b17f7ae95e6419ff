"""`lockwork-gateway hub`: read the battery of the known locks on a schedule, and upload it.

A stationary gateway (at a care home, in a stairwell) cannot touch a lock to wake it; it reads
each lock that is awake when its turn comes (a resident just used it, or it is still awake
from a visit) and tries the others at the next round. A lock that is asleep, out of range or
not answering is logged and skipped; it never stops the round. Each reading is a lock-signed
report, queued durably and then uploaded through the sync protocol.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Final

import msgspec

from gateway.error_codes import describe
from gateway.errors import GatewayError
from gateway.lock_access import NOT_SERVED, AccessUnavailable, access_for
from gateway.operations import WakeTimeout
from gateway.operations import battery as read_battery
from gateway.runtime import GatewayConfig, Runtime, open_runtime
from lock_protocol.errors import ProtocolError

# Battery level moves over weeks; an hourly reading shows a failing cell the same day, while
# each read costs the lock one connection (a little charge), so reading more often would
# itself drain the cells it watches.
HUB_INTERVAL_S: Final = 3600.0
# How long the hub listens for one lock to show itself awake: awake locks advertise every
# ~20 ms, sleeping ones beacon once a second; 2 s hears either, so a sleeping lock is known to
# be in range (and skipped) without holding up the round.
HUB_LISTEN_S: Final = 2.0


class HubReading(msgspec.Struct, frozen=True):
    serial: str
    percent: int
    voltage_mv: int
    queued_id: str


class HubSkip(msgspec.Struct, frozen=True):
    serial: str
    code: str
    message: str


class HubRound(msgspec.Struct, frozen=True):
    read: list[HubReading]
    asleep: list[HubSkip]
    failed: list[HubSkip]
    elapsed_ms: float
    uploaded: int


def _echo(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _targets(runtime: Runtime, echo: Callable[[str], None]) -> list[str]:
    """The paired locks this gateway knows, and (with a server) the locks it serves."""
    known = {lock.serial for lock in runtime.known.all() if lock.paired}
    try:
        served = set(await runtime.access.served_serials())
    except GatewayError as exc:
        echo(f"hub: {exc.message} Reading the locks this gateway knows.")
        served = set()
    return sorted(known | served)


async def hub_round(
    runtime: Runtime,
    serials: list[str] | None = None,
    *,
    listen_s: float = HUB_LISTEN_S,
    echo: Callable[[str], None] = _echo,
) -> HubRound:
    """One pass over the locks; a lock that fails is logged and the pass goes on."""
    targets = serials or await _targets(runtime, echo)
    started = time.perf_counter()
    read: list[HubReading] = []
    asleep: list[HubSkip] = []
    failed: list[HubSkip] = []
    echo(f"hub: reading {len(targets)} lock(s)")
    for serial in targets:
        ctx = runtime.ctx
        ctx.wake_timeout_s = listen_s
        try:
            access, server_nonce = await access_for(runtime.access, serial, None)
            reading = await read_battery(ctx, serial, access, server_nonce=server_nonce)
        except AccessUnavailable as exc:
            if exc.code != NOT_SERVED:
                failed.append(HubSkip(serial, exc.code, exc.message))
                echo(f"hub: {serial} failed ({exc.code}): {exc.message}")
            continue  # not one of this hub's locks: not its business
        except WakeTimeout as exc:
            if exc.heard_asleep:
                asleep.append(HubSkip(serial, describe(exc).code, exc.message))
                echo(f"hub: {serial} is asleep; next round")
            else:
                failed.append(HubSkip(serial, describe(exc).code, exc.message))
                echo(f"hub: {serial} not heard (out of range or battery empty); next round")
            continue
        except (GatewayError, ProtocolError) as exc:
            error = describe(exc)
            failed.append(HubSkip(serial, error.code, error.message_en))
            echo(f"hub: {serial} failed ({error.code}): {error.message_en}")
            continue
        runtime.known.remember(reading.serial, reading.lock_id, paired=reading.paired)
        read.append(
            HubReading(reading.serial, reading.percent, reading.voltage_mv, reading.queued_id)
        )
        echo(f"hub: {serial} battery {reading.percent} % ({reading.voltage_mv} mV)")
    elapsed_ms = (time.perf_counter() - started) * 1000
    summary = await runtime.uploader.upload_once()
    uploaded = len(summary.uploaded) if summary else 0
    echo(
        f"hub: round done in {elapsed_ms:.0f} ms: {len(read)} read, {len(asleep)} asleep, "
        f"{len(failed)} failed, {uploaded} uploaded"
    )
    return HubRound(read, asleep, failed, round(elapsed_ms, 1), uploaded)


async def run_hub(
    config: GatewayConfig,
    interval_s: float = HUB_INTERVAL_S,
    *,
    once: bool = False,
    locks: list[str] | None = None,
    echo: Callable[[str], None] = _echo,
) -> HubRound | None:
    """Rounds every ``interval_s`` until stopped; with ``once``, one round and its summary."""
    async with open_runtime(config, echo) as runtime:
        while True:
            result = await hub_round(runtime, locks, echo=echo)
            if once:
                return result
            echo(f"hub: next round in {interval_s:.0f} s")
            await asyncio.sleep(interval_s)
