"""Result bytes of the non-moving commands, in the protocol's canonical encoding.

The lock puts them in the `result` field of its signed `Receipt`; the gateway decodes them only
after `CommandClient.verify_receipt` has checked the lock's signature. READ_EVENT_LOG
(`lock_core.encode_event_log`) and READ_REPORT (`reports.sign_report`) have their own formats.

    READ_BATTERY  u16 voltage mV | u8 percent | u8 stage (BatteryStage) | u16 last loaded mV
    READ_STATUS   u8 bolt (0 locked, 1 unlocked) | u8 pairing state | u8 battery percent |
                  u8 last fault (FaultCode) | u32 motor runs
    DIAGNOSE      u8 last actuation | u8 motor current healthy | u8 last fault | u8 fault owner |
                  u16 last loaded mV | u8 battery stage | u32 motor runs

Each value is one canonical field (u16 length prefix), like every other message body, and
`tests/fixtures/protocol/vectors.json` pins one example of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final, Self

from lock_protocol.codes import FAULT_OWNER, Actuation, FaultCode, FaultOwner, PairingState
from lock_protocol.encoding import Reader, Writer
from lock_protocol.errors import MalformedError, UnknownCodeError

PERCENT_MAX: Final = 100


class BatteryStage(IntEnum):
    """The five levels fitters know; EMPTY blocks the motor, DEAD is no radio at all."""

    DEAD = 0
    EMPTY = 1
    VERY_LOW = 2
    LOW = 3
    MEDIUM = 4
    HIGH = 5

    @classmethod
    def parse(cls, value: int) -> BatteryStage:
        """Look a wire byte up; unknown values are refused, never defaulted."""
        member = _STAGES.get(value)
        if member is None:
            raise UnknownCodeError(f"unknown BatteryStage value {value:#04x}")
        return member


_STAGES: Final[dict[int, BatteryStage]] = {int(m): m for m in BatteryStage}


def _percent(value: int) -> int:
    if not 0 <= value <= PERCENT_MAX:
        raise MalformedError("battery percent must be 0..100")
    return value


@dataclass(frozen=True, slots=True)
class BatteryResult:
    """READ_BATTERY: the cell at rest and under the last motor load."""

    voltage_mv: int
    percent: int
    stage: BatteryStage
    last_loaded_mv: int

    def encode(self) -> bytes:
        return (
            Writer()
            .u16(self.voltage_mv)
            .u8(_percent(self.percent))
            .u8(int(self.stage))
            .u16(self.last_loaded_mv)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(
            reader.u16(), _percent(reader.u8()), BatteryStage.parse(reader.u8()), reader.u16()
        )
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class StatusResult:
    """READ_STATUS: where the bolt is and the lock's pairing and fault state."""

    bolt_locked: bool
    pairing_state: PairingState
    battery_percent: int
    last_fault: FaultCode
    motor_runs: int

    def encode(self) -> bytes:
        return (
            Writer()
            .u8(0 if self.bolt_locked else 1)
            .u8(int(self.pairing_state))
            .u8(_percent(self.battery_percent))
            .u8(int(self.last_fault))
            .u32(self.motor_runs)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        bolt = reader.u8()
        if bolt not in (0, 1):
            raise MalformedError("bolt byte must be 0 (locked) or 1 (unlocked)")
        out = cls(
            bolt == 0,
            PairingState.parse(reader.u8()),
            _percent(reader.u8()),
            FaultCode.parse(reader.u8()),
            reader.u32(),
        )
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class DiagnoseResult:
    """DIAGNOSE: the last actuation as the lock measured it, and who owns its fault.

    The owner is derived from the fault (`codes.FAULT_OWNER`): a jam with a healthy motor
    current is the lock case (the customer's), an abnormal current the lock unit (ours).
    """

    last_actuation: Actuation
    motor_current_healthy: bool
    last_fault: FaultCode
    last_loaded_mv: int
    battery_stage: BatteryStage
    motor_runs: int

    @property
    def fault_owner(self) -> FaultOwner:
        return FAULT_OWNER[self.last_fault]

    def encode(self) -> bytes:
        return (
            Writer()
            .u8(int(self.last_actuation))
            .u8(1 if self.motor_current_healthy else 0)
            .u8(int(self.last_fault))
            .u8(int(self.fault_owner))
            .u16(self.last_loaded_mv)
            .u8(int(self.battery_stage))
            .u32(self.motor_runs)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        actuation = Actuation.parse(reader.u8())
        healthy_byte = reader.u8()
        if healthy_byte not in (0, 1):
            raise MalformedError("motor current byte must be 0 or 1")
        fault = FaultCode.parse(reader.u8())
        # The owner is derived from the fault; a lock that sends a different one is broken or
        # lying, and the fitter must not be told "customer's lock case" on its word alone.
        if FaultOwner.parse(reader.u8()) is not FAULT_OWNER[fault]:
            raise MalformedError("fault owner does not match the fault code")
        out = cls(
            actuation,
            healthy_byte == 1,
            fault,
            reader.u16(),
            BatteryStage.parse(reader.u8()),
            reader.u32(),
        )
        reader.finish()
        return out
