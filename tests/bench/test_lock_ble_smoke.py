"""Smoke test of the lock BLE benchmark: a small run end to end, figures checked for shape only.

Timings are never asserted; the ATT counts must be real (greater than zero, and the same in
every sample, since the protocol's exchange does not vary).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ble

ROOT = Path(__file__).resolve().parents[2]
# A quick run: one sample after the warm-up, a hub pass over two locks.
SMOKE_TIMEOUT_S = 120


def test_quick_lock_bench_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "lock_ble.json"
    command = [sys.executable, "-m", "bench.lock_ble", "--repeats", "2", "--locks", "2"]
    done = subprocess.run(
        [*command, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "wake -> battery" in done.stdout and "hub pass, 2 locks" in done.stdout
    result = json.loads(out.read_text())
    assert result["repeats"] == 2
    for name in ("wake_to_battery", "pairing", "hub_pass"):
        figure = result[name]
        assert figure["att_round_trips"] > 0 and figure["att_notifications"] > 0
        assert not figure["att_round_trips_varied"]
        assert len(figure["ms_samples"]) == 2 and figure["ms_median"] > 0
    assert result["hub_pass"]["locks"] == 2
    # A hub pass is one wake -> battery exchange per lock (the locks are awake already).
    assert result["hub_pass"]["att_round_trips"] == 2 * result["wake_to_battery"]["att_round_trips"]
