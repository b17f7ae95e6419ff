"""The lock's battery: a lithium cell with a discharge curve, drain per operation, sag under load.

The cell is one 3 V lithium-manganese-dioxide cell (CR123A class, 1500 mAh), the usual choice
for motorised thumb-turns: a long flat plateau around 2.9 V, then a steep knee. The lock's
fuel gauge measures the open-circuit voltage and maps it to a percentage with the same curve,
so the percentage is only as good as the curve: it must be monotonic (tested), or a battery
could appear to recharge as it drains.

Staged warnings (the domain notes: high, medium, low, very low, empty) come from the
percentage; the last stage blocks the motor but keeps the radio up, so the lock can still say
why it refuses. Below the cut-off the electronics brown out: no radio at all.

"Weak battery" is a cell with a high internal resistance: it reads fine at rest and sags under
the motor's current, so the lock refuses to start the motor (BATTERY_TOO_LOW) rather than stall
half-way with the bolt between positions.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import msgspec

from firmware_sim.errors import InvalidRequestError
from lock_protocol.results import BatteryStage

# (open-circuit mV, percent remaining): strictly increasing in both columns. 2000 mV is the
# cell's end of life; 3200 mV a fresh cell at rest. The plateau between 2820 and 2970 mV holds
# most of the capacity, which is why a lithium lock reads "high" for years and then drops fast.
DISCHARGE_CURVE: Final[tuple[tuple[int, float], ...]] = (
    (2000, 0.0),
    (2500, 3.0),
    (2650, 8.0),
    (2750, 15.0),
    (2820, 25.0),
    (2870, 40.0),
    (2920, 60.0),
    (2970, 80.0),
    (3050, 92.0),
    (3200, 100.0),
)
CUTOFF_MV: Final = DISCHARGE_CURVE[0][0]
FULL_MV: Final = DISCHARGE_CURVE[-1][0]
_MVS: Final = tuple(mv for mv, _ in DISCHARGE_CURVE)
_PERCENTS: Final = tuple(p for _, p in DISCHARGE_CURVE)

# CR123A-class cell.
CAPACITY_UAH: Final = 1_500_000

# Motor: a thumb-turn motor draws ~400 mA while turning.
MOTOR_CURRENT_MA: Final = 400
# Internal resistance of a healthy cell and of a weak one (aged, passivated or cold): 0.5 ohm
# sags 200 mV under the motor, 2.5 ohm sags a full volt.
HEALTHY_RESISTANCE_OHM: Final = 0.5
WEAK_RESISTANCE_OHM: Final = 2.5
# Below this loaded voltage the motor driver and the microcontroller brown out together; the
# lock checks the loaded voltage at motor start and refuses below it.
MOTOR_MIN_MV: Final = 2300

# Charge per operation (what drains the battery), in microampere-hours.
# A lock/unlock test cycle: two movements of ~0.75 s at 400 mA.
MOTOR_RUN_UAH: Final = 170
# A motor start aborted at once by the loaded-voltage check, or a jam cut off by stall detection:
# the motor drew current but only briefly.
MOTOR_ABORT_UAH: Final = 40
# A wake: the wake window of fast (20 ms) advertising at ~1 mA average.
WAKE_UAH: Final = 10
# A connection: radio on for the link set-up and the session handshake (signatures on the MCU).
CONNECTION_UAH: Final = 5
# One read or one non-moving command: a few radio events and one signature.
READ_UAH: Final = 1

# Stage thresholds (percent at or above which the stage applies).
HIGH_MIN_PERCENT: Final = 60.0
MEDIUM_MIN_PERCENT: Final = 30.0
LOW_MIN_PERCENT: Final = 15.0
VERY_LOW_MIN_PERCENT: Final = 5.0


class Operation(StrEnum):
    MOTOR_RUN = "motor_run"
    MOTOR_ABORT = "motor_abort"
    WAKE = "wake"
    CONNECTION = "connection"
    READ = "read"


DRAIN_UAH: Final[dict[Operation, int]] = {
    Operation.MOTOR_RUN: MOTOR_RUN_UAH,
    Operation.MOTOR_ABORT: MOTOR_ABORT_UAH,
    Operation.WAKE: WAKE_UAH,
    Operation.CONNECTION: CONNECTION_UAH,
    Operation.READ: READ_UAH,
}


def percent_for_mv(mv: float) -> float:
    """The fuel gauge: open-circuit millivolts -> percent, piecewise linear, clamped 0..100."""
    if mv <= CUTOFF_MV:
        return 0.0
    if mv >= FULL_MV:
        return 100.0
    i = bisect.bisect_right(_MVS, mv)
    (mv0, p0), (mv1, p1) = DISCHARGE_CURVE[i - 1], DISCHARGE_CURVE[i]
    return p0 + (p1 - p0) * (mv - mv0) / (mv1 - mv0)


def mv_for_percent(percent: float) -> float:
    """The inverse of `percent_for_mv` on 0..100 (the curve is strictly increasing)."""
    if percent <= 0.0:
        return float(CUTOFF_MV)
    if percent >= 100.0:
        return float(FULL_MV)
    i = bisect.bisect_right(_PERCENTS, percent)
    (mv0, p0), (mv1, p1) = DISCHARGE_CURVE[i - 1], DISCHARGE_CURVE[i]
    return mv0 + (mv1 - mv0) * (percent - p0) / (p1 - p0)


def stage_for_percent(percent: float) -> BatteryStage:
    if percent <= 0.0:
        return BatteryStage.DEAD
    if percent >= HIGH_MIN_PERCENT:
        return BatteryStage.HIGH
    if percent >= MEDIUM_MIN_PERCENT:
        return BatteryStage.MEDIUM
    if percent >= LOW_MIN_PERCENT:
        return BatteryStage.LOW
    if percent >= VERY_LOW_MIN_PERCENT:
        return BatteryStage.VERY_LOW
    return BatteryStage.EMPTY


class BatteryState(msgspec.Struct):
    """What the store keeps: the charge left."""

    charge_uah: int = CAPACITY_UAH
    capacity_uah: int = CAPACITY_UAH


@dataclass(frozen=True, slots=True)
class LoadCheck:
    """The loaded voltage measured at motor start, and whether the motor may run."""

    loaded_mv: int
    allowed: bool


class Battery:
    """A cell: charge, the voltage it shows, and what the motor would make of it."""

    def __init__(self, state: BatteryState | None = None, *, weak: bool = False) -> None:
        state = state or BatteryState()
        self._capacity = max(1, state.capacity_uah)
        self._charge = min(max(0, state.charge_uah), self._capacity)
        self.weak = weak

    @property
    def state(self) -> BatteryState:
        return BatteryState(charge_uah=self._charge, capacity_uah=self._capacity)

    @property
    def state_of_charge(self) -> float:
        """True charge left, percent (what the curve is calibrated against)."""
        return 100.0 * self._charge / self._capacity

    @property
    def voltage_mv(self) -> int:
        """Open-circuit voltage, as the lock measures it at rest."""
        return round(mv_for_percent(self.state_of_charge))

    @property
    def percent(self) -> int:
        """What the lock reports: its fuel gauge reading of the measured voltage, 0..100."""
        gauge = percent_for_mv(self.voltage_mv)
        # Never report 0 % for a cell that still runs the radio: 0 means dead.
        return 0 if self.dead else max(1, min(100, round(gauge)))

    @property
    def stage(self) -> BatteryStage:
        return BatteryStage.DEAD if self.dead else stage_for_percent(max(self.percent, 1))

    @property
    def dead(self) -> bool:
        """Below the cut-off the electronics brown out: no advertising, no wake."""
        return self._charge <= 0

    @property
    def low(self) -> bool:
        """The advert's low-battery flag: from the LOW stage down."""
        return self.stage <= BatteryStage.LOW

    @property
    def resistance_ohm(self) -> float:
        return WEAK_RESISTANCE_OHM if self.weak else HEALTHY_RESISTANCE_OHM

    def check_motor_load(self) -> LoadCheck:
        """The loaded-voltage check at motor start (the lock's brown-out guard)."""
        loaded = round(self.voltage_mv - MOTOR_CURRENT_MA * self.resistance_ohm)
        allowed = not self.dead and self.stage > BatteryStage.EMPTY and loaded >= MOTOR_MIN_MV
        return LoadCheck(loaded_mv=loaded, allowed=allowed)

    def drain(self, operation: Operation) -> None:
        self._charge = max(0, self._charge - DRAIN_UAH[operation])

    def set_percent(self, percent: float) -> None:
        """A battery change or a drained cell (control channel): charge to `percent`."""
        if not 0.0 <= percent <= 100.0:
            raise InvalidRequestError("battery percent must be 0..100")
        self._charge = round(self._capacity * percent / 100.0)
