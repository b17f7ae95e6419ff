"""Booking codes: entropy by construction, the printed form reads back, no look-alikes."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from server.booking import codes

# Written out by hand, not taken from the module: the characters a reader confuses.
LOOK_ALIKES_BY_HAND = set("0OQ1ILBGSZ")

code_strategy = st.text(alphabet=codes.ALPHABET, min_size=codes.LENGTH, max_size=codes.LENGTH)


def test_entropy_is_at_least_40_bits_by_construction() -> None:
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 26
    assert codes.LENGTH * math.log2(len(set(codes.ALPHABET))) >= 40


def test_the_alphabet_has_no_look_alikes_and_only_upper_case_ascii() -> None:
    assert not set(codes.ALPHABET) & LOOK_ALIKES_BY_HAND
    assert all(c.isascii() and (c.isdigit() or c.isupper()) for c in codes.ALPHABET)


def test_new_codes_use_every_symbol_everywhere_and_do_not_repeat() -> None:
    drawn = [codes.new_code() for _ in range(6000)]
    assert len(set(drawn)) == len(drawn)
    for code in drawn:
        assert codes.is_code(code)
        assert not set(code) & LOOK_ALIKES_BY_HAND
    # Each position draws from the whole alphabet, roughly evenly (expected 6000/26 ≈ 231).
    for position in range(codes.LENGTH):
        counts = Counter(code[position] for code in drawn)
        assert set(counts) == set(codes.ALPHABET)
        assert min(counts.values()) > 150


def test_printed_in_three_groups() -> None:
    assert codes.format_code("K7RHM3XPR") == "K7R-HM3-XPR"
    assert codes.spoken_groups("K7RHM3XPR") == "K7R HM3 XPR"


@given(code_strategy)
def test_normalise_reads_the_printed_form_back(code: str) -> None:
    assert codes.normalise(codes.format_code(code)) == code
    assert codes.normalise(codes.spoken_groups(code)) == code
    assert codes.normalise(code) == code


@given(code_strategy, st.data())
def test_normalise_ignores_case_and_separators(code: str, data: st.DataObject) -> None:
    typed = []
    for char in code:
        typed.append(data.draw(st.sampled_from([char, char.lower()])))
        typed.append(data.draw(st.sampled_from(["", " ", "-", "  ", ".", "\u2013"])))
    assert codes.normalise(" " + "".join(typed) + " ") == code


@given(code_strategy)
def test_letters_left_out_for_a_digit_are_read_as_that_digit(code: str) -> None:
    typed = code.replace("8", "B").replace("6", "g").replace("5", "S").replace("2", "z")
    assert codes.normalise(typed) == code


@given(st.text(max_size=30))
def test_normalise_never_yields_a_forbidden_character_or_a_wrong_length(text: str) -> None:
    result = codes.normalise(text)
    if result is not None:
        assert codes.is_code(result)
        assert not set(result) & LOOK_ALIKES_BY_HAND


def test_ambiguous_and_wrong_inputs_are_not_guessed() -> None:
    for typed in (
        "K7R-HM3-XP",
        "K7R-HM3-XPRA",
        "K7R-HM3-XP0",
        "K7R-HM3-XPO",
        "K1R-HM3-XPR",
        "KIR-HM3-XPR",
        "K7R-HM3-XPÅ",
        "",
        "OK",
    ):
        assert codes.normalise(typed) is None, typed
    # Full-width letters from an East Asian keyboard are the same symbols.
    assert codes.normalise("Ｋ７Ｒ ＨＭ３ ＸＰＲ") == "K7RHM3XPR"
