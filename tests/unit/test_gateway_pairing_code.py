"""The local API's pairing code: lifetime, one use, and the wrong-code throttle per source with
a bound per code (pure)."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from gateway.local_api.pairing import (
    CODE_LIFETIME_S,
    MAX_WRONG_CODES,
    MAX_WRONG_CODES_PER_CODE,
    WRONG_CODE_PAUSE_S,
    WRONG_CODE_WINDOW_S,
    PairingCodeGate,
    PairingRefusal,
    Source,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gate(clock: Clock) -> PairingCodeGate:
    return PairingCodeGate(clock=clock, rng=lambda _n: 4321)


def refusal(g: PairingCodeGate, code: str, source: Source = ("", "")) -> str:
    with pytest.raises(PairingRefusal) as refused:
        g.check(code, source)
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


APP: Source = ("127.0.0.1", "https://app.lockwork.test")


def test_a_strangers_wrong_codes_pause_only_the_stranger() -> None:
    clock = Clock()
    g = gate(clock)
    g.new_code()
    for _ in range(MAX_WRONG_CODES):
        assert refusal(g, "999999", ("192.168.1.66", "")) == "wrong_code"
    with pytest.raises(PairingRefusal) as paused:
        g.check("004321", ("192.168.1.66", ""))
    assert paused.value.code == "too_many_attempts"
    # The same address under the app's origin, and the app itself, are other sources.
    assert refusal(g, "999999", ("192.168.1.66", APP[1])) == "wrong_code"
    g.check("004321", APP)


def test_a_source_pauses_longer_each_time() -> None:
    clock = Clock()
    g = gate(clock)
    g.new_code()
    stranger: Source = ("10.0.0.9", "")
    for pause in (WRONG_CODE_PAUSE_S, 2 * WRONG_CODE_PAUSE_S, 4 * WRONG_CODE_PAUSE_S):
        for _ in range(MAX_WRONG_CODES):
            assert refusal(g, "999999", stranger) == "wrong_code"
        with pytest.raises(PairingRefusal) as paused:
            g.check("999999", stranger)
        assert paused.value.retry_after_s == pytest.approx(pause)
        clock.now += pause
    g.check("004321", APP)


def test_a_code_is_withdrawn_after_its_budget_of_wrong_guesses_from_all_sources() -> None:
    clock = Clock()
    g = gate(clock)
    g.new_code()
    outcomes = [
        refusal(g, "999999", (f"10.0.{i // MAX_WRONG_CODES}.{i % MAX_WRONG_CODES}", ""))
        for i in range(MAX_WRONG_CODES_PER_CODE)
    ]
    assert outcomes[:-1] == ["wrong_code"] * (MAX_WRONG_CODES_PER_CODE - 1)
    assert outcomes[-1] == "pairing_code_withdrawn" and g.withdrawn
    assert refusal(g, "004321", APP) == "pairing_code_withdrawn"
    assert g.new_code() == "004321" and not g.withdrawn  # the fitter asks at the gateway
    g.check("004321", APP)


def test_one_source_at_full_speed_cannot_withdraw_a_code() -> None:
    """Guess, wait out each pause to the second, guess again, for the code's whole life."""
    clock = Clock()
    g = gate(clock)
    g.new_code()
    stranger: Source = ("10.0.0.9", "")
    guesses = 0
    while g.seconds_left() > 0:
        try:
            g.check("999999", stranger)
        except PairingRefusal as refused:
            assert refused.code != "pairing_code_withdrawn"
            if refused.code == "too_many_attempts":
                clock.now += refused.retry_after_s
            else:
                guesses += 1
    assert MAX_WRONG_CODES < guesses < MAX_WRONG_CODES_PER_CODE


class GuessingAtTheGate(RuleBasedStateMachine):
    """Strangers on many addresses guess, time passes, the fitter asks for new codes.

    After every step: no code was compared with more than MAX_WRONG_CODES_PER_CODE wrong
    guesses (the odds bound, whatever the number of sources); no single source ever withdrew
    a code by itself; and the app, which never guesses wrong, pairs whenever the code is live.
    """

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.gate = gate(self.clock)
        self.gate.new_code()
        self.compared_wrong = 0  # for the current code
        self.guessers: set[Source] = set()  # sources with a wrong guess at the current code

    def _new_code(self) -> None:
        self.gate.new_code()
        self.compared_wrong = 0
        self.guessers.clear()

    @rule(
        address=st.sampled_from([f"10.0.0.{i}" for i in range(12)] + ["127.0.0.1"]),
        origin=st.sampled_from(["", "https://app.lockwork.test", "https://other.test"]),
        times=st.integers(1, 2 * MAX_WRONG_CODES),
    )
    def stranger_guesses(self, address: str, origin: str, times: int) -> None:
        source = (address, origin)
        if source == APP:
            return  # the app's own source is the fitter's
        for _ in range(times):
            was_withdrawn = self.gate.withdrawn
            with pytest.raises(PairingRefusal) as refused:
                self.gate.check("999999", source)
            if refused.value.code == "wrong_code" or (
                refused.value.code == "pairing_code_withdrawn" and not was_withdrawn
            ):
                self.compared_wrong += 1
                self.guessers.add(source)

    @rule(seconds=st.floats(0, 2 * WRONG_CODE_PAUSE_S))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds
        if self.gate.seconds_left() <= 0:
            self._new_code()

    @rule()
    def fitter_asks_for_a_new_code(self) -> None:
        self._new_code()

    @rule()
    def app_pairs(self) -> None:
        if self.gate.withdrawn or self.gate.seconds_left() <= 0:
            return
        self.gate.check("004321", APP)
        self._new_code()

    @invariant()
    def odds_are_bounded(self) -> None:
        assert self.compared_wrong <= MAX_WRONG_CODES_PER_CODE

    @invariant()
    def one_source_cannot_withdraw_a_code(self) -> None:
        if self.gate.withdrawn:
            assert len(self.guessers) > 1


GuessingAtTheGate.TestCase.settings = settings(
    max_examples=150, stateful_step_count=60, deadline=None
)
TestGuessingAtTheGate = GuessingAtTheGate.TestCase
