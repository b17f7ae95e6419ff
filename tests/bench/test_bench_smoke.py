"""Smoke test of the sync benchmark: a small run end to end, figures checked for shape only.

Timings are never asserted. PouchDB runs too when ``bench/node/node_modules`` is installed and
``node`` is on the path; otherwise the run is ``--ours-only`` (``npm ci`` alone takes about a
minute here, longer than this test may).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.sync.harness import NODE_DIR, ROOT
from bench.sync.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def test_quick_bench_writes_every_scenario(tmp_path: Path) -> None:
    with_pouchdb = (NODE_DIR / "node_modules" / "pouchdb-server").exists() and bool(
        shutil.which("node")
    )
    out = tmp_path / "bench.json"
    command = [
        sys.executable,
        "-m",
        "bench.sync_vs_pouchdb",
        "--quick",
        "--orders",
        "200",
        "--repeats",
        "1",
        "--skip-scale",
        "--cache",
        str(tmp_path / "cache"),
        "--json",
        str(out),
    ]
    if not with_pouchdb:
        command.append("--ours-only")
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=58, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["orders"] == 200
    scenarios = result["scenarios"]
    assert set(SCENARIOS) <= set(scenarios)
    for key in SCENARIOS:
        assert {"ours", "pouchdb", "ratio", "unit"} <= set(scenarios[key]), key
    assert scenarios["S6"]["doubles"] == 0
    assert scenarios["S6"]["lost"] == 0
    assert scenarios["S6"]["sent"] > scenarios["S6"]["mutations"]  # duplicates were sent
    assert scenarios["S7"]["removed_share"] == 1.0
    assert scenarios["S7"]["present_share"] == 1.0
    assert scenarios["S7"]["pouchdb"] is None
    assert scenarios["S8"]["errors"] == 0
    assert scenarios["S3_scale"]["ours"] is None  # skipped
    if with_pouchdb:
        assert scenarios["S1"]["pouchdb"] is not None
        assert scenarios["S6"]["pouchdb_doubles"] == 0
    else:
        assert scenarios["S1"]["pouchdb"] is None
    assert "scenario" in done.stdout  # the printed table
