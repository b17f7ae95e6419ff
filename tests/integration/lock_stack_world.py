"""The lock stack as separate processes on loopback, for end-to-end tests: the simulator's locks,
the server with the demo data, and any number of `lockwork-gateway serve` processes, started by
the same functions as `make demo` (server.demo_stack). Tests talk HTTP to the server and to the
gateways' local APIs, and read the simulated locks' state with `lockwork-sim status`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server.demo import DEMO_PASSWORD, SIMULATED_LOCK_SERIALS
from server.demo_stack import (
    Child,
    device_token,
    lock_authority_env,
    start_gateway,
    start_server,
    start_simulator,
)
from tests.browser.harness import ServerApi as Api
from tests.live_server import free_port, run_cli, server_env

FITTER = "montor1"
# The app polls every ~300 ms; the test a bit faster. The bound only stops a hang.
POLL_S = 0.05
OPERATION_BOUND_S = 30.0


def sim(sim_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "firmware_sim", *args, "--data-dir", str(sim_dir)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def lock_status(sim_dir: Path, serial: str) -> dict[str, Any]:
    status = json.loads(sim(sim_dir, "status", "--json"))
    return next(lock for lock in status["locks"] if lock["serial"] == serial)  # type: ignore[no-any-return]


class Gateway:
    """A gateway's local API, as the app uses it (paired once with the printed code)."""

    def __init__(self, url: str, token: str | None = None, serial: str = "") -> None:
        self.url = url
        self.token = token
        self.serial = serial  # the lock operations are about unless they name another

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def start(self, kind: str, order_id: str | None = None, serial: str | None = None) -> str:
        answer = httpx.post(
            self.url + "/api/operations",
            json={"kind": kind, "serial": serial or self.serial, "order_id": order_id},
            headers=self.auth,
        )
        assert answer.status_code == 202, answer.text
        return str(answer.json()["id"])

    def get(self, operation_id: str) -> dict[str, Any]:
        answer = httpx.get(self.url + f"/api/operations/{operation_id}", headers=self.auth)
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def wait(self, operation_id: str, step: str | None = None) -> dict[str, Any]:
        """Poll until the operation ends (or, with ``step``, until it reports that step)."""
        deadline = time.monotonic() + OPERATION_BOUND_S
        while time.monotonic() < deadline:
            record = self.get(operation_id)
            if step is not None and any(p["step"] == step for p in record["progress"]):
                return record
            if record["state"] != "running":
                return record
            time.sleep(POLL_S)
        raise AssertionError(f"operation {operation_id} still running: {record}")

    def run(self, kind: str, order_id: str | None = None, serial: str | None = None) -> Any:
        return self.wait(self.start(kind, order_id, serial))

    def prepare(self, order_id: str) -> httpx.Response:
        return httpx.post(self.url + f"/api/orders/{order_id}/prepare", headers=self.auth)

    def wait_uploaded(self) -> None:
        """Until the uploader (kicked by new evidence) has emptied the report queue."""
        deadline = time.monotonic() + OPERATION_BOUND_S
        while self.status()["queued_reports"]:
            assert time.monotonic() < deadline, "reports not uploaded"
            time.sleep(POLL_S)

    def status(self) -> dict[str, Any]:
        return httpx.get(self.url + "/api/status", headers=self.auth).json()  # type: ignore[no-any-return]


@dataclass
class Stack:
    env: dict[str, str]
    sim_dir: Path
    sim_port: int
    server_url: str
    server_port: int
    root: Path
    children: list[Child] = field(default_factory=list)

    def serve(self, name: str, username: str = FITTER) -> tuple[Child, str, str]:
        """A new `lockwork-gateway serve` with its own data folder and device (``username``'s),
        not paired with yet: the process, its address and the pairing code it printed."""
        token = device_token(self.server_url, username, DEMO_PASSWORD, f"{name} gateway")
        port = free_port()
        child, code = start_gateway(
            self.root / name,
            sim_port=self.sim_port,
            port=port,
            server_url=self.server_url,
            token=token,
            origins=[self.server_url],
            env=self.env,
        )
        self.children.append(child)
        return child, f"http://127.0.0.1:{port}", code

    def gateway(self, name: str, username: str = FITTER, serial: str = "") -> tuple[Child, Gateway]:
        """A new `lockwork-gateway serve` with its own data folder and device, paired with."""
        child, url, code = self.serve(name, username)
        gateway = Gateway(url, serial=serial)
        paired = httpx.post(gateway.url + "/api/pair", json={"code": code})
        assert paired.status_code == 200, paired.text
        gateway.token = paired.json()["token"]
        return child, gateway

    @property
    def server(self) -> Child:
        return self.children[1]

    def restart_server(self) -> None:
        self.children[1] = start_server("127.0.0.1", self.server_port, self.env)


@contextmanager
def lock_stack(
    root: Path,
    serials: tuple[str, ...] = SIMULATED_LOCK_SERIALS[:1],
    customers: int | None = 10,
) -> Iterator[Stack]:
    """Server (SQLite, demo data: ``customers`` of them, None for the demo's own number) and
    simulator with ``serials``; everything stopped after."""
    env = server_env(f"sqlite:///{root / 'server.sqlite3'}", root / "server")
    sim_dir = root / "sim"
    env.update(lock_authority_env(env, sim_dir))
    assert run_cli(["migrate"], env).returncode == 0
    demo = ["demo-data"] if customers is None else ["demo-data", "--customers", str(customers)]
    assert run_cli(demo, env).returncode == 0
    children: list[Child] = []
    try:
        simulator, sim_port = start_simulator(sim_dir, 0, serials, env)
        children.append(simulator)
        server_port = free_port()
        children.append(start_server("127.0.0.1", server_port, env))
        yield Stack(
            env, sim_dir, sim_port, f"http://127.0.0.1:{server_port}", server_port, root, children
        )
    finally:
        for child in reversed(children):
            child.stop()


def installation_order(api: Api, serial: str) -> tuple[str, str]:
    """The demo's installation order (montor1's) for the simulated lock, and its lock row."""
    orders = api.get("/api/orders", kind="installation")["items"]
    for order in orders:
        if order["lock_id"] and api.get(f"/api/locks/{order['lock_id']}")["serial"] == serial:
            return str(order["id"]), str(order["lock_id"])
    raise AssertionError(f"no installation order for {serial} in the demo data")
