"""Smoke test of the bulk-letter benchmark: a few letters through a real server's job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.sync.harness import ROOT


def test_letter_job_bench_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "letter_job.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.letter_job", "--letters", "4", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["letters"] == figures["made"] == 4 and figures["refused"] == 0
    for key in ("job_seconds", "letters_mb", "merged_mb", "server_peak_rss_mb"):
        assert figures[key] > 0, key
    # The tray holds these and the demo's unprinted letters; the merged file all of them.
    assert figures["tray_letters"] >= 4
