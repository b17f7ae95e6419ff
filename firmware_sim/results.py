"""Result bytes of the non-moving commands, in the protocol's canonical encoding.

`LockCore.complete(result=...)` carries them inside the signed receipt. The protocol defines
READ_EVENT_LOG and READ_REPORT results; these three are the simulator's proposal and belong in
`gateway/protocol/messages.py` once the gateway decodes them (the gateway must not import the
simulator).

    READ_BATTERY  u16 voltage mV | u8 percent | u8 stage (BatteryStage) | u16 last loaded mV
    READ_STATUS   u8 bolt (0 locked, 1 unlocked) | u8 pairing state | u8 battery percent |
                  u8 last fault (FaultCode) | u32 motor runs
    DIAGNOSE      u8 last actuation | u8 motor current healthy | u8 last fault | u8 fault owner |
                  u16 last loaded mV | u8 battery stage | u32 motor runs
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from gateway.protocol.codes import FAULT_OWNER, Actuation, FaultCode, FaultOwner, PairingState
from gateway.protocol.encoding import Reader, Writer


@dataclass(frozen=True, slots=True)
class BatteryResult:
    voltage_mv: int
    percent: int
    stage: int
    last_loaded_mv: int

    def encode(self) -> bytes:
        return (
            Writer()
            .u16(self.voltage_mv)
            .u8(self.percent)
            .u8(self.stage)
            .u16(self.last_loaded_mv)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(reader.u16(), reader.u8(), reader.u8(), reader.u16())
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class StatusResult:
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
            .u8(self.battery_percent)
            .u8(int(self.last_fault))
            .u32(self.motor_runs)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        out = cls(
            reader.u8() == 0,
            PairingState.parse(reader.u8()),
            reader.u8(),
            FaultCode.parse(reader.u8()),
            reader.u32(),
        )
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class DiagnoseResult:
    last_actuation: Actuation
    motor_current_healthy: bool
    last_fault: FaultCode
    last_loaded_mv: int
    battery_stage: int
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
            .u8(self.battery_stage)
            .u32(self.motor_runs)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        reader = Reader(data)
        actuation = Actuation.parse(reader.u8())
        healthy = reader.u8() == 1
        fault = FaultCode.parse(reader.u8())
        FaultOwner.parse(reader.u8())  # derived from the fault; read to check the framing
        out = cls(actuation, healthy, fault, reader.u16(), reader.u8(), reader.u32())
        reader.finish()
        return out
