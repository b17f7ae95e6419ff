"""One simulated lock: power states, wake window, advertising, and the firmware around LockCore.

Power states:

    ASLEEP --touch/button--> AWAKE --wake window over, no connection--> ASLEEP
    any    --battery empty--> DEAD  --battery replaced--> ASLEEP

Asleep the lock sends only a slow non-connectable beacon (so a scan shows it, its battery flag
and whether it is paired, but nobody can connect); awake it advertises fast and accepts one
connection. The wake window does not run out while a connection is up. A dead lock is silent
and ignores touches.

The firmware around `LockCore`: each decrypted frame goes to `LockCore.handle`; an
`Authorization` (every check passed, counter persisted) is the only thing that may start the
motor; the measured outcome goes back through `LockCore.complete` into a signed receipt.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from firmware_sim.battery import Battery, Operation
from firmware_sim.clock import SimClock, Timer, as_sim_clock
from firmware_sim.errors import StoreError
from firmware_sim.faults import Fault, FaultSet
from firmware_sim.model import LockModel
from firmware_sim.peripheral import AdvertMode, DeviceInfo, LockPeripheral, Session
from firmware_sim.radio_hub import SimController
from firmware_sim.store import LockStore, SimEvent, StoredLock
from lock_protocol.codes import Actuation, Command, FaultCode, MessageType
from lock_protocol.crypto import PRIVATE_KEY_BYTES, RandomBytes, SigningKey
from lock_protocol.encoding import Frame
from lock_protocol.gatt import Advertisement, encode_advertisement, short_serial_for
from lock_protocol.lock_core import Authorization, LockCore, LockState
from lock_protocol.reports import ReportValues
from lock_protocol.results import BatteryResult, DiagnoseResult, StatusResult
from lock_protocol.session import SecureChannel, accept_session

logger = logging.getLogger(__name__)

MANUFACTURER: Final = "Lockwork (simulated)"
MODEL: Final = "LW-SIM-1 thumb-turn"
FIRMWARE_VERSION: Final = "sim-1.0.0"

# Asleep: one beacon a second. Slow enough to cost next to nothing over years on a coin cell,
# fast enough that a fitter's scan lists every lock in the stairwell within a second or two.
BEACON_INTERVAL_MS: Final = 1000.0
# Awake: every 20 ms (the fastest legacy interval in common use), because a connect waits for
# the next advert (notes, pitfall 7): touch -> connected in tens of milliseconds.
AWAKE_INTERVAL_MS: Final = 20.0
# How long a touch keeps the lock connectable: time for the fitter to take out the phone and
# start an operation, short enough that fast advertising does not drain the cell.
WAKE_WINDOW_S: Final = 30.0
# After a disconnect the lock stays connectable at least this long, so a gateway can reconnect
# (a retry, a second operation) without asking the fitter to touch the lock again.
LINGER_AFTER_DISCONNECT_S: Final = 5.0
# `drop_link` fault: how long the lock stays out of range. Long enough for the gateway to see
# the link die, short enough that its retry finds the lock again.
DROP_LINK_OUTAGE_S: Final = 0.5


@dataclass(frozen=True, slots=True)
class LockTiming:
    """Every timing of a lock; tests shorten them, the defaults are the named constants."""

    beacon_interval_ms: float = BEACON_INTERVAL_MS
    awake_interval_ms: float = AWAKE_INTERVAL_MS
    wake_window_s: float = WAKE_WINDOW_S
    linger_after_disconnect_s: float = LINGER_AFTER_DISCONNECT_S
    drop_link_outage_s: float = DROP_LINK_OUTAGE_S


class PowerState(StrEnum):
    ASLEEP = "asleep"
    AWAKE = "awake"
    DEAD = "dead"


class EventKind(StrEnum):
    STARTED = "started"
    TOUCHED = "touched"
    TOUCH_IGNORED = "touch_ignored"
    BUTTON = "pairing_button"
    SLEPT = "slept"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    COMMAND = "command"
    MOTOR = "motor"
    FAULT_SET = "fault_set"
    FAULT = "fault"  # an injected fault bit (link dropped, wrong key, motor refused ...)
    BATTERY_SET = "battery_set"
    BATTERY_DEAD = "battery_dead"
    PAIRED = "paired"
    UNPAIRED = "unpaired"


class SimLock:
    """A lock: model + store + LockCore + GATT peripheral, with sleep and wake."""

    def __init__(
        self,
        record: StoredLock,
        store: LockStore,
        controller: SimController,
        *,
        timing: LockTiming | None = None,
        clock: SimClock | Callable[[], float] = time.time,
        rng: RandomBytes = os.urandom,
    ) -> None:
        self.serial = record.serial
        self.short_serial = short_serial_for(record.serial)
        self.address = record.address
        self.timing = timing or LockTiming()
        self._record = record
        self._store = store
        self._clock = as_sim_clock(clock)
        self._rng = rng
        self.faults = FaultSet.none()
        self.battery = Battery(record.battery)
        self.model = LockModel(record.mechanics, self.battery, self.faults)
        self.events: list[SimEvent] = list(record.events)
        self.core = LockCore(LockState.from_bytes(record.lock_state), self._persist_core)
        self.power = PowerState.DEAD if self.battery.dead else PowerState.ASLEEP
        self._wake_until = 0.0  # on the clock's steady timeline
        self._sleep_timer: Timer | None = None
        self._last_battery_percent = self.battery.percent
        self._closed = False
        self.peripheral = LockPeripheral(
            controller,
            name=self.name,
            address=record.address,
            info=DeviceInfo(MANUFACTURER, MODEL, record.serial, FIRMWARE_VERSION),
            firmware=self,
        )

    # -- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return Advertisement(self.short_serial, False, False, False).local_name

    @property
    def command_counter(self) -> int:
        return self.core.state.command_counter

    def advertisement(self) -> Advertisement:
        return Advertisement(
            short_serial=self.short_serial,
            awake=self.power is PowerState.AWAKE,
            low_battery=self.battery.low,
            paired=self.core.paired,
        )

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self.peripheral.start()
        self._event(EventKind.STARTED, self.power.value)
        await self._apply_radio()

    async def close(self) -> None:
        """Off the air, state saved. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._cancel_sleep_timer()
        await self.peripheral.close()
        self._save()

    # -- physical actions (control channel) -----------------------------------------------

    async def touch(self) -> bool:
        """A touch or knock on the lock: wake for the wake window. A dead lock ignores it."""
        if self.power is PowerState.DEAD:
            self._event(EventKind.TOUCH_IGNORED, "battery dead")
            return False
        self.battery.drain(Operation.WAKE)
        self.power = PowerState.AWAKE
        self._extend_wake(self.timing.wake_window_s)
        self._event(EventKind.TOUCHED)
        await self._after_battery_use()
        await self._apply_radio()
        return self.power is PowerState.AWAKE

    async def press_button(self) -> bool:
        """The pairing button: physical presence opens the pairing window (and wakes)."""
        if self.power is PowerState.DEAD:
            self._event(EventKind.TOUCH_IGNORED, "battery dead (pairing button)")
            return False
        self.core.open_pairing_window(self._clock.time())
        self._event(EventKind.BUTTON)
        return await self.touch()

    async def set_battery_percent(self, percent: float) -> None:
        """Swap the cell for one at `percent` (0 = flat: the lock dies)."""
        self.battery.set_percent(percent)
        self._event(EventKind.BATTERY_SET, f"{percent:g}%")
        if not self.battery.dead and self.power is PowerState.DEAD:
            self.power = PowerState.ASLEEP
        await self._after_battery_use()
        await self._apply_radio()

    def set_fault(self, fault: Fault | None, *, slow_delay_s: float | None = None) -> None:
        self.faults.set_only(fault, slow_delay_s=slow_delay_s)
        self._event(EventKind.FAULT_SET, fault.value if fault else "none")

    # -- wake window ----------------------------------------------------------------------

    async def settled(self) -> None:
        """Wait until the radio shows what the lock's state calls for (after its clock moved)."""
        await self.peripheral.settled()

    def _extend_wake(self, seconds: float) -> None:
        now = self._clock.monotonic()
        self._wake_until = max(self._wake_until, now + seconds)
        self._cancel_sleep_timer()
        self._sleep_timer = self._clock.call_later(self._wake_until - now, self._wake_window_over)

    def _cancel_sleep_timer(self) -> None:
        if self._sleep_timer is not None:
            self._sleep_timer.cancel()
            self._sleep_timer = None

    def _wake_window_over(self) -> None:
        self._sleep_timer = None
        if self.power is not PowerState.AWAKE or self.peripheral.connected:
            return  # a connection holds the lock awake; its end re-arms the window
        self.power = PowerState.ASLEEP
        self._event(EventKind.SLEPT)
        self.peripheral.spawn(self._apply_radio)

    async def _apply_radio(self) -> None:
        """Advertise what the power state calls for (nothing while connected)."""
        if self.peripheral.connected:
            return
        if self.power is PowerState.DEAD:
            await self.peripheral.set_advertising(AdvertMode.OFF, b"", 0.0)
            return
        awake = self.power is PowerState.AWAKE
        await self.peripheral.set_advertising(
            AdvertMode.CONNECTABLE if awake else AdvertMode.BEACON,
            encode_advertisement(self.advertisement()),
            self.timing.awake_interval_ms if awake else self.timing.beacon_interval_ms,
        )

    # -- battery --------------------------------------------------------------------------

    async def _after_battery_use(self) -> None:
        """Brown-out when the cell is empty; tell subscribers when the level changed."""
        if self.battery.dead and self.power is not PowerState.DEAD:
            self.power = PowerState.DEAD
            self._cancel_sleep_timer()
            self._event(EventKind.BATTERY_DEAD)
            await self.peripheral.disconnect_all()
            await self._apply_radio()
        percent = self.battery.percent
        if percent != self._last_battery_percent:
            self._last_battery_percent = percent
            await self.peripheral.notify_battery()
        self._save()

    # -- Firmware (called by the peripheral) ----------------------------------------------

    def battery_level(self) -> int:
        self.battery.drain(Operation.READ)
        return self.battery.percent

    def session_started(self, session: Session) -> None:
        self.battery.drain(Operation.CONNECTION)
        self._event(EventKind.CONNECTED, str(session.connection.peer_address))

    def session_ended(self, session: Session) -> None:
        self.core.disconnected()
        self._event(EventKind.DISCONNECTED, str(session.connection.peer_address))
        if self.power is PowerState.AWAKE:
            self._extend_wake(self.timing.linger_after_disconnect_s)
        self.peripheral.spawn(self._apply_radio)

    async def accept_session(self, hello: bytes) -> tuple[bytes, SecureChannel]:
        await self._maybe_slow()
        if self.faults.has(Fault.WRONG_KEY):
            # A key that is not the one in the factory certificate: the gateway's check of the
            # lock's transcript signature must fail.
            self._event(EventKind.FAULT, "wrong_key: session signed with a key not in the cert")
            return accept_session(
                hello,
                lock_key=SigningKey(self._rng(PRIVATE_KEY_BYTES)),
                certificate=self.core.certificate,
                rng=self._rng,
            )
        return self.core.accept_session(hello, self._rng)

    async def handle(self, frame: Frame, session: Session) -> Frame | None:
        if frame.type is MessageType.COMMAND and self.faults.has(Fault.DROP_LINK):
            # The command arrived; the radio goes before anything is checked or moved.
            self._event(EventKind.FAULT, "drop_link: link dropped after a command arrived")
            self._drop_link()
            return None
        self.battery.drain(Operation.READ)
        now = self._clock.time()
        was_paired = self.core.paired
        reply = self.core.handle(frame, now, self._rng)
        if isinstance(reply, Authorization):
            reply = await self._execute(reply, now)
        if self.core.paired != was_paired:
            self._event(EventKind.PAIRED if self.core.paired else EventKind.UNPAIRED)
        await self._maybe_slow()
        await self._after_battery_use()
        return reply

    async def _maybe_slow(self) -> None:
        if self.faults.has(Fault.SLOW):
            self._event(EventKind.FAULT, f"slow: answer held back {self.faults.slow_delay_s:g} s")
            await asyncio.sleep(self.faults.slow_delay_s)

    def _drop_link(self) -> None:
        controller = self.peripheral.controller
        controller.leave_air()

        async def come_back() -> None:
            await asyncio.sleep(self.timing.drop_link_outage_s)
            controller.rejoin_air()
            await self._apply_radio()

        self.peripheral.spawn(come_back)

    async def _execute(self, auth: Authorization, now: float) -> Frame:
        """Do what an authorised command asks; only OPERATE_TEST moves anything."""
        command = auth.command
        self._event(EventKind.COMMAND, f"{command.name} #{auth.counter}")
        if command is Command.OPERATE_TEST:
            run = self.model.run_test_cycle()
            receipt = self.core.complete(
                auth,
                now,
                actuation=run.actuation,
                motor_current_healthy=run.motor_current_healthy,
            )
            current = "healthy" if run.motor_current_healthy else "abnormal"
            detail = (
                f"{run.actuation.name} current={current} loaded={run.loaded_mv}mV"
                f" bolt={run.bolt_after.value}"
            )
            ok = run.actuation is Actuation.OK
            self._event(EventKind.MOTOR if ok else EventKind.FAULT, detail)
            return receipt
        if command is Command.READ_REPORT:
            values = ReportValues(self.battery.voltage_mv, self.battery.percent, FIRMWARE_VERSION)
            report = self.core.make_report(auth.args, now, values)
            return self.core.complete(auth, now, result=report)
        return self.core.complete(auth, now, result=self._result(command))

    def _result(self, command: Command) -> bytes:
        mechanics = self.model.mechanics
        state = self.core.state
        if command is Command.READ_BATTERY:
            return BatteryResult(
                self.battery.voltage_mv,
                self.battery.percent,
                self.battery.stage,
                mechanics.last_loaded_mv,
            ).encode()
        if command is Command.READ_STATUS:
            return StatusResult(
                bolt_locked=mechanics.bolt.value == "locked",
                pairing_state=state.pairing_state,
                battery_percent=self.battery.percent,
                last_fault=state.last_fault,
                motor_runs=mechanics.motor_runs,
            ).encode()
        if command is Command.DIAGNOSE:
            return DiagnoseResult(
                last_actuation=mechanics.last_actuation,
                motor_current_healthy=mechanics.last_motor_current_healthy,
                last_fault=state.last_fault,
                last_loaded_mv=mechanics.last_loaded_mv,
                battery_stage=self.battery.stage,
                motor_runs=mechanics.motor_runs,
            ).encode()
        return b""  # READ_EVENT_LOG (LockCore fills it), UNPAIR

    # -- persistence ----------------------------------------------------------------------

    def _persist_core(self, state_bytes: bytes) -> None:
        """LockCore's persist callback: durable before it returns (raises StoreError if not)."""
        self._record.lock_state = state_bytes
        self._save(strict=True)

    def _save(self, *, strict: bool = False) -> None:
        self._record.battery = self.battery.state
        self._record.mechanics = self.model.mechanics
        self._record.events = self.events
        try:
            self._store.save(self._record)
        except StoreError:
            if strict:
                raise  # LockCore turns it into STORAGE_FAILURE: nothing is authorised
            # Events and battery are best effort; the protocol state is saved strictly.
            logger.exception("%s: could not save the lock's state", self.serial)

    def _event(self, kind: EventKind, detail: str = "") -> None:
        self.events.append(SimEvent(self._clock.time(), kind.value, detail))
        logger.info("%s: %s %s", self.name, kind.value, detail)
        self._save()

    # -- status ---------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        state = self.core.state
        mechanics = self.model.mechanics
        return {
            "serial": self.serial,
            "name": self.name,
            "address": self.address,
            "power": self.power.value,
            "connected": self.peripheral.connected,
            "advertising": self.peripheral.is_advertising,
            "battery": {
                "percent": self.battery.percent,
                "voltage_mv": self.battery.voltage_mv,
                "stage": self.battery.stage.name,
                "low": self.battery.low,
            },
            "bolt": mechanics.bolt.value,
            "bolt_movements": mechanics.bolt_movements,
            "motor_runs": mechanics.motor_runs,
            "faults": self.faults.names(),
            "paired": self.core.paired,
            "pairing_window_open": self.core.pairing_window_open(self._clock.time()),
            "command_counter": state.command_counter,
            "report_counter": state.report_counter,
            "min_epoch": state.min_epoch,
            "last_fault": FaultCode(state.last_fault).name,
            "events": [
                {"time": e.time, "kind": e.kind, "detail": e.detail} for e in self.events[-10:]
            ],
        }
