"""The back office's shifts (server.activity.shifts): reading LOCKWORK_SHIFTS, and which shift
a closing falls in."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.activity.shifts import DEFAULT_SHIFTS, ShiftsInvalid, parse_shifts, shift_of
from server.errors import ConfigurationError
from server.settings import load_settings


def test_the_default_covers_the_day_and_night_over_midnight() -> None:
    shifts = parse_shifts(DEFAULT_SHIFTS)
    assert [s.name for s in shifts] == ["Dag", "Kväll", "Natt"]
    names = {
        at: shift_of(shifts, at).name
        for at in (time(7), time(15, 59), time(16), time(23, 30), time(0), time(6, 59))
    }  # type: ignore[union-attr]
    assert names == {
        time(7): "Dag",
        time(15, 59): "Dag",
        time(16): "Kväll",
        time(23, 30): "Natt",
        time(0): "Natt",
        time(6, 59): "Natt",
    }


def test_a_gap_between_shifts_is_no_shift() -> None:
    shifts = parse_shifts("Förmiddag 08:00-12:00,  Eftermiddag 13:00-17:00")
    assert shift_of(shifts, time(12, 30)) is None
    assert shift_of(shifts, time(13)).name == "Eftermiddag"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "No shifts"),
        ("Dag", "is not a shift"),
        ("Dag 07:00", "is not a shift"),
        ("Dag 25:00-16:00", "not a time of day"),
        ("Dag 07:00-07:00", "starts when it ends"),
        ("Dag 07:00-16:00, Dag 16:00-22:00", "Two shifts"),
        ("Dag 07:00-16:00, Sen 15:00-22:00", "overlap"),
        ("Natt 22:00-07:00, Tidig 06:00-09:00", "overlap"),
    ],
)
def test_bad_shifts_are_refused_with_what_to_write(text: str, says: str) -> None:
    with pytest.raises(ShiftsInvalid, match=says):
        parse_shifts(text)


def test_the_setting_is_checked_at_start_up(tmp_path) -> None:
    with pytest.raises(ConfigurationError, match="LOCKWORK_SHIFTS"):
        load_settings({}, data_dir=str(tmp_path), shifts="Dag 07:00-16:00, Dag2 08:00-09:00")
    assert load_settings({}, data_dir=str(tmp_path)).shift_list == parse_shifts(DEFAULT_SHIFTS)


minute = st.integers(min_value=0, max_value=24 * 60 - 1)


@given(st.lists(st.tuples(minute, minute), min_size=1, max_size=5), minute)
def test_a_time_is_in_at_most_one_shift_and_in_the_one_found(
    spans: list[tuple[int, int]], at_minute: int
) -> None:
    text = ", ".join(
        f"S{i} {a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
        for i, (a, b) in enumerate(spans)
    )
    try:
        shifts = parse_shifts(text)
    except ShiftsInvalid:
        return  # overlapping or empty spans: refused, which the examples above pin
    at = time(at_minute // 60, at_minute % 60)
    covering = [s for s in shifts if s.covers(at)]
    assert len(covering) <= 1
    found = shift_of(shifts, at)
    assert (found is None) == (not covering)
    if found is not None:
        start, end = found.start, found.end
        inside = start <= at < end if start < end else (at >= start or at < end)
        assert inside
