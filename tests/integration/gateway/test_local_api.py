"""`lockwork-gateway serve` (contract B) over HTTP, against simulated locks on the real stack.

HTTP -> Litestar -> the gateway's operations -> bleak on our Bumble backend -> virtual radio
-> the simulator's GATT server and lock firmware. Nothing is mocked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bumble.link import LocalLink

from firmware_sim.faults import Fault
from firmware_sim.lock import SimLock
from gateway.local_api.app_tokens import TOKENS_DB, AppTokens
from gateway.local_api.pairing import MAX_WRONG_CODES
from tests.integration.gateway.local_api_world import ORIGIN, LocalApi, local_api

pytestmark = pytest.mark.ble


def bolt(lock: SimLock) -> tuple[str, int, int]:
    mechanics = lock.model.mechanics
    return mechanics.bolt.value, mechanics.bolt_movements, mechanics.motor_runs


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def pair_lock(api: LocalApi, lock: SimLock) -> dict[str, object]:
    await lock.press_button()
    record = await api.run("pair", lock.serial)
    assert record["state"] == "succeeded", record["error"]
    return record


async def test_pairing_code_token_and_throttle(link: LocalLink, tmp_path: Path) -> None:
    async with local_api(link, tmp_path) as api:
        status = await api.http.get(f"{api.url}/api/status")
        assert status.status_code == 401 and status.json()["code"] == "not_paired"
        assert status.json()["message_sv"] and status.json()["message_en"]

        code = api.codes[-1]
        assert len(code) == 6 and code.isdigit()
        refused = await api.http.post(f"{api.url}/api/pair", json={"code": wrong(code)})
        assert refused.status_code == 401 and refused.json()["code"] == "wrong_code"

        token = await api.pair_app()
        status = await api.http.get(f"{api.url}/api/status", headers=api.auth)
        assert status.status_code == 200
        body = status.json()
        assert body["radio"].startswith("bumble") and body["queued_reports"] == 0
        assert body["server_reachable"] is False and body["gateway_id"] and body["version"]

        # One code pairs one app; the next needs a new code (from the terminal).
        again = await api.http.post(f"{api.url}/api/pair", json={"code": code})
        assert again.status_code == 409 and again.json()["code"] == "no_pairing_code"
        renewed = await api.http.post(f"{api.url}/api/pairing-code", json={})
        assert renewed.status_code == 202 and "code" not in renewed.json()
        assert len(api.codes) == 2 and api.codes[1] != ""

        # Wrong codes: after MAX_WRONG_CODES every attempt waits, even the right code.
        for _ in range(MAX_WRONG_CODES):
            answer = await api.http.post(f"{api.url}/api/pair", json={"code": wrong(api.codes[1])})
            assert answer.json()["code"] == "wrong_code"
        throttled = await api.http.post(f"{api.url}/api/pair", json={"code": api.codes[1]})
        assert throttled.status_code == 429 and throttled.json()["code"] == "too_many_attempts"
        assert int(throttled.headers["retry-after"]) > 0

        bad_token = await api.http.get(
            f"{api.url}/api/status", headers={"Authorization": "Bearer " + token[:-2] + "xx"}
        )
        assert bad_token.status_code == 401

    # The token is stored hashed, owner-only, and survives a restart of the gateway.
    stored = api.data_dir / TOKENS_DB
    assert token.encode() not in stored.read_bytes()
    assert stored.stat().st_mode & 0o777 == 0o600
    assert AppTokens(api.data_dir).valid(token)


async def test_cors_and_private_network_preflight(link: LocalLink, tmp_path: Path) -> None:
    async with local_api(link, tmp_path) as api:
        preflight = await api.http.options(
            f"{api.url}/api/operations",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
                "Access-Control-Request-Private-Network": "true",
            },
        )
        assert preflight.status_code in (200, 204)
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert preflight.headers["access-control-allow-private-network"] == "true"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()

        stranger = await api.http.options(
            f"{api.url}/api/operations",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Private-Network": "true",
            },
        )
        assert "access-control-allow-origin" not in stranger.headers
        assert "access-control-allow-private-network" not in stranger.headers

        simple = await api.http.post(
            f"{api.url}/api/pair", json={"code": "000000"}, headers={"Origin": ORIGIN}
        )
        assert simple.headers["access-control-allow-origin"] == ORIGIN


async def test_every_operation_through_the_api(link: LocalLink, tmp_path: Path) -> None:
    async with local_api(link, tmp_path, locks=2) as api:
        await api.pair_app()
        lock, other = api.fleet.locks

        scan = await api.run("scan")
        assert scan["state"] == "succeeded"
        names = {found["name"] for found in scan["result"]["locks"]}
        assert names == {lock.name, other.name}
        assert scan["progress"][0]["step"] == "scan_listening"

        # wake: the app shows "touch the lock" (in Swedish by default) until the lock wakes.
        waking = await api.start("wake", lock.serial)
        touch = (await api.wait_for_step(waking, "touch_to_wake"))["progress"][0]
        assert touch["message_sv"].startswith(f"Tryck på låset {lock.name}")
        assert touch["message_en"].startswith(f"Touch lock {lock.name}") and touch["at"]
        await lock.touch()
        woke = await api.finish(waking)
        assert woke["state"] == "succeeded" and woke["result"]["name"] == lock.name

        paired = await pair_lock(api, lock)
        assert paired["result"]["serial"] == lock.serial and lock.core.paired  # type: ignore[index]
        steps = [p["step"] for p in paired["progress"]]  # type: ignore[union-attr]
        assert "press_pairing_button" in steps and "pairing_receipt_stored" in steps

        await lock.touch()
        battery = await api.run("battery", lock.serial)
        assert battery["state"] == "succeeded", battery["error"]
        assert battery["result"]["percent"] == lock.battery.percent
        assert battery["result"]["voltage_mv"] == lock.battery.voltage_mv

        await lock.touch()
        tested = await api.run("test", lock.serial)
        assert tested["state"] == "succeeded" and tested["result"]["ok"]
        assert bolt(lock) == ("locked", 2, 1)

        await lock.touch()
        log = await api.run("log", lock.serial)
        commands = [entry["command"] for entry in log["result"]["entries"]]
        assert commands == ["READ_REPORT", "OPERATE_TEST", "READ_EVENT_LOG"]

        await lock.touch()
        diagnosis = await api.run("diagnose", lock.serial)
        assert diagnosis["result"]["fault_owner"] == "none"

        status = (await api.http.get(f"{api.url}/api/status", headers=api.auth)).json()
        assert status["queued_reports"] == 2  # pairing receipt + battery report, not uploaded

        await lock.touch()
        unpaired = await api.run("unpair", lock.serial)
        assert unpaired["state"] == "succeeded", unpaired["error"]
        assert not lock.core.paired

        # Typed errors for what the API cannot do, before the radio is touched.
        bad = await api.http.post(
            f"{api.url}/api/operations", json={"kind": "battery"}, headers=api.auth
        )
        assert bad.status_code == 400 and bad.json()["code"] == "bad_input"
        unknown = await api.http.post(
            f"{api.url}/api/operations", json={"kind": "open_door"}, headers=api.auth
        )
        assert unknown.status_code == 400 and unknown.json()["code"] == "bad_request"
        missing = await api.http.get(f"{api.url}/api/operations/nope", headers=api.auth)
        assert missing.status_code == 404 and missing.json()["code"] == "operation_not_found"
        never_paired = await api.run("battery", other.serial)
        assert never_paired["error"]["code"] == "lock_unknown"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault.JAMMED_BOLT, "bolt_jammed_lock_case"),
        (Fault.MOTOR_FAULT, "motor_fault"),
        (Fault.WEAK_BATTERY, "battery_too_low"),
        (Fault.DROP_LINK, "command_interrupted"),
    ],
)
async def test_injected_fault_ends_in_a_typed_error_with_the_door_as_it_was(
    link: LocalLink, tmp_path: Path, fault: Fault, code: str
) -> None:
    async with local_api(link, tmp_path) as api:
        await api.pair_app()
        lock = api.fleet.locks[0]
        await pair_lock(api, lock)
        before = bolt(lock)
        lock.set_fault(fault)
        await lock.touch()
        failed = await api.run("test", lock.serial)
        assert failed["state"] == "failed" and failed["result"] is None
        error = failed["error"]
        assert error["code"] == code
        assert error["message_sv"] and error["message_en"]
        assert error["message_sv"] != error["message_en"]
        assert bolt(lock) == before


async def test_a_lock_that_never_wakes_fails_clearly(link: LocalLink, tmp_path: Path) -> None:
    async with local_api(link, tmp_path) as api:
        await api.pair_app()
        lock = api.fleet.locks[0]
        await lock.set_battery_percent(0)  # a dead lock is silent
        record = await api.run("wake", lock.serial)
        assert record["error"]["code"] == "lock_not_heard"
        assert "batteri" in record["error"]["message_sv"]
