"""`lockwork-gateway` and `lockwork-sim run` as separate processes on the TCP radio hub.

The documented demo flow: the simulator's factory authority vouches for a development server
key (`lockwork-sim operator-cert`), the dev server signs a ticket and a credential, and the
gateway CLI does the rest with --json output. Plus input errors that say what to do.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.__main__ import main
from gateway.dev_authority import DevAuthority
from lock_protocol.crypto import PUBLIC_KEY_BYTES, SigningKey, lock_id_for
from lock_protocol.reports import verify_report

pytestmark = pytest.mark.ble

REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
# The simulator imports Bumble and makes its locks in about a second; 20 s is for a busy CI.
START_TIMEOUT_S = 20.0
# One gateway command: ~1 s of imports, then milliseconds on the virtual radio.
CLI_TIMEOUT_S = 30.0
# Sleeping locks beacon once a second (production timing in `lockwork-sim run`).
SCAN_SECONDS = "1.5"


def free_port_pair() -> int:
    import socket

    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair")


@dataclass
class Setup:
    port: int
    sim_dir: Path
    gateway_dir: Path
    serials: list[str]

    def sim(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "lockwork-sim"), *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )

    def gateway(self, *args: str) -> tuple[int, Any, str]:
        """Run one gateway command with --json; (exit status, parsed stdout, stderr)."""
        done = subprocess.run(
            [
                str(BIN / "lockwork-gateway"),
                *args,
                "--json",
                "--radio",
                f"bumble:tcp-client:127.0.0.1:{self.port}",
                "--data-dir",
                str(self.gateway_dir),
                "--factory-authority",
                str(self.sim_dir / "factory_authority.pub"),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return done.returncode, json.loads(done.stdout) if done.stdout else None, done.stderr


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    port = free_port_pair()
    sim_dir = tmp_path / "sim"
    process = await asyncio.create_subprocess_exec(
        str(BIN / "lockwork-sim"),
        "run",
        "--locks",
        "2",
        "--port",
        str(port),
        "--data-dir",
        str(sim_dir),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            serials = [(await process.stdout.readline()).decode().strip() for _ in range(2)]
            await process.stdout.readline()  # the factory authority line
        yield Setup(port, sim_dir, tmp_path / "gateway", serials)
    finally:
        process.terminate()
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_scan_pair_battery_test_diagnose_through_the_cli(setup: Setup) -> None:
    def run(*args: str) -> tuple[int, Any, str]:
        return setup.gateway(*args)

    first, _second = setup.serials
    # The development server: its key, vouched for by the simulator's factory authority.
    server_key = SigningKey(os.urandom(32))
    cert = await asyncio.to_thread(
        setup.sim,
        "operator-cert",
        "--server-public-key",
        server_key.public_key.hex(),
        "--data-dir",
        str(setup.sim_dir),
    )
    assert cert.returncode == 0, cert.stderr
    server = DevAuthority(server_key, bytes.fromhex(cert.stdout.strip()))

    status, scanned, err = await asyncio.to_thread(run, "scan", "--duration", SCAN_SECONDS)
    assert status == 0, err
    assert {lock["short_serial"] for lock in scanned["locks"]} == {s[-6:] for s in setup.serials}
    assert all(lock["factory_new"] and not lock["awake"] for lock in scanned["locks"])
    assert "Listening for locks" in err  # progress on stderr, JSON alone on stdout

    ticket = setup.gateway_dir.parent / "ticket.hex"
    ticket.write_text(server.ticket().hex() + "\n")
    pressed = await asyncio.to_thread(setup.sim, "pair-button", first, "--port", str(setup.port))
    assert pressed.returncode == 0, pressed.stderr
    status, paired, err = await asyncio.to_thread(run, "pair", first, "--ticket", str(ticket))
    assert status == 0, err
    assert paired["serial"] == first and len(paired["receipt"]) > 100
    assert "Press the pairing button" in err

    status, key, err = await asyncio.to_thread(run, "key")
    assert status == 0, err
    staff_public_key = bytes.fromhex(key["staff_public_key"])
    assert len(staff_public_key) == PUBLIC_KEY_BYTES
    credential = setup.gateway_dir.parent / "credential.hex"
    credential.write_text(
        server.credential(bytes.fromhex(paired["lock_id"]), staff_public_key).hex()
    )

    # The lock stays awake for its production wake window (30 s), so no touch is needed.
    nonce = os.urandom(16)
    status, reading, err = await asyncio.to_thread(
        run, "battery", first, "--credential", str(credential), "--server-nonce", nonce.hex()
    )
    assert status == 0, err
    lock_key = _lock_key(reading, setup)
    assert lock_id_for(lock_key).hex() == paired["lock_id"]  # the lock that was paired
    verified = verify_report(
        bytes.fromhex(reading["report"]),
        bytes.fromhex((setup.sim_dir / "factory_authority.pub").read_text().strip()),
        lock_key,
        None,
        nonce,
        time.time(),
    )
    assert verified.report.values.battery_percent == reading["percent"] > 0

    status, tested, err = await asyncio.to_thread(
        run, "test", first[-6:], "--credential", str(credential)
    )
    assert status == 0 and tested["ok"], err

    jam = await asyncio.to_thread(
        setup.sim, "fault", first, "--set", "jammed_bolt", "--port", str(setup.port)
    )
    assert jam.returncode == 0, jam.stderr
    status, failed, err = await asyncio.to_thread(
        run, "test", first, "--credential", str(credential)
    )
    assert status == 1 and failed["error"]["type"] == "BoltJammed"
    assert "lock case" in failed["error"]["message"] and "lock case" in err
    status, diagnosis, err = await asyncio.to_thread(
        run, "diagnose", first, "--credential", str(credential)
    )
    assert status == 0 and diagnosis["fault_owner"] == "lock_case", err

    status, reports, err = await asyncio.to_thread(run, "reports")
    assert status == 0, err
    assert [r["kind"] for r in reports["reports"]] == ["pairing_receipt", "lock_report"]
    assert all(r["status"] == "pending" for r in reports["reports"])

    simulated = await asyncio.to_thread(setup.sim, "status", "--json", "--port", str(setup.port))
    lock = next(x for x in json.loads(simulated.stdout)["locks"] if x["serial"] == first)
    assert lock["bolt"] == "locked" and lock["motor_runs"] == 1  # the jam moved nothing


def _lock_key(reading: dict[str, Any], setup: Setup) -> bytes:
    """The lock's public key from the report's own certificate (checked by verify_report)."""
    from lock_protocol.credentials import verify_factory_certificate
    from lock_protocol.reports import split_report

    certificate, _signed = split_report(bytes.fromhex(reading["report"]))
    authority = bytes.fromhex((setup.sim_dir / "factory_authority.pub").read_text().strip())
    return verify_factory_certificate(certificate, authority).public_key


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["battery", "LW-??", "--credential", "x"], "does not name a lock"),
        (["battery", "ABC234", "--credential", "/nonexistent"], "No credential file"),
        (["pair", "ABC234", "--ticket", "nope"], "Fetch a pairing ticket"),
        (["scan"], "does not know which locks to trust"),
    ],
)
def test_bad_input_says_what_to_do(
    argv: list[str],
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOCKWORK_GATEWAY_FACTORY_AUTHORITY", raising=False)
    authority = [] if argv == ["scan"] else ["--factory-authority", "00" * 32]
    code = main([*argv, "--json", "--data-dir", str(tmp_path), *authority])
    out = capsys.readouterr()
    assert code == 2
    assert expected in out.err and expected in json.loads(out.out)["error"]["message"]


@pytest.mark.parametrize(
    "command", [None, "scan", "wake", "battery", "pair", "unpair", "test", "log", "diagnose"]
)
def test_every_command_has_help_with_the_credential_recipe(
    command: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*([command] if command else []), "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "usage: lockwork-gateway" in text and "lockwork-sim operator-cert" in text
