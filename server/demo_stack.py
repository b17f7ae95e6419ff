"""`python -m server.demo_stack` (what `make demo` runs): server, simulated locks and a gateway.

Starts three processes next to each other on loopback and stops all three on Ctrl-C:

- the lock simulator (`lockwork-sim run`) with the stock locks the demo data names
  (`server.demo.SIMULATED_LOCK_SERIALS`, each on an installation order for montor1);
- the server, trusting the simulator's factory authority, with an operator certificate from
  that factory for this server's lock-signing key (derived from its secret key);
- the gateway in `serve` mode on the simulator's radio, signed in to the server as montor1's
  device, so pairing tickets and credentials come from the server.

It prints where to open the app, the gateway's pairing code and how to touch a lock. The tests
start the same processes with the same functions (tests/integration/test_lock_stack.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx

from firmware_sim.identity import (
    AUTHORITY_PUBLIC_FILE,
    load_or_create_authority,
    operator_certificate,
)
from server.demo import DEMO_PASSWORD, SIMULATED_LOCK_SERIALS
from server.locks.authority import server_signing_key
from server.secrets_box import SecretBox
from server.settings import load_settings

SIM_PORT: Final = 7700
GATEWAY_PORT: Final = 8765
DEMO_FITTER: Final = "montor1"
OPERATOR_CERT_FILE: Final = "operator.cert"
DEVICE_TOKEN_FILE: Final = "demo-device-token"  # noqa: S105 - a file name
# A cold start imports Litestar or Bumble and (server) migrates: seconds on two cores; the
# bound only turns a process that never comes up into a clear message.
START_TIMEOUT_S: Final = 60.0
# How long each process gets to stop on SIGTERM before it is killed.
STOP_GRACE_S: Final = 10.0
# How often the supervisor checks its children and the server's health.
POLL_S: Final = 0.1


class StackError(Exception):
    """A process of the demo did not start; the message says which and why."""


@dataclass
class Child:
    """A started process whose output is echoed with a prefix and kept for matching."""

    name: str
    process: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    echo: bool = True

    def __post_init__(self) -> None:
        threading.Thread(target=self._pump, daemon=True, name=f"{self.name} output").start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
            if self.echo:
                print(f"[{self.name}] {line}", end="", flush=True)

    def wait_for_line(self, prefix: str, timeout_s: float = START_TIMEOUT_S) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=POLL_S)
            except queue.Empty:
                if self.process.poll() is not None:
                    raise StackError(
                        f"{self.name} exited ({self.process.returncode}) before printing "
                        f"{prefix!r}."
                    ) from None
                continue
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
        raise StackError(f"{self.name} did not print {prefix!r} within {timeout_s:.0f} s.")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no chance to clean up (what the recovery test does)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def spawn(name: str, args: list[str], env: Mapping[str, str], *, echo: bool = True) -> Child:
    process = subprocess.Popen(  # noqa: S603 - our own modules, with this interpreter
        [sys.executable, *args],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    return Child(name, process, echo=echo)


def lock_authority_env(environ: Mapping[str, str], sim_dir: Path) -> dict[str, str]:
    """The server's lock settings: trust the simulator's factory, with its operator certificate
    for the key this server derives from its secret key (created now if it does not exist)."""
    settings = load_settings(environ)
    server_key = server_signing_key(SecretBox(settings.secret_key)).public_key
    authority = load_or_create_authority(sim_dir)
    certificate = operator_certificate(authority, server_key, "Lockwork demo")
    (sim_dir / OPERATOR_CERT_FILE).write_text(certificate.hex() + "\n")
    return {
        "LOCKWORK_LOCK_FACTORY_AUTHORITIES": str(sim_dir / AUTHORITY_PUBLIC_FILE),
        "LOCKWORK_LOCK_OPERATOR_CERTIFICATE": str(sim_dir / OPERATOR_CERT_FILE),
    }


def start_simulator(
    sim_dir: Path, port: int, serials: tuple[str, ...], env: Mapping[str, str]
) -> tuple[Child, int]:
    """The simulator with these locks; returns it and its radio port (``port`` 0: any free)."""
    args = ["-m", "firmware_sim", "run", "--port", str(port), "--data-dir", str(sim_dir)]
    for serial in serials:
        args += ["--serial", serial]
    child = spawn("sim", args, env)
    child.wait_for_line("factory-authority-public-key:")
    # "lockwork-sim: N locks on radio bumble:tcp-client:127.0.0.1:PORT, control on ..."
    started = child.wait_for_line("lockwork-sim:")
    radio = started.split(" on radio ", 1)[1].split(",", 1)[0]
    return child, int(radio.rsplit(":", 1)[1])


def start_server(host: str, port: int, env: Mapping[str, str]) -> Child:
    child = spawn("server", ["-m", "server", "serve", "--host", host, "--port", str(port)], env)
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise StackError(f"the server exited ({child.process.returncode}); see its output.")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return child
        time.sleep(POLL_S)
    child.stop()
    raise StackError(f"the server did not answer on {url} within {START_TIMEOUT_S:.0f} s.")


def device_token(server_url: str, username: str, password: str, name: str) -> str:
    """A device token for `username` (POST /api/devices after a login)."""
    login = httpx.post(
        server_url + "/api/auth/login", json={"username": username, "password": password}
    )
    if login.status_code != 200:
        raise StackError(f"could not log in as {username}: {login.text}")
    device = httpx.post(
        server_url + "/api/devices",
        json={"name": name},
        cookies=login.cookies,
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    if device.status_code not in (200, 201):
        raise StackError(f"could not create a device token: {device.text}")
    return str(device.json()["token"])


def start_gateway(
    data_dir: Path,
    *,
    sim_port: int,
    port: int,
    server_url: str,
    token: str,
    origins: list[str],
    env: Mapping[str, str],
) -> tuple[Child, str]:
    """The gateway in serve mode; returns it and the pairing code it printed."""
    args = [
        "-m",
        "gateway",
        "serve",
        "--radio",
        f"bumble:tcp-client:127.0.0.1:{sim_port}",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--server",
        server_url,
    ]
    for origin in origins:
        args += ["--allow-origin", origin]
    child = spawn("gateway", args, {**env, "LOCKWORK_GATEWAY_DEVICE_TOKEN": token})
    code = child.wait_for_line("pairing code:").split()[0]
    return child, code


def _run_cli(args: list[str], env: Mapping[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 - our own CLI, with this interpreter
        [sys.executable, "-m", "server", *args], env=dict(env), check=False
    )
    if done.returncode != 0:
        raise StackError(f"lockwork-server {' '.join(args)} failed ({done.returncode}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.demo_stack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="the server's port")
    parser.add_argument("--sim-port", type=int, default=SIM_PORT, help="the radio hub's port")
    parser.add_argument("--gateway-port", type=int, default=GATEWAY_PORT)
    args = parser.parse_args(argv)

    environ = {k: v for k, v in os.environ.items() if not k.startswith("LOCKWORK_LOCK_")}
    data_dir = Path(environ.get("LOCKWORK_DATA_DIR") or "var")
    sim_dir, gateway_dir = data_dir / "sim", data_dir / "gateway"
    server_url = f"http://{args.host}:{args.port}"
    children: list[Child] = []
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        env = {**environ, **lock_authority_env(environ, sim_dir)}
        _run_cli(["migrate"], env)
        _run_cli(["demo-data"], env)
        simulator, _port = start_simulator(sim_dir, args.sim_port, SIMULATED_LOCK_SERIALS, env)
        children.append(simulator)
        children.append(start_server(args.host, args.port, env))
        token = device_token(server_url, DEMO_FITTER, DEMO_PASSWORD, "demo gateway")
        gateway, code = start_gateway(
            gateway_dir,
            sim_port=args.sim_port,
            port=args.gateway_port,
            server_url=server_url,
            token=token,
            origins=[server_url],
            env=env,
        )
        children.append(gateway)
        serials = ", ".join(SIMULATED_LOCK_SERIALS)
        print(
            f"""
==============================================================================
 Lockwork demo is running. Stop everything with Ctrl-C.

 App:      {server_url}   (log in as {DEMO_FITTER} / {DEMO_PASSWORD})
 Gateway:  http://127.0.0.1:{args.gateway_port}   pairing code: {code}
           (in the app's lock panel: "Skanna QR-koden" on the QR code above, or type
           the code; a new code: lockwork-gateway pairing-code --port {args.gateway_port})
 Locks:    {serials} (simulated, factory-new; each on an installation
           order for {DEMO_FITTER} today). Wake or pair one from another terminal:
             lockwork-sim touch LW-900000 --data-dir {sim_dir}
             lockwork-sim pair-button LW-900000 --data-dir {sim_dir}
==============================================================================
""",
            flush=True,
        )
        while not stop.wait(POLL_S):
            for child in children:
                # Ctrl-C reaches the children too; only an exit on its own is an error.
                if child.process.poll() is not None and not stop.is_set():
                    raise StackError(f"{child.name} stopped ({child.process.returncode}).")
        return 0
    except StackError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        for child in reversed(children):
            child.stop()
        print("demo: server, gateway and simulator stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
