"""Smoke test of the PWA benchmark (bench/pwa.py): a tiny run end to end in headless Chromium,
figures checked for shape only, never for speed. PouchDB runs too when bench/node's
node_modules is installed and ``node`` is on the path (``npm ci`` alone takes about a minute)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.sync.harness import NODE_DIR, ROOT
from tests.browser.harness import require_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PER_FITTER = 4


def test_quick_pwa_bench_writes_every_figure(tmp_path: Path) -> None:
    require_playwright()
    with_pouchdb = (NODE_DIR / "node_modules" / "pouchdb-server").exists() and bool(
        shutil.which("node")
    )
    out = tmp_path / "pwa.json"
    command = [
        sys.executable,
        "-m",
        "bench.pwa",
        *("--per-fitter", str(PER_FITTER), "--repeats", "1"),
        *("--cache", str(tmp_path / "cache"), "--json", str(out)),
    ]
    if not with_pouchdb:
        command.append("--ours-only")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "initial sync into IndexedDB" in done.stdout
    result = json.loads(out.read_text())
    assert result["per_fitter_orders"] == PER_FITTER
    assert result["cold_start_offline_ms"]["median"] > 0
    shell = result["js_css_bytes"]["shell"]
    assert 0 < shell["gzip"] < shell["raw"]
    assert result["js_css_bytes"]["first_visit"]["files"] > 0
    sync = result["initial_sync"]
    assert sync["held"]["ours_orders"] == PER_FITTER
    assert sync["ours_s"] > 0
    if with_pouchdb:
        assert sync["held"]["pouchdb_docs"] == PER_FITTER
        assert sync["ratio"] is not None and sync["pouchdb_adapter"] == "idb"
