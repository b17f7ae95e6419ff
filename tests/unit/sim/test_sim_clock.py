"""The simulator's test-driven clock: timers fire in order, at their due time, once."""

from __future__ import annotations

import pytest

from firmware_sim.clock import ManualClock, SystemClock, as_sim_clock


def test_advance_fires_due_timers_in_order_at_their_time() -> None:
    clock = ManualClock(now=1000.0)
    fired: list[tuple[str, float]] = []
    clock.call_later(2.0, lambda: fired.append(("late", clock.time())))
    clock.call_later(0.5, lambda: fired.append(("early", clock.time())))
    cancelled = clock.call_later(1.0, lambda: fired.append(("cancelled", clock.time())))
    cancelled.cancel()

    clock.advance(1.5)
    assert fired == [("early", 1000.5)]
    assert clock.time() == clock.monotonic() == 1001.5

    clock.advance(0.5)
    assert fired == [("early", 1000.5), ("late", 1002.0)]
    clock.advance(10.0)
    assert len(fired) == 2


def test_a_timer_set_by_a_timer_fires_in_the_same_advance_when_due() -> None:
    clock = ManualClock(now=0.0)
    fired: list[float] = []
    clock.call_later(1.0, lambda: clock.call_later(1.0, lambda: fired.append(clock.time())))
    clock.advance(3.0)
    assert fired == [2.0]


def test_time_does_not_go_back() -> None:
    with pytest.raises(ValueError, match="back"):
        ManualClock().advance(-1.0)


def test_a_plain_time_function_is_the_real_clock_with_that_wall_time() -> None:
    clock = as_sim_clock(lambda: 42.0)
    assert isinstance(clock, SystemClock) and clock.time() == 42.0
    manual = ManualClock()
    assert as_sim_clock(manual) is manual
