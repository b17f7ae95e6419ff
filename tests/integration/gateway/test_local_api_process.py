"""The local API of a real `lockwork-gateway serve` process, tried from outside: as a web page
in the fitter's browser (another origin, a DNS-rebinding name, a text/plain "simple" request),
another device on the network (another address), an app whose token was revoked or expired,
and someone sending bytes no app sends.

The gateway, the simulator and the `lockwork-gateway` commands are separate processes on
loopback (see gateway_process). Wherever a refused request names the lock, the simulated lock
itself says the door did not move: bolt, bolt movements, motor runs and command counter are
unchanged; a legitimate request afterwards moves it, so the lock was there to be moved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.local_api.app_tokens import APP_TOKEN_LIFETIME_DAYS
from gateway.local_api.guard import MAX_BODY_BYTES
from gateway.local_api.pairing import MAX_WRONG_CODES
from server.demo import DEMO_PASSWORD, SIMULATED_LOCK_SERIALS
from server.demo_stack import device_token, lock_authority_env, start_server
from tests.integration.gateway.gateway_process import (
    APP_ORIGIN,
    CLI_TIMEOUT_S,
    GatewayProcess,
    dev_authority,
    gateway_process,
    sim,
    simulator,
)
from tests.live_server import free_port, run_cli, server_env

pytestmark = [pytest.mark.ble, pytest.mark.slow]

SERIAL = SIMULATED_LOCK_SERIALS[0]
STRANGER = "https://evil.example"
# A name the gateway is configured to answer to (LOCKWORK_GATEWAY_ALLOWED_HOSTS).
CONFIGURED_NAME = "gateway.test"
# Expiry test: tokens that live about three seconds (the flag takes days).
SHORT_TOKEN_DAYS = 3 / 86_400
EXPIRY_BOUND_S = 60.0


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LOCKWORK_")}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A simulator with one lock, and a gateway (development authority) that paired it."""
    root = tmp_path_factory.mktemp("local-api-process")
    sim_dir = root / "sim"
    env = clean_env()
    with simulator(sim_dir, SERIAL, env) as sim_port:
        authority = dev_authority(root / "dev-authority", sim_dir)
        with gateway_process(
            root / "gateway",
            sim_dir=sim_dir,
            sim_port=sim_port,
            serial=SERIAL,
            env={**env, "LOCKWORK_GATEWAY_ALLOWED_HOSTS": CONFIGURED_NAME},
            source=["--dev-authority", str(authority)],
        ) as gateway:
            token = gateway.pair()
            sim(sim_dir, "pair-button", SERIAL)
            paired = gateway.run(token, "pair")
            assert paired["state"] == "succeeded", paired
            yield {"gateway": gateway, "token": token, "sim_port": sim_port, "root": root}


def auth(token: str, origin: str | None = APP_ORIGIN) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if origin is not None:
        headers["Origin"] = origin
    return headers


def operate_test(gateway: GatewayProcess, headers: dict[str, str], **options: Any) -> Any:
    """POST a lock test (it would move the bolt) with these headers."""
    return httpx.post(
        gateway.url + "/api/operations",
        json={"kind": "test", "serial": SERIAL},
        headers=headers,
        **options,
    )


def test_other_origins_and_rebinding_hosts_are_refused_and_the_door_stays(
    stack: dict[str, Any],
) -> None:
    gateway: GatewayProcess = stack["gateway"]
    token: str = stack["token"]
    code = gateway.new_code()
    before = gateway.woken_door()

    # A page on another origin can neither replace the code the fitter is typing...
    replaced = httpx.post(gateway.url + "/api/pairing-code", json={}, headers={"Origin": STRANGER})
    assert replaced.status_code == 403 and replaced.json()["code"] == "origin_not_allowed"
    assert replaced.json()["message_sv"] and "access-control-allow-origin" not in replaced.headers
    # ...nor can the app's own page: only the command on the gateway's computer may.
    by_app = httpx.post(gateway.url + "/api/pairing-code", json={}, headers={"Origin": APP_ORIGIN})
    assert by_app.status_code == 403 and by_app.json()["code"] == "loopback_only"
    # ...nor operate the lock, even holding a token.
    foreign = operate_test(gateway, auth(token, STRANGER))
    assert foreign.status_code == 403 and foreign.json()["code"] == "origin_not_allowed"

    # DNS rebinding: a page whose own name resolves to 127.0.0.1 is same-origin with the
    # gateway and sends its own name as Host. Reading and operating are refused alike.
    port = gateway.port
    for host in (
        f"evil.example:{port}",
        f"127.0.0.1.nip.io:{port}",
        f"localhost.evil.example:{port}",
        f"{CONFIGURED_NAME}.evil.example:{port}",
        f"localhost:{port + 1}",  # one of our names, another port: not us
        "",
    ):
        read = httpx.get(gateway.url + "/api/status", headers={**auth(token, None), "Host": host})
        assert read.status_code == 421 and read.json()["code"] == "host_not_allowed", host
        moved = operate_test(gateway, {**auth(token, None), "Host": host})
        assert moved.status_code == 421, host
    assert gateway.door() == before

    # The gateway's own names, and the one it was configured with, are served.
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        ok = httpx.get(gateway.url + "/api/status", headers={**auth(token), "Host": host})
        assert ok.status_code == 200, host
    configured = httpx.get(
        gateway.url + "/api/status", headers={**auth(token), "Host": f"{CONFIGURED_NAME}:{port}"}
    )
    assert configured.status_code == 200

    # The code shown before all this still pairs: nothing replaced or burnt it.
    assert gateway.pair(code)

    # The same request from the app moves the door: the lock was there to be moved.
    tested = gateway.run(token, "test")
    assert tested["state"] == "succeeded", tested
    after = gateway.door()
    assert after["bolt_movements"] == before["bolt_movements"] + 2
    assert after["command_counter"] > before["command_counter"]


def test_only_json_bodies_so_a_simple_request_cannot_guess_or_operate(
    stack: dict[str, Any],
) -> None:
    gateway: GatewayProcess = stack["gateway"]
    token: str = stack["token"]
    code = gateway.new_code()
    before = gateway.woken_door()

    # text/plain and forms are what a page may send without a CORS preflight.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        guess = httpx.post(
            gateway.url + "/api/pair",
            content=json.dumps({"code": code}),
            headers={"Content-Type": content_type, "Origin": APP_ORIGIN},
        )
        assert guess.status_code == 415 and guess.json()["code"] == "json_only", content_type
        moved = httpx.post(
            gateway.url + "/api/operations",
            content=json.dumps({"kind": "test", "serial": SERIAL}),
            headers={**auth(token), "Content-Type": content_type},
        )
        assert moved.status_code == 415, content_type
    assert gateway.door() == before

    # A JSON request needs a preflight, and a stranger's preflight is not answered.
    preflight = httpx.options(
        gateway.url + "/api/pair",
        headers={
            "Origin": STRANGER,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    # The right code, refused as text/plain, was not used up.
    assert gateway.pair(code)


def test_strangers_guesses_do_not_lock_the_app_out(stack: dict[str, Any]) -> None:
    gateway: GatewayProcess = stack["gateway"]
    code = gateway.new_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    # Web pages on other origins never reach the code check.
    for _ in range(3 * MAX_WRONG_CODES):
        page = httpx.post(
            gateway.url + "/api/pair", json={"code": wrong}, headers={"Origin": STRANGER}
        )
        assert page.status_code == 403
    # Another device on the network (another address), and a program on this one: each is
    # paused after its own wrong guesses, and only itself.
    device = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    program = httpx.Client()
    with device, program:
        for client in (device, program):
            for _ in range(MAX_WRONG_CODES):
                answer = client.post(gateway.url + "/api/pair", json={"code": wrong})
                assert answer.status_code == 401 and answer.json()["code"] == "wrong_code"
            paused = client.post(gateway.url + "/api/pair", json={"code": code})
            assert paused.status_code == 429 and int(paused.headers["retry-after"]) > 0

    # The fitter's app, on its own address and origin, pairs with the code at once.
    assert gateway.pair(code)


def test_app_tokens_are_listed_and_revoked_in_the_api_and_on_the_gateway(
    stack: dict[str, Any],
) -> None:
    gateway: GatewayProcess = stack["gateway"]
    phone = httpx.post(
        gateway.url + "/api/pair",
        json={"code": gateway.new_code(), "label": "montor1, Lockwork (Android)"},
        headers={"Origin": APP_ORIGIN},
    )
    assert phone.status_code == 200, phone.text
    phone_token, phone_id = phone.json()["token"], phone.json()["token_id"]
    tablet_token = gateway.pair(gateway.new_code(), **{"User-Agent": "tablet browser"})

    listed = httpx.get(gateway.url + "/api/tokens", headers=auth(phone_token))
    assert listed.status_code == 200
    apps = {app["id"]: app for app in listed.json()["tokens"]}
    assert apps[phone_id]["label"] == "montor1, Lockwork (Android)" and apps[phone_id]["current"]
    tablet = next(app for app in apps.values() if app["label"] == "tablet browser")
    assert not tablet["current"]
    # Tokens last APP_TOKEN_LIFETIME_DAYS from their pairing.
    lifetime = datetime.fromisoformat(tablet["expires_at"]) - datetime.fromisoformat(
        tablet["created_at"]
    )
    assert lifetime.total_seconds() == pytest.approx(APP_TOKEN_LIFETIME_DAYS * 86_400, abs=2)
    assert phone.json()["expires_at"] == apps[phone_id]["expires_at"]
    # Nobody without a token sees the list; the file holds no token.
    assert httpx.get(gateway.url + "/api/tokens").status_code == 401
    stored = (gateway.data_dir / "app_tokens.sqlite3").read_bytes()
    assert phone_token.encode() not in stored and tablet_token.encode() not in stored

    # The phone revokes the tablet (the app's "Ta bort"); the tablet is refused at once.
    revoked = httpx.delete(gateway.url + f"/api/tokens/{tablet['id']}", headers=auth(phone_token))
    assert revoked.status_code == 204
    refused = httpx.get(gateway.url + "/api/status", headers=auth(tablet_token))
    assert refused.status_code == 401 and refused.json()["code"] == "not_paired"
    again = httpx.delete(gateway.url + f"/api/tokens/{tablet['id']}", headers=auth(phone_token))
    assert again.status_code == 404 and again.json()["code"] == "token_not_found"
    # A stranger's page cannot revoke anyone.
    stranger = httpx.delete(
        gateway.url + f"/api/tokens/{phone_id}", headers=auth(phone_token, STRANGER)
    )
    assert stranger.status_code == 403

    # On the gateway, while it runs: the command lists the phone and revokes it; the running
    # gateway refuses the phone's next request, and the door does not move.
    cli_ids = {app["id"] for app in gateway.tokens_cli("list")["tokens"]}
    assert phone_id in cli_ids and tablet["id"] not in cli_ids
    assert gateway.tokens_cli("revoke", phone_id) == {"revoked": 1}
    before = gateway.woken_door()
    moved = operate_test(gateway, auth(phone_token))
    assert moved.status_code == 401 and moved.json()["code"] == "not_paired"
    assert httpx.get(gateway.url + "/api/status", headers=auth(phone_token)).status_code == 401
    assert gateway.door() == before
    unknown = run_gateway_cli(gateway, "tokens", "revoke", "000000000000")
    assert unknown.returncode == 2 and "tokens list" in unknown.stderr

    # --all: a lost phone nobody can tell apart; every app pairs again.
    assert gateway.tokens_cli("revoke", "--all")["revoked"] >= 1
    assert httpx.get(gateway.url + "/api/status", headers=auth(stack["token"])).status_code == 401
    stack["token"] = gateway.pair(gateway.new_code())


def run_gateway_cli(gateway: GatewayProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args, "--data-dir", str(gateway.data_dir)],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


def test_app_tokens_expire(stack: dict[str, Any], tmp_path: Path) -> None:
    gateway: GatewayProcess = stack["gateway"]
    with gateway_process(
        tmp_path / "gateway",
        sim_dir=gateway.sim_dir,
        sim_port=stack["sim_port"],
        serial=SERIAL,
        env=clean_env(),
        source=["--dev-authority", str(stack["root"] / "dev-authority")],
        extra=("--app-token-days", f"{SHORT_TOKEN_DAYS:.12f}"),
    ) as short:
        token = short.pair()
        assert httpx.get(short.url + "/api/status", headers=auth(token)).status_code == 200
        deadline = time.monotonic() + EXPIRY_BOUND_S
        while httpx.get(short.url + "/api/status", headers=auth(token)).status_code == 200:
            assert time.monotonic() < deadline, "the token did not expire"
            time.sleep(0.5)
        expired = httpx.get(short.url + "/api/status", headers=auth(token))
        assert expired.status_code == 401 and expired.json()["code"] == "not_paired"
        assert short.tokens_cli("list") == {"tokens": []}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"code": "\xff\xfe"}', 400, "bad_json"),
        (b"[" * 2000 + b"]" * 2000, 400, "bad_json"),
        (b'{"code": ' + b"[" * 20 + b"]" * 20 + b"}", 400, "bad_json"),
        (b'{"code": "12', 400, "bad_json"),
        (b'{"code": "' + b"1" * (MAX_BODY_BYTES + 1) + b'"}', 413, "body_too_large"),
        (b'{"code": "' + b"1" * 1_000_000 + b'"}', 413, "body_too_large"),
        (b'{"code": "1234567"}', 400, "bad_request"),
        (b'{"code": "123456", "label": "' + b"x" * 121 + b'"}', 400, "bad_request"),
    ],
)
def test_bad_input_to_pair_gets_a_clear_4xx(
    stack: dict[str, Any], body: bytes, status: int, code: str
) -> None:
    gateway: GatewayProcess = stack["gateway"]
    answer = httpx.post(
        gateway.url + "/api/pair",
        content=body,
        headers={"Content-Type": "application/json", "Origin": APP_ORIGIN},
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert answer.json()["message_sv"] and answer.json()["message_en"]


def test_bad_input_to_operations_gets_a_clear_4xx_and_moves_nothing(
    stack: dict[str, Any],
) -> None:
    gateway: GatewayProcess = stack["gateway"]
    token: str = stack["token"]
    before = gateway.woken_door()
    journal = gateway.data_dir / "operations.json"
    journalled = journal.read_bytes()
    headers = {**auth(token), "Content-Type": "application/json"}
    for body, status in [
        (b'{"kind": "test", "serial": "LW-90000\xff"}', 400),
        (b'{"kind": "test", "serial": ' + b"[" * 1000 + b"]" * 1000 + b"}", 400),
        (b'{"kind": "test", "serial": "' + b"A" * 1_000_000 + SERIAL.encode() + b'"}', 413),
        (b'{"kind": "test", "serial": "' + b"A" * 100 + SERIAL.encode() + b'"}', 400),
        (b'{"kind": "test", "serial": "../../' + SERIAL.encode() + b'"}', 400),
        (b'{"kind": "test", "serial": "LW-90 000"}', 400),
        (b'{"kind": "test", "serial": "LW-900000", "order_id": "not-a-uuid"}', 400),
    ]:
        answer = httpx.post(gateway.url + "/api/operations", content=body, headers=headers)
        assert answer.status_code == status, (body[:60], answer.text)
        assert answer.json()["message_en"]
    assert journal.read_bytes() == journalled  # nothing started, nothing journalled
    assert gateway.door() == before


def test_an_unknown_order_is_a_clear_404(tmp_path: Path) -> None:
    """With a real server: an order it does not know is 404 with a reason, not a 502."""
    env = server_env(f"sqlite:///{tmp_path / 'server.sqlite3'}", tmp_path / "server")
    sim_dir = tmp_path / "sim"
    env.update(lock_authority_env(env, sim_dir))
    assert run_cli(["migrate"], env).returncode == 0
    assert run_cli(["demo-data", "--customers", "5"], env).returncode == 0
    server_port = free_port()
    server = start_server("127.0.0.1", server_port, env)
    try:
        server_url = f"http://127.0.0.1:{server_port}"
        with simulator(sim_dir, SERIAL, env) as sim_port:
            device = device_token(server_url, "montor1", DEMO_PASSWORD, "404 test gateway")
            with gateway_process(
                tmp_path / "gateway",
                sim_dir=sim_dir,
                sim_port=sim_port,
                serial=SERIAL,
                env={**clean_env(), "LOCKWORK_GATEWAY_DEVICE_TOKEN": device},
                source=["--server", server_url],
            ) as gateway:
                token = gateway.pair()
                before = gateway.door()
                unknown = str(uuid.uuid4())
                prepared = httpx.post(
                    gateway.url + f"/api/orders/{unknown}/prepare", json={}, headers=auth(token)
                )
                assert prepared.status_code == 404, prepared.text
                body = prepared.json()
                assert body["code"] == "order_not_found"
                assert "404" in body["message_en"] and "Synka" in body["message_sv"]

                sim(sim_dir, "touch", SERIAL)
                operation = gateway.run(token, "battery", order_id=unknown)
                assert operation["state"] == "failed"
                assert operation["error"]["code"] == "order_not_found"
                assert gateway.door() == before
    finally:
        server.stop()
