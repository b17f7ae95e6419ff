"""Faults that can be injected into a simulated lock, and what each does to an actuation.

Every fault leaves the bolt where it was (the motor never starts, or backs off to its start
position on stall, as real thumb-turn firmware does) and is logged as an event.

| fault         | where it bites                              | what the gateway sees            |
| ------------- | ------------------------------------------- | -------------------------------- |
| weak_battery  | loaded-voltage check at motor start         | receipt BATTERY_TOO_LOW          |
| jammed_bolt   | bolt blocked in the lock case, motor healthy| receipt BOLT_JAMMED, LOCK_CASE   |
| motor_fault   | motor current abnormal (lock unit)          | receipt MOTOR_FAULT, LOCK_UNIT   |
| drop_link     | a COMMAND arrives, the radio drops          | link lost, no receipt            |
| slow          | every answer held back                      | slow answers (timeouts)          |
| wrong_key     | session signed with a key not in the cert   | handshake verification fails     |
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from firmware_sim.errors import InvalidRequestError
from lock_protocol.codes import Actuation


class Fault(StrEnum):
    WEAK_BATTERY = "weak_battery"
    DROP_LINK = "drop_link"
    SLOW = "slow"
    JAMMED_BOLT = "jammed_bolt"
    MOTOR_FAULT = "motor_fault"
    WRONG_KEY = "wrong_key"


NO_FAULT: Final = "none"
FAULT_CHOICES: Final = (*(f.value for f in Fault), NO_FAULT)

# How long a `slow` lock holds back each answer. Long enough that a gateway with a short
# answer timeout notices, short enough that a lock nonce (valid 3 s) survives one slow answer.
DEFAULT_SLOW_DELAY_S: Final = 2.0


def parse_fault(name: str) -> Fault | None:
    """'none' -> None; an unknown name is refused with the list of known ones."""
    if name == NO_FAULT:
        return None
    try:
        return Fault(name)
    except ValueError as exc:
        raise InvalidRequestError(
            f"unknown fault {name!r}; choose one of {', '.join(FAULT_CHOICES)}"
        ) from exc


@dataclass(frozen=True, slots=True)
class MechanicalOutcome:
    """What the motor and bolt would do, before the battery has its say."""

    actuation: Actuation
    motor_current_healthy: bool


# The classification table: injected mechanical fault -> what the lock measures. The protocol's
# `classify_actuation` turns it into status and fault owner (jam + healthy current = lock case).
MECHANICAL_OUTCOME: Final[dict[Fault | None, MechanicalOutcome]] = {
    None: MechanicalOutcome(Actuation.OK, motor_current_healthy=True),
    Fault.JAMMED_BOLT: MechanicalOutcome(Actuation.JAMMED, motor_current_healthy=True),
    Fault.MOTOR_FAULT: MechanicalOutcome(Actuation.MOTOR_FAULT, motor_current_healthy=False),
}


@dataclass(slots=True)
class FaultSet:
    """The faults active on one lock (not persisted: a restart clears them)."""

    active: set[Fault]
    slow_delay_s: float = DEFAULT_SLOW_DELAY_S

    @classmethod
    def none(cls) -> FaultSet:
        return cls(set())

    def has(self, fault: Fault) -> bool:
        return fault in self.active

    def set_only(self, fault: Fault | None, *, slow_delay_s: float | None = None) -> None:
        """Replace the active faults with `fault` (None clears them)."""
        self.active = set() if fault is None else {fault}
        if slow_delay_s is not None:
            if slow_delay_s < 0:
                raise InvalidRequestError("slow delay must not be negative")
            self.slow_delay_s = slow_delay_s

    def mechanical(self) -> MechanicalOutcome:
        """The mechanical outcome of a motor run; a jam wins over a motor fault if both."""
        for fault in (Fault.JAMMED_BOLT, Fault.MOTOR_FAULT):
            if fault in self.active:
                return MECHANICAL_OUTCOME[fault]
        return MECHANICAL_OUTCOME[None]

    def names(self) -> list[str]:
        return sorted(f.value for f in self.active)
