"""Every progress step has an English and a Swedish text, and a line is its English text."""

from __future__ import annotations

import string

from gateway.progress import MESSAGES, Progress, Step


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_step_has_both_languages_with_the_same_fields() -> None:
    assert set(MESSAGES) == set(Step)
    for step, (english, swedish) in MESSAGES.items():
        assert english and swedish and english != swedish, step
        assert _fields(english) == _fields(swedish), step


def test_a_progress_line_is_its_english_text_and_carries_swedish() -> None:
    line = Progress.of(Step.TOUCH_TO_WAKE, lock="LW-ABC234", seconds="30")
    assert line == "Touch lock LW-ABC234 to wake it (waiting up to 30 s)"
    assert line.message_en == str(line) and line.startswith("Touch lock")
    assert line.step is Step.TOUCH_TO_WAKE
    assert line.message_sv == "Tryck på låset LW-ABC234 för att väcka det (väntar upp till 30 s)"
