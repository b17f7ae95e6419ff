"""`lockwork-sim` as separate processes: the simulator owns the radio hub, a gateway central
attaches over TCP, and the CLI wakes a lock through the control channel."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from firmware_sim.__main__ import main
from gateway.ble.connection import LockLink, LockRegistry
from gateway.ble.radio import open_radio
from lock_protocol.gatt import BATTERY_LEVEL, NAME_PREFIX, short_serial_for

pytestmark = pytest.mark.ble

REPO_ROOT = Path(__file__).resolve().parents[3]
# The simulator imports bleak's neighbours and Bumble (~0.5 s) and makes its locks; 20 s is
# ample on a busy CI machine.
START_TIMEOUT_S = 20.0
# A clean shutdown closes the control channel, the locks and the hub: milliseconds.
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 20.0
# An asleep lock must not be connectable: a connect attempt this long sees many beacons.
ASLEEP_CONNECT_S = 0.3


def free_port_pair() -> int:
    """A port P with P + 1 free too (the radio hub and the default control channel)."""
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


def sim_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firmware_sim", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


class Simulator:
    def __init__(self, process: asyncio.subprocess.Process, serials: list[str], authority: str):
        self.process = process
        self.serials = serials
        self.authority = authority


@pytest.fixture
async def simulator(tmp_path: Path) -> AsyncIterator[tuple[Simulator, int, Path]]:
    port = free_port_pair()
    data_dir = tmp_path / "sim"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "firmware_sim",
        "run",
        "--locks",
        "2",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    async with asyncio.timeout(START_TIMEOUT_S):
        serials = [(await process.stdout.readline()).decode().strip() for _ in range(2)]
        authority_line = (await process.stdout.readline()).decode().strip()
    label, authority = authority_line.split(": ")
    assert label == "factory-authority-public-key"
    try:
        yield Simulator(process, serials, authority), port, data_dir
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_simulator_process_with_gateway_central_and_cli(
    simulator: tuple[Simulator, int, Path],
) -> None:
    sim, port, data_dir = simulator
    assert len(set(sim.serials)) == 2
    assert (data_dir / "factory_authority.pub").read_text().strip() == sim.authority
    name = NAME_PREFIX + short_serial_for(sim.serials[0])

    async with await open_radio(f"bumble:tcp-client:127.0.0.1:{port}") as radio:
        registry = LockRegistry()
        touched = await asyncio.to_thread(sim_cli, "touch", sim.serials[0], "--port", str(port))
        assert touched.returncode == 0, touched.stderr
        assert "awake" in touched.stdout
        async with LockLink(radio, registry, name=name) as link:
            level = await link.read(str(BATTERY_LEVEL))
        assert 0 < level[0] <= 100

    # The status command finds the running simulator through the data folder alone.
    status = await asyncio.to_thread(sim_cli, "status", "--json", "--data-dir", str(data_dir))
    assert status.returncode == 0, status.stderr
    assert sim.serials[0] in status.stdout and sim.serials[1] in status.stdout

    sim.process.terminate()
    async with asyncio.timeout(STOP_TIMEOUT_S):
        assert await sim.process.wait() == 0
    assert not (data_dir / "control.json").exists()


def test_commands_without_a_running_simulator_say_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["touch", "ABC234", "--data-dir", str(tmp_path)]) == 2
    assert "Start it with: lockwork-sim run" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [None, "run", "touch", "battery", "fault", "pair-button", "status", "operator-cert"]
)
def test_every_command_has_help(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*([command] if command else []), "--help"])
    assert exited.value.code == 0
    assert "usage: lockwork-sim" in capsys.readouterr().out
