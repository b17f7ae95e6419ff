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

import httpx
import pytest

from server.demo import DEMO_PASSWORD, SIMULATED_LOCK_SERIALS
from server.demo_stack import Child, device_token, start_gateway
from tests.integration.lock_stack_world import (
    FITTER,
    Api,
    Gateway,
    Stack,
    installation_order,
    lock_stack,
    lock_status,
    sim,
)
from tests.live_server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.ble]

SERIAL = SIMULATED_LOCK_SERIALS[0]
# The lock holds back every answer this long, so the gateway is certainly inside the pairing
# exchange (waiting for the lock's challenge) when the test kills it.
SLOW_ANSWER_S = 1.5


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with lock_stack(tmp_path) as built:
        yield built


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
    stack: Stack, kill_at: str
) -> None:
    sim_dir = stack.sim_dir
    fitter = Api(stack.server_url, FITTER)
    order_id, lock_row_id = installation_order(fitter, SERIAL)
    token = device_token(stack.server_url, FITTER, DEMO_PASSWORD, "stack test gateway")

    def start(port: int) -> tuple[Child, str]:
        child, code = start_gateway(
            stack.root / "gateway",
            sim_port=stack.sim_port,
            port=port,
            server_url=stack.server_url,
            token=token,
            origins=[stack.server_url],
            env=stack.env,
        )
        stack.children.append(child)
        return child, code

    port = free_port()
    first, code = start(port)
    gateway = Gateway(f"http://127.0.0.1:{port}", serial=SERIAL)
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
    committed = lock_status(sim_dir, SERIAL)["paired"]
    assert committed is (kill_at == "confirming_pairing")

    # The fitter runs the pairing again (the app said "interrupted"). Online, the gateway gets
    # a new ticket from the server; a lock that committed under the earlier one refuses it as
    # already paired and is shown the earlier ticket, under which it sends its stored receipt
    # again; a lock that did not pairs anew. Either way it ends paired with its receipt queued.
    sim(sim_dir, "fault", SERIAL, "--set", "none")
    sim(sim_dir, "touch" if committed else "pair-button", SERIAL)
    paired = gateway.run("pair", order_id)
    assert paired["state"] == "succeeded", paired["error"]
    assert paired["result"]["serial"] == SERIAL and lock_status(sim_dir, SERIAL)["paired"]
    steps = {p["step"] for p in paired["progress"]}
    assert ("pairing_receipt_recovered" in steps) is committed

    # The lock is usable: a battery reading with a credential from the server, verified there.
    sim(sim_dir, "touch", SERIAL)
    battery = gateway.run("battery", order_id)
    assert battery["state"] == "succeeded", battery["error"]
    assert battery["result"]["server_nonce_from_server"] is True
    gateway.wait_uploaded()
    row = fitter.get(f"/api/locks/{lock_row_id}")
    assert row["verified_by_lock"] is True
    assert row["battery_percent"] == battery["result"]["percent"]

    # Read again at once: a new credential brings a new server nonce (the server takes each
    # once), so this reading is verified too.
    sim(sim_dir, "touch", SERIAL)
    again = gateway.run("battery", order_id)
    assert again["state"] == "succeeded", again["error"]
    assert again["result"]["counts_as_evidence"] is True
    assert again["result"]["server_nonce"] != battery["result"]["server_nonce"]
    gateway.wait_uploaded()
    reports = fitter.get(f"/api/locks/{lock_row_id}/reports")["items"]
    verified = {r["counter"] for r in reports if r["kind"] == "lock_report"}
    assert len(verified) == 2
    assert second.process.poll() is None


def test_pairing_works_offline_with_a_ticket_fetched_earlier(stack: Stack) -> None:
    sim_dir = stack.sim_dir
    fitter = Api(stack.server_url, FITTER)
    order_id, lock_row_id = installation_order(fitter, SERIAL)
    _child, gateway = stack.gateway("offline test", serial=SERIAL)

    # Online (in the car park): the app has the gateway fetch what the visit needs.
    prepared = gateway.prepare(order_id)
    assert prepared.status_code == 200, prepared.text
    assert prepared.json()["serial"] == SERIAL
    assert prepared.json()["ticket_expires_at"] > time.time()

    # Offline (in the basement): the server is gone; pairing still works with that ticket.
    stack.server.kill()
    sim(sim_dir, "pair-button", SERIAL)
    paired = gateway.run("pair", order_id)
    assert paired["state"] == "succeeded", paired["error"]
    assert gateway.status()["queued_reports"] == 1
    offline = gateway.prepare(order_id)
    assert offline.status_code == 502 and offline.json()["code"] == "server_unreachable"

    # Back online: the receipt is uploaded before the next credential is asked for.
    stack.restart_server()
    sim(sim_dir, "touch", SERIAL)
    battery = gateway.run("battery", order_id)
    assert battery["state"] == "succeeded", battery["error"]
    gateway.wait_uploaded()
    assert fitter.get(f"/api/locks/{lock_row_id}")["verified_by_lock"] is True


def test_hub_reads_the_locks_a_planner_gave_it(stack: Stack, tmp_path: Path) -> None:
    sim_dir = stack.sim_dir
    fitter = Api(stack.server_url, FITTER)
    order_id, lock_row_id = installation_order(fitter, SERIAL)
    _child, gateway = stack.gateway("fitter", serial=SERIAL)
    sim(sim_dir, "pair-button", SERIAL)
    assert gateway.run("pair", order_id)["state"] == "succeeded"
    gateway.wait_uploaded()  # the receipt teaches the server the lock's key

    # A hub device (in the stairwell); the planner gives it the lock.
    hub = fitter.post("/api/devices", {"name": "hub-stairwell"})
    planner = Api(stack.server_url, "planerare")
    served = httpx.put(
        stack.server_url + f"/api/devices/{hub['device']['id']}/locks",
        json={"lock_ids": [lock_row_id]},
        cookies=planner.cookies,
        headers=planner.headers,
    )
    assert served.status_code == 200, served.text

    sim(sim_dir, "touch", SERIAL)
    done = subprocess.run(
        [
            sys.executable, "-m", "gateway", "hub", "--once", "--json",
            "--server", stack.server_url,
            "--device-token", hub["token"],
            "--device-id", hub["device"]["id"],
            "--radio", f"bumble:tcp-client:127.0.0.1:{stack.sim_port}",
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
    row = fitter.get(f"/api/locks/{lock_row_id}")
    assert row["verified_by_lock"] is True
    assert row["battery_percent"] == summary["read"][0]["percent"]
