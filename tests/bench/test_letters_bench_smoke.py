"""Smoke test of the letters benchmark: a small run end to end, figures checked for shape only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_letters_bench_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "letters.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.letters", "--letters", "12", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())
    assert figures["letters"] == 12
    for key in ("render_seconds", "letters_mb", "merge_seconds", "merged_mb", "peak_rss_mb"):
        assert figures[key] > 0, key
    assert "render, one PDF each" in done.stdout
