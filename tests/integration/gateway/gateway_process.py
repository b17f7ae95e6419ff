"""`lockwork-gateway serve` as its own process, next to `lockwork-sim run`, for tests that must
meet the gateway exactly as an app, a web page or another device on the network would.

The processes are started by the functions `make demo` uses (server.demo_stack). Tickets and
credentials come from the development authority (its key vouched for by the simulator's
factory, through `lockwork-sim operator-cert`), or from a real server where a test passes one.
The simulated lock's own account (`lockwork-sim status`) says whether the door moved.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server.demo_stack import Child, spawn, start_simulator
from tests.live_server import free_port

# The app's origin in these tests (passed to --allow-origin).
APP_ORIGIN = "https://app.lockwork.test"
# One CLI call: ~1 s of imports on two busy cores; the bound only turns a hang into a failure.
CLI_TIMEOUT_S = 60.0
# A Bluetooth operation on the virtual radio takes about a second; the bound stops a hang.
OPERATION_BOUND_S = 60.0
POLL_S = 0.05
# What `lockwork-sim status` says about the door: these must not change when a request is
# refused.
DOOR_FIELDS = ("bolt", "bolt_movements", "motor_runs", "command_counter")


def run_module(module: str, *args: str, env: Mapping[str, str] | None = None) -> str:
    """``python -m module args``; its stdout (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
        env=dict(env) if env is not None else None,
    )
    assert done.returncode == 0, f"{module} {args}: {done.stderr}"
    return done.stdout


def sim(sim_dir: Path, *args: str) -> str:
    return run_module("firmware_sim", *args, "--data-dir", str(sim_dir))


@dataclass
class GatewayProcess:
    """A running `lockwork-gateway serve` and the simulator it talks to."""

    child: Child
    port: int
    data_dir: Path
    sim_dir: Path
    serial: str
    codes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_code(self) -> str:
        """A new pairing code, asked for as the fitter does (`lockwork-gateway pairing-code`)."""
        run_module("gateway", "pairing-code", "--port", str(self.port))
        self.codes.append(self.child.wait_for_line("pairing code:").split()[0])
        return self.codes[-1]

    def pair(self, code: str | None = None, **headers: str) -> str:
        """Pair as the app (its Origin) with the current code; the token."""
        answer = httpx.post(
            self.url + "/api/pair",
            json={"code": code or self.codes[-1]},
            headers={"Origin": APP_ORIGIN, **headers},
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["token"])

    def run(self, token: str, kind: str, **extra: Any) -> dict[str, Any]:
        """Start an operation on the lock and poll it to its end, as the app does."""
        auth = {"Authorization": f"Bearer {token}", "Origin": APP_ORIGIN}
        body = {"kind": kind, "serial": self.serial, **extra}
        started = httpx.post(self.url + "/api/operations", json=body, headers=auth)
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + OPERATION_BOUND_S
        while time.monotonic() < deadline:
            record = httpx.get(
                self.url + f"/api/operations/{started.json()['id']}", headers=auth
            ).json()
            if record["state"] != "running":
                return record  # type: ignore[no-any-return]
            time.sleep(POLL_S)
        raise AssertionError(f"{kind} still running after {OPERATION_BOUND_S} s")

    def woken_door(self) -> dict[str, Any]:
        """The door now, with the lock woken, so that a request that got through would move it."""
        door = self.door()
        sim(self.sim_dir, "touch", self.serial)
        return door

    def door(self) -> dict[str, Any]:
        """The lock's bolt and counters, as the simulated lock itself reports them."""
        status = json.loads(sim(self.sim_dir, "status", "--json"))
        lock = next(x for x in status["locks"] if x["serial"] == self.serial)
        return {name: lock[name] for name in DOOR_FIELDS}

    def tokens_cli(self, *args: str) -> Any:
        """`lockwork-gateway tokens ...` on this gateway's data folder, while it runs."""
        out = run_module("gateway", "tokens", *args, "--json", "--data-dir", str(self.data_dir))
        return json.loads(out)


@contextmanager
def simulator(sim_dir: Path, serial: str, env: Mapping[str, str]) -> Iterator[int]:
    """`lockwork-sim run` with one lock; its radio port."""
    child, port = start_simulator(sim_dir, 0, (serial,), env)
    try:
        yield port
    finally:
        child.stop()


def dev_authority(folder: Path, sim_dir: Path) -> Path:
    """A development authority whose key the simulator's factory vouches for."""
    key = run_module("gateway.dev_authority", "--dir", str(folder), "init").strip()
    cert = sim(sim_dir, "operator-cert", "--server-public-key", key)
    (folder / "operator.cert").write_text(cert)
    return folder


@contextmanager
def gateway_process(
    data_dir: Path,
    *,
    sim_dir: Path,
    sim_port: int,
    serial: str,
    env: Mapping[str, str],
    source: list[str],
    extra: tuple[str, ...] = (),
) -> Iterator[GatewayProcess]:
    """`lockwork-gateway serve` on a free loopback port; ``source`` says where tickets and
    credentials come from (``--dev-authority DIR`` or ``--server URL``)."""
    port = free_port()
    args = [
        "-m",
        "gateway",
        "serve",
        "--radio",
        f"bumble:tcp-client:127.0.0.1:{sim_port}",
        "--data-dir",
        str(data_dir),
        "--factory-authority",
        str(sim_dir / "factory_authority.pub"),
        "--port",
        str(port),
        "--allow-origin",
        APP_ORIGIN,
        *source,
        *extra,
    ]
    child = spawn("gateway", args, env, echo=False)
    try:
        process = GatewayProcess(child, port, data_dir, sim_dir, serial)
        process.codes.append(child.wait_for_line("pairing code:").split()[0])
        yield process
    finally:
        child.stop()
