"""`lockwork-gateway hub --once` as a process, on the simulator's radio hub (a process too).

The locks are paired through `lockwork-gateway pair` (which records them as known), with a
development authority the simulator's factory vouches for. Two locks are still awake from
their pairing, one is silent (flat battery): the round reads the two, logs the third as a
failure and goes on, and exits 1 with the summary as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.dev_authority import OPERATOR_CERT_FILE, DevAuthority
from server.demo_stack import Child, start_simulator

pytestmark = pytest.mark.ble

# One CLI command: about a second of imports, then milliseconds on the virtual radio.
CLI_TIMEOUT_S = 60.0
SERIALS = ("LW-700001", "LW-700002", "LW-700003")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("LOCKWORK_")},
    )


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    child: Child | None = None
    try:
        child, port = start_simulator(tmp_path / "sim", 0, SERIALS, os.environ)
        yield tmp_path / "sim", port
    finally:
        if child is not None:
            child.stop()


def test_hub_once_reads_what_answers(tmp_path: Path, simulator: tuple[Path, int]) -> None:
    sim_dir, port = simulator
    dev = tmp_path / "dev"
    key = DevAuthority.load_or_create_key(dev)
    cert = run(
        "-m", "firmware_sim", "operator-cert", "--server-public-key", key.public_key.hex(),
        "--data-dir", str(sim_dir),
    )  # fmt: skip
    assert cert.returncode == 0, cert.stderr
    (dev / OPERATOR_CERT_FILE).write_text(cert.stdout)
    common = [
        "--radio", f"bumble:tcp-client:127.0.0.1:{port}",
        "--data-dir", str(tmp_path / "gateway"),
        "--factory-authority", str(sim_dir / "factory_authority.pub"),
    ]  # fmt: skip

    def sim(*args: str) -> None:
        done = run("-m", "firmware_sim", *args, "--data-dir", str(sim_dir))
        assert done.returncode == 0, done.stderr

    for serial in SERIALS:
        ticket = tmp_path / "ticket.hex"
        ticket.write_text(DevAuthority.load(dev).ticket().hex())
        sim("pair-button", serial)
        paired = run("-m", "gateway", "pair", serial, "--ticket", str(ticket), *common)
        assert paired.returncode == 0, paired.stderr
    known = json.loads((tmp_path / "gateway" / "known_locks.json").read_text())
    assert sorted(lock["serial"] for lock in known) == sorted(SERIALS)

    *awake, silent = SERIALS
    sim("battery", silent, "--percent", "0")
    done = run(
        "-m", "gateway", "hub", "--once", "--json", "--interval", "1",
        "--dev-authority", str(dev), *common,
    )  # fmt: skip
    summary: dict[str, Any] = json.loads(done.stdout)
    read = {reading["serial"] for reading in summary["read"]}
    failed = {skip["serial"]: skip["code"] for skip in summary["failed"]}
    assert read == set(awake)
    assert failed[silent] == "lock_not_heard"
    assert done.returncode == 1  # a lock failed: a scheduler sees it in the exit status
    assert "hub: round done" in done.stderr
