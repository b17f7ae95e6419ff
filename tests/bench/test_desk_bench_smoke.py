"""Smoke test of the desk benchmark (bench/desk.py): a tiny board end to end in headless
Chromium, figures checked for shape only, never for speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.sync.harness import ROOT
from tests.browser.harness import require_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ORDERS = 200


def test_quick_desk_bench_writes_every_figure(tmp_path: Path) -> None:
    require_playwright()
    out = tmp_path / "desk.json"
    command = [
        sys.executable,
        "-m",
        "bench.desk",
        *("--orders", str(ORDERS), "--repeats", "1"),
        *("--cache", str(tmp_path / "cache"), "--json", str(out)),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "first render" in done.stdout
    result = json.loads(out.read_text())
    assert result["orders"] == ORDERS and result["fitters"] == 50
    assert result["planned_visits"] + result["queue_orders"] == ORDERS
    assert result["first_render_ms"]["median"] > 0
    assert result["apply_drag_ms"]["median"] > 0
    assert result["api_bytes_first_render"]["median"] > 0
    code = result["desk_code_bytes"]
    assert 0 < code["gzip"] < code["raw"]
