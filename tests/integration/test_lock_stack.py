"""Simulator, gateway (serve) and server as separate processes on loopback; the gateway is
SIGKILLed in the middle of a pairing's Bluetooth exchange and restarted.

What must hold: the interrupted operation is reported as failed (``interrupted``) to the app
that polls it; running the pairing again through the restarted gateway ends with the lock
paired and its receipt queued and accepted by the server, whether the kill came before the
lock committed (it pairs anew) or after (it sends its stored receipt again for the same
ticket: never bound with nothing to prove it); the lock then reads its battery with a
credential from the server. Tickets and credentials come from the server's lock authority
(contract A); the processes are started by the same functions as `make demo`
(server.demo_stack).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.demo import DEMO_PASSWORD, SIMULATED_LOCK_SERIALS
from server.demo_stack import (
    Child,
    device_token,
    lock_authority_env,
    start_gateway,
    start_server,
    start_simulator,
)
from tests.live_server import free_port, run_cli, server_env

pytestmark = [pytest.mark.slow, pytest.mark.ble]

SERIAL = SIMULATED_LOCK_SERIALS[0]
FITTER = "montor1"
# The lock holds back every answer this long, so the gateway is certainly inside the pairing
# exchange (waiting for the lock's challenge) when the test kills it.
SLOW_ANSWER_S = 1.5
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


def lock_status(sim_dir: Path) -> dict[str, Any]:
    status = json.loads(sim(sim_dir, "status", "--json"))
    return next(lock for lock in status["locks"] if lock["serial"] == SERIAL)  # type: ignore[no-any-return]


class Gateway:
    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def start(self, kind: str, order_id: str | None = None) -> str:
        answer = httpx.post(
            self.url + "/api/operations",
            json={"kind": kind, "serial": SERIAL, "order_id": order_id},
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

    def wait_uploaded(self) -> None:
        """Until the uploader (kicked by new evidence) has emptied the report queue."""
        deadline = time.monotonic() + OPERATION_BOUND_S
        while self.status()["queued_reports"]:
            assert time.monotonic() < deadline, "reports not uploaded"
            time.sleep(POLL_S)

    def status(self) -> dict[str, Any]:
        return httpx.get(self.url + "/api/status", headers=self.auth).json()  # type: ignore[no-any-return]


def installation_order(server_url: str) -> tuple[str, str, httpx.Response]:
    """montor1's installation order for SERIAL (demo data), its lock row, and the login."""
    login = httpx.post(
        server_url + "/api/auth/login", json={"username": FITTER, "password": DEMO_PASSWORD}
    )
    orders = httpx.get(
        server_url + "/api/orders", params={"kind": "installation"}, cookies=login.cookies
    ).json()["items"]
    for order in orders:
        lock = httpx.get(server_url + f"/api/locks/{order['lock_id']}", cookies=login.cookies)
        if lock.json()["serial"] == SERIAL:
            return str(order["id"]), str(order["lock_id"]), login
    raise AssertionError(f"no installation order for {SERIAL} in the demo data")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    env = server_env(f"sqlite:///{tmp_path / 'server.sqlite3'}", tmp_path / "server")
    sim_dir = tmp_path / "sim"
    env.update(lock_authority_env(env, sim_dir))
    assert run_cli(["migrate"], env).returncode == 0
    assert run_cli(["demo-data", "--customers", "10"], env).returncode == 0
    children: list[Child] = []
    try:
        simulator, sim_port = start_simulator(sim_dir, 0, (SERIAL,), env)
        children.append(simulator)
        server_port = free_port()
        children.append(start_server("127.0.0.1", server_port, env))
        yield {
            "env": env,
            "sim_dir": sim_dir,
            "sim_port": sim_port,
            "server_url": f"http://127.0.0.1:{server_port}",
            "server_port": server_port,
            "gateway_dir": tmp_path / "gateway",
            "children": children,
        }
    finally:
        for child in reversed(children):
            child.stop()


@pytest.mark.parametrize(
    "kill_at",
    [
        # The gateway has presented the ticket and waits for the lock's challenge: the lock
        # has committed nothing.
        "presenting_pairing_ticket",
        # The gateway has sent its confirmation and waits for the receipt: the lock has
        # committed the pairing, the receipt is lost with the gateway.
        "confirming_pairing",
    ],
)
def test_gateway_killed_mid_pairing_recovers_and_the_lock_is_usable(
    stack: dict[str, Any], kill_at: str
) -> None:
    server_url = stack["server_url"]
    sim_dir = stack["sim_dir"]
    order_id, lock_row_id, login = installation_order(server_url)
    token = device_token(server_url, FITTER, DEMO_PASSWORD, "stack test gateway")

    def start(port: int) -> tuple[Child, str]:
        child, code = start_gateway(
            stack["gateway_dir"],
            sim_port=stack["sim_port"],
            port=port,
            server_url=server_url,
            token=token,
            origins=[server_url],
            env=stack["env"],
        )
        stack["children"].append(child)
        return child, code

    port = free_port()
    first, code = start(port)
    gateway = Gateway(f"http://127.0.0.1:{port}")
    gateway.token = httpx.post(gateway.url + "/api/pair", json={"code": code}).json()["token"]

    # Kill the gateway while it waits for the lock's answer inside the pairing exchange.
    sim(sim_dir, "fault", SERIAL, "--set", "slow", "--delay", str(SLOW_ANSWER_S))
    sim(sim_dir, "pair-button", SERIAL)
    pairing = gateway.start("pair", order_id)
    during = gateway.wait(pairing, step=kill_at)
    assert during["state"] == "running", during
    first.kill()

    port = free_port()
    second, _code = start(port)
    gateway.url = f"http://127.0.0.1:{port}"
    # The app's token survived the restart; the interrupted operation says what happened.
    interrupted = gateway.get(pairing)
    assert interrupted["state"] == "failed"
    assert interrupted["error"]["code"] == "interrupted"
    assert interrupted["error"]["message_sv"] and interrupted["error"]["message_en"]
    committed = lock_status(sim_dir)["paired"]
    assert committed is (kill_at == "confirming_pairing")

    # The fitter runs the pairing again (the app said "interrupted"). The gateway uses the
    # ticket it fetched for the order: a lock that committed sends its stored receipt again,
    # a lock that did not pairs anew. Either way it ends paired with its receipt queued.
    sim(sim_dir, "fault", SERIAL, "--set", "none")
    sim(sim_dir, "touch" if committed else "pair-button", SERIAL)
    paired = gateway.wait(gateway.start("pair", order_id))
    assert paired["state"] == "succeeded", paired["error"]
    assert paired["result"]["serial"] == SERIAL and lock_status(sim_dir)["paired"]
    steps = {p["step"] for p in paired["progress"]}
    assert ("pairing_receipt_recovered" in steps) is committed

    # The lock is usable: a battery reading with a credential from the server, verified there.
    sim(sim_dir, "touch", SERIAL)
    battery = gateway.wait(gateway.start("battery", order_id))
    assert battery["state"] == "succeeded", battery["error"]
    assert battery["result"]["server_nonce_from_server"] is True
    gateway.wait_uploaded()
    row = httpx.get(server_url + f"/api/locks/{lock_row_id}", cookies=login.cookies).json()
    assert row["verified_by_lock"] is True
    assert row["battery_percent"] == battery["result"]["percent"]

    # Read again at once: a new credential brings a new server nonce (the server takes each
    # once), so this reading is verified too.
    sim(sim_dir, "touch", SERIAL)
    again = gateway.wait(gateway.start("battery", order_id))
    assert again["state"] == "succeeded", again["error"]
    assert again["result"]["counts_as_evidence"] is True
    assert again["result"]["server_nonce"] != battery["result"]["server_nonce"]
    gateway.wait_uploaded()
    reports = httpx.get(
        server_url + f"/api/locks/{lock_row_id}/reports", cookies=login.cookies
    ).json()["items"]
    verified = {r["counter"] for r in reports if r["kind"] == "lock_report"}
    assert len(verified) == 2
    assert second.process.poll() is None


def test_pairing_works_offline_with_a_ticket_fetched_earlier(stack: dict[str, Any]) -> None:
    server_url = stack["server_url"]
    sim_dir = stack["sim_dir"]
    order_id, lock_row_id, login = installation_order(server_url)
    token = device_token(server_url, FITTER, DEMO_PASSWORD, "offline test gateway")
    port = free_port()
    child, code = start_gateway(
        stack["gateway_dir"],
        sim_port=stack["sim_port"],
        port=port,
        server_url=server_url,
        token=token,
        origins=[server_url],
        env=stack["env"],
    )
    stack["children"].append(child)
    gateway = Gateway(f"http://127.0.0.1:{port}")
    gateway.token = httpx.post(gateway.url + "/api/pair", json={"code": code}).json()["token"]

    # Online (in the car park): the app has the gateway fetch what the visit needs.
    prepared = httpx.post(gateway.url + f"/api/orders/{order_id}/prepare", headers=gateway.auth)
    assert prepared.status_code == 200, prepared.text
    assert prepared.json()["serial"] == SERIAL
    assert prepared.json()["ticket_expires_at"] > time.time()

    # Offline (in the basement): the server is gone; pairing still works with that ticket.
    server = stack["children"][1]
    server.kill()
    sim(sim_dir, "pair-button", SERIAL)
    paired = gateway.wait(gateway.start("pair", order_id))
    assert paired["state"] == "succeeded", paired["error"]
    assert gateway.status()["queued_reports"] == 1
    offline = httpx.post(gateway.url + f"/api/orders/{order_id}/prepare", headers=gateway.auth)
    assert offline.status_code == 502 and offline.json()["code"] == "server_unreachable"

    # Back online: the receipt is uploaded before the next credential is asked for.
    stack["children"][1] = start_server("127.0.0.1", stack["server_port"], stack["env"])
    sim(sim_dir, "touch", SERIAL)
    battery = gateway.wait(gateway.start("battery", order_id))
    assert battery["state"] == "succeeded", battery["error"]
    gateway.wait_uploaded()
    row = httpx.get(server_url + f"/api/locks/{lock_row_id}", cookies=login.cookies).json()
    assert row["verified_by_lock"] is True


def test_hub_reads_the_locks_a_planner_gave_it(stack: dict[str, Any], tmp_path: Path) -> None:
    server_url = stack["server_url"]
    sim_dir = stack["sim_dir"]
    order_id, lock_row_id, login = installation_order(server_url)
    token = device_token(server_url, FITTER, DEMO_PASSWORD, "fitter gateway")
    port = free_port()
    child, code = start_gateway(
        stack["gateway_dir"],
        sim_port=stack["sim_port"],
        port=port,
        server_url=server_url,
        token=token,
        origins=[server_url],
        env=stack["env"],
    )
    stack["children"].append(child)
    gateway = Gateway(f"http://127.0.0.1:{port}")
    gateway.token = httpx.post(gateway.url + "/api/pair", json={"code": code}).json()["token"]
    sim(sim_dir, "pair-button", SERIAL)
    assert gateway.wait(gateway.start("pair", order_id))["state"] == "succeeded"
    gateway.wait_uploaded()  # the receipt teaches the server the lock's key

    # A hub device (in the stairwell); the planner gives it the lock.
    hub = httpx.post(
        server_url + "/api/devices",
        json={"name": "hub-stairwell"},
        cookies=login.cookies,
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    ).json()
    planner = httpx.post(
        server_url + "/api/auth/login", json={"username": "planerare", "password": DEMO_PASSWORD}
    )
    served = httpx.put(
        server_url + f"/api/devices/{hub['device']['id']}/locks",
        json={"lock_ids": [lock_row_id]},
        cookies=planner.cookies,
        headers={"X-CSRF-Token": planner.json()["csrf_token"]},
    )
    assert served.status_code == 200, served.text

    sim(sim_dir, "touch", SERIAL)
    done = subprocess.run(
        [
            sys.executable, "-m", "gateway", "hub", "--once", "--json",
            "--server", server_url,
            "--device-token", hub["token"],
            "--device-id", hub["device"]["id"],
            "--radio", f"bumble:tcp-client:127.0.0.1:{stack['sim_port']}",
            "--data-dir", str(tmp_path / "hub"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert [reading["serial"] for reading in summary["read"]] == [SERIAL]
    assert summary["uploaded"] == 1
    row = httpx.get(server_url + f"/api/locks/{lock_row_id}", cookies=login.cookies).json()
    assert row["verified_by_lock"] is True
    assert row["battery_percent"] == summary["read"][0]["percent"]
