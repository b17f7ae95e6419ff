"""The battery model: the voltage curve, drain, stages, sag under load, death."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_sim.battery import (
    CUTOFF_MV,
    DISCHARGE_CURVE,
    DRAIN_UAH,
    FULL_MV,
    Battery,
    BatteryStage,
    Operation,
    mv_for_percent,
    percent_for_mv,
)
from firmware_sim.errors import InvalidRequestError

VOLTAGES = st.floats(min_value=-1000.0, max_value=6000.0, allow_nan=False)
PERCENTS = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


def test_the_curve_table_is_strictly_increasing_in_both_columns() -> None:
    for (mv0, p0), (mv1, p1) in itertools.pairwise(DISCHARGE_CURVE):
        assert mv0 < mv1 and p0 < p1
    assert DISCHARGE_CURVE[0][1] == 0.0 and DISCHARGE_CURVE[-1][1] == 100.0


@given(VOLTAGES, VOLTAGES)
def test_percent_is_monotonic_in_voltage_over_the_whole_range(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert percent_for_mv(low) <= percent_for_mv(high)


@given(VOLTAGES)
def test_percent_is_bounded(mv: float) -> None:
    assert 0.0 <= percent_for_mv(mv) <= 100.0


@given(PERCENTS)
def test_voltage_for_percent_is_the_inverse(percent: float) -> None:
    mv = mv_for_percent(percent)
    assert CUTOFF_MV <= mv <= FULL_MV
    assert percent_for_mv(mv) == pytest.approx(percent, abs=1e-6)


@given(st.integers(min_value=-10, max_value=2_000_000))
def test_reported_percent_and_stage_for_any_charge(charge: int) -> None:
    battery = Battery()
    battery.set_percent(min(100.0, max(0.0, charge / 15_000)))
    assert 0 <= battery.percent <= 100
    assert (battery.percent == 0) == battery.dead == (battery.stage is BatteryStage.DEAD)


def test_a_motor_run_costs_more_than_a_read_and_drain_lowers_the_level() -> None:
    assert DRAIN_UAH[Operation.MOTOR_RUN] > DRAIN_UAH[Operation.MOTOR_ABORT]
    assert DRAIN_UAH[Operation.MOTOR_ABORT] > DRAIN_UAH[Operation.READ]
    motor, reads = Battery(), Battery()
    for _ in range(100):
        motor.drain(Operation.MOTOR_RUN)
        reads.drain(Operation.READ)
    assert motor.state.charge_uah < reads.state.charge_uah < Battery().state.charge_uah
    assert motor.voltage_mv <= reads.voltage_mv


def test_draining_to_the_end_is_a_dead_battery() -> None:
    battery = Battery()
    battery.set_percent(0.02)
    stages = []
    while not battery.dead:
        stages.append(battery.stage)
        battery.drain(Operation.MOTOR_RUN)
    assert battery.percent == 0 and battery.stage is BatteryStage.DEAD
    assert not battery.check_motor_load().allowed
    battery.drain(Operation.MOTOR_RUN)  # no negative charge
    assert battery.state.charge_uah == 0


@pytest.mark.parametrize(
    ("percent", "stage", "low"),
    [
        (100, BatteryStage.HIGH, False),
        (45, BatteryStage.MEDIUM, False),
        (20, BatteryStage.LOW, True),
        (8, BatteryStage.VERY_LOW, True),
        (3, BatteryStage.EMPTY, True),
    ],
)
def test_staged_low_battery_flag(percent: int, stage: BatteryStage, low: bool) -> None:
    battery = Battery()
    battery.set_percent(percent)
    assert battery.stage is stage and battery.low is low


def test_the_last_stage_blocks_the_motor_but_the_one_before_does_not() -> None:
    battery = Battery()
    battery.set_percent(8)
    assert battery.check_motor_load().allowed
    battery.set_percent(3)
    assert not battery.check_motor_load().allowed


def test_a_weak_cell_reads_fine_at_rest_and_sags_under_the_motor() -> None:
    healthy, weak = Battery(), Battery(weak=True)
    for battery in (healthy, weak):
        battery.set_percent(80)
    assert healthy.percent == weak.percent
    assert healthy.check_motor_load().allowed
    check = weak.check_motor_load()
    assert not check.allowed and check.loaded_mv < healthy.check_motor_load().loaded_mv


def test_a_percent_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidRequestError):
        Battery().set_percent(101)
