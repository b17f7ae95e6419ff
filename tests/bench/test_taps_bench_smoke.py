"""Smoke test of the tap-count benchmark (bench/taps.py): every journey runs to its end in
headless Chromium and reports its counts; the counts are figures, checked for shape only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.sync.harness import ROOT
from tests.browser.harness import require_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_every_journey_is_counted(tmp_path: Path) -> None:
    require_playwright()
    out = tmp_path / "taps.json"
    command = [sys.executable, "-m", "bench.taps", "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    journeys = json.loads(out.read_text())["journeys"]
    assert set(journeys) == {
        "logged_call",
        "battery_order_from_lock",
        "completed_installation",
        "completed_without_the_lock",
    }
    for figures in journeys.values():
        assert figures["taps"] == len(figures["steps"]) > 0
        assert figures["scrolls"] >= 0
