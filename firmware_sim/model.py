"""The lock's physical side: the bolt, the motor and the battery that drives it.

OPERATE_TEST is a lock/unlock cycle: the motor unlocks and locks again, so a test never leaves
the resident's door open. On any failure the motor does not start (loaded-voltage check) or
backs off to its start position on stall, so the bolt stays where it was; `bolt_movements`
counts real movements so tests can tell "did not move" from "moved and came back".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import msgspec

from firmware_sim.battery import Battery, Operation
from firmware_sim.faults import Fault, FaultSet
from lock_protocol.codes import Actuation


class BoltPosition(StrEnum):
    LOCKED = "locked"
    UNLOCKED = "unlocked"


class MechanicsState(msgspec.Struct):
    """What the store keeps about the mechanics."""

    bolt: BoltPosition = BoltPosition.LOCKED
    motor_runs: int = 0  # completed test cycles
    bolt_movements: int = 0  # each movement of the bolt (a cycle is two)
    last_actuation: Actuation = Actuation.NOT_ATTEMPTED
    last_motor_current_healthy: bool = True
    last_loaded_mv: int = 0  # battery voltage under motor load at the last motor start


@dataclass(frozen=True, slots=True)
class MotorRun:
    """One attempted test cycle as the lock measured it."""

    actuation: Actuation
    motor_current_healthy: bool
    loaded_mv: int
    bolt_before: BoltPosition
    bolt_after: BoltPosition


class LockModel:
    """Bolt + motor + battery, with the injected faults applied."""

    def __init__(self, mechanics: MechanicsState, battery: Battery, faults: FaultSet) -> None:
        self.mechanics = mechanics
        self.battery = battery
        self.faults = faults

    @property
    def bolt(self) -> BoltPosition:
        return self.mechanics.bolt

    def run_test_cycle(self) -> MotorRun:
        """Run the motor through a lock/unlock cycle, or refuse; the bolt never ends elsewhere."""
        before = self.mechanics.bolt
        self.battery.weak = self.faults.has(Fault.WEAK_BATTERY)
        load = self.battery.check_motor_load()
        if not load.allowed:
            self.battery.drain(Operation.MOTOR_ABORT)
            return self._record(Actuation.BATTERY_TOO_LOW, True, load.loaded_mv, before)
        mechanical = self.faults.mechanical()
        if mechanical.actuation is not Actuation.OK:
            # Stall detection cuts the motor and backs it off to where it started.
            self.battery.drain(Operation.MOTOR_ABORT)
            return self._record(
                mechanical.actuation, mechanical.motor_current_healthy, load.loaded_mv, before
            )
        self.battery.drain(Operation.MOTOR_RUN)
        self.mechanics.bolt_movements += 2  # out and back
        self.mechanics.motor_runs += 1
        return self._record(Actuation.OK, True, load.loaded_mv, before)

    def _record(
        self, actuation: Actuation, healthy: bool, loaded_mv: int, before: BoltPosition
    ) -> MotorRun:
        self.mechanics.last_actuation = actuation
        self.mechanics.last_motor_current_healthy = healthy
        self.mechanics.last_loaded_mv = max(0, loaded_mv)
        return MotorRun(actuation, healthy, max(0, loaded_mv), before, self.mechanics.bolt)
