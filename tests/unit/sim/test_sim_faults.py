"""Injected faults: what the motor and bolt do, and how the protocol classifies it."""

from __future__ import annotations

import pytest

from firmware_sim.battery import Battery
from firmware_sim.errors import InvalidRequestError
from firmware_sim.faults import FAULT_CHOICES, Fault, FaultSet, parse_fault
from firmware_sim.model import BoltPosition, LockModel, MechanicsState
from lock_protocol.codes import (
    FAULT_OWNER,
    Actuation,
    FaultCode,
    FaultOwner,
    PairingState,
    StatusCode,
    classify_actuation,
)
from lock_protocol.results import BatteryResult, DiagnoseResult, StatusResult


def model_with(fault: Fault | None, percent: float = 80) -> LockModel:
    faults = FaultSet.none()
    faults.set_only(fault)
    battery = Battery()
    battery.set_percent(percent)
    return LockModel(MechanicsState(), battery, faults)


LOW = StatusCode.BATTERY_TOO_LOW
# fault -> (actuation measured, status sent, who fixes it, bolt movements)
TABLE = [
    (None, Actuation.OK, StatusCode.OK, FaultOwner.NONE, 2),
    (
        Fault.WEAK_BATTERY,
        Actuation.BATTERY_TOO_LOW,
        StatusCode.BATTERY_TOO_LOW,
        FaultOwner.BATTERY,
        0,
    ),
    (Fault.JAMMED_BOLT, Actuation.JAMMED, StatusCode.BOLT_JAMMED, FaultOwner.LOCK_CASE, 0),
    (Fault.MOTOR_FAULT, Actuation.MOTOR_FAULT, StatusCode.MOTOR_FAULT, FaultOwner.LOCK_UNIT, 0),
    # Faults that do not touch the mechanics: the cycle runs normally.
    (Fault.SLOW, Actuation.OK, StatusCode.OK, FaultOwner.NONE, 2),
    (Fault.DROP_LINK, Actuation.OK, StatusCode.OK, FaultOwner.NONE, 2),
    (Fault.WRONG_KEY, Actuation.OK, StatusCode.OK, FaultOwner.NONE, 2),
]


@pytest.mark.parametrize(("fault", "actuation", "status", "owner", "moves"), TABLE)
def test_fault_classification_table(
    fault: Fault | None, actuation: Actuation, status: StatusCode, owner: FaultOwner, moves: int
) -> None:
    model = model_with(fault)
    run = model.run_test_cycle()
    assert run.actuation is actuation
    got_status, got_fault = classify_actuation(
        run.actuation, motor_current_healthy=run.motor_current_healthy
    )
    assert got_status is status and FAULT_OWNER[got_fault] is owner
    assert run.bolt_before is run.bolt_after is BoltPosition.LOCKED
    assert model.mechanics.bolt_movements == moves


def test_a_jam_with_a_healthy_current_is_the_lock_case_not_the_unit() -> None:
    run = model_with(Fault.JAMMED_BOLT).run_test_cycle()
    assert run.motor_current_healthy
    _status, fault = classify_actuation(run.actuation, motor_current_healthy=True)
    assert fault is FaultCode.LOCK_CASE_BOLT_JAMMED


def test_an_empty_battery_refuses_the_motor_without_any_injected_fault() -> None:
    model = model_with(None, percent=3)
    assert model.run_test_cycle().actuation is Actuation.BATTERY_TOO_LOW
    assert model.mechanics.bolt_movements == 0


def test_fault_names() -> None:
    assert parse_fault("none") is None
    assert all(parse_fault(name) for name in FAULT_CHOICES if name != "none")
    with pytest.raises(InvalidRequestError):
        parse_fault("gremlins")
    with pytest.raises(InvalidRequestError):
        FaultSet.none().set_only(Fault.SLOW, slow_delay_s=-1)


def test_command_results_round_trip() -> None:
    battery = BatteryResult(2950, 73, 5, 2750)
    assert BatteryResult.decode(battery.encode()) == battery
    status = StatusResult(True, PairingState.PAIRED, 73, FaultCode.NONE, 12)
    assert StatusResult.decode(status.encode()) == status
    diagnosis = DiagnoseResult(Actuation.JAMMED, True, FaultCode.LOCK_CASE_BOLT_JAMMED, 2750, 5, 3)
    decoded = DiagnoseResult.decode(diagnosis.encode())
    assert decoded == diagnosis and decoded.fault_owner is FaultOwner.LOCK_CASE
