"""The local API's pairing code: lifetime, one use, and the wrong-code throttle (pure)."""

from __future__ import annotations

import pytest

from gateway.local_api.pairing import (
    CODE_LIFETIME_S,
    MAX_WRONG_CODES,
    WRONG_CODE_PAUSE_S,
    WRONG_CODE_WINDOW_S,
    PairingCodeGate,
    PairingRefusal,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gate(clock: Clock) -> PairingCodeGate:
    return PairingCodeGate(clock=clock, rng=lambda _n: 4321)


def refusal(g: PairingCodeGate, code: str) -> str:
    with pytest.raises(PairingRefusal) as refused:
        g.check(code)
    return refused.value.code


def test_code_is_six_digits_valid_ten_minutes_and_used_once() -> None:
    clock = Clock()
    g = gate(clock)
    assert g.new_code() == "004321"
    clock.now += CODE_LIFETIME_S - 1
    g.check("004321")
    assert refusal(g, "004321") == "no_pairing_code"
    g.new_code()
    clock.now += CODE_LIFETIME_S
    assert refusal(g, "004321") == "no_pairing_code"


def test_wrong_codes_pause_every_attempt_then_release() -> None:
    clock = Clock()
    g = gate(clock)
    g.new_code()
    for _ in range(MAX_WRONG_CODES):
        assert refusal(g, "999999") == "wrong_code"
    with pytest.raises(PairingRefusal) as paused:
        g.check("004321")
    assert paused.value.code == "too_many_attempts"
    assert paused.value.retry_after_s == pytest.approx(WRONG_CODE_PAUSE_S)
    clock.now += WRONG_CODE_PAUSE_S
    g.check("004321")


def test_mistakes_spread_over_time_do_not_pause() -> None:
    clock = Clock()
    g = gate(clock)
    g.new_code()
    for _ in range(3 * MAX_WRONG_CODES):
        assert refusal(g, "999999") == "wrong_code"
        clock.now += WRONG_CODE_WINDOW_S / (MAX_WRONG_CODES - 1)
    g.check("004321")
