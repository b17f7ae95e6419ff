"""A gateway in `serve` mode on a random loopback port, over a simulated fleet, for tests.

The gateway is the product code (`gateway.serve`: Litestar under uvicorn, operations over
bleak on our Bumble backend); the locks are `firmware_sim` on the same virtual link; tickets
and credentials come from the development authority, vouched for by the fleet's factory.
Nothing is mocked; the test talks HTTP to the API.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from bumble.link import LocalLink

from firmware_sim.fleet import Fleet
from firmware_sim.radio_hub import attach_controller
from gateway.ble.radio import InProcessRadio
from gateway.dev_authority import OPERATOR_CERT_FILE, DevAuthority
from gateway.runtime import GatewayConfig
from gateway.serve import serve
from lock_protocol.credentials import issue_operator_certificate
from lock_protocol.crypto import SigningKey
from tests.integration.gateway.gateway_world import TEST_ANSWER_TIMEOUT_S, TEST_WAKE_TIMEOUT_S
from tests.integration.sim.sim_driver import TEST_TIMING

ORIGIN = "https://app.lockwork.test"
# The simulator's test timings, with a wake window long enough for a touch followed by an HTTP
# request, an operation task and a connect on a loaded CI machine (0.4 s was not, at times).
LOCAL_API_TIMING = dataclasses.replace(TEST_TIMING, wake_window_s=2.0)
# The app polls every ~300 ms; the tests poll faster to stay quick. The bound stops a hang.
POLL_S = 0.02
OPERATION_BOUND_S = 30.0


@dataclass
class LocalApi:
    url: str
    fleet: Fleet
    data_dir: Path
    codes: list[str]
    http: httpx.AsyncClient
    token: str | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        assert self.token is not None
        return {"Authorization": f"Bearer {self.token}"}

    async def pair_app(self) -> str:
        answer = await self.http.post(f"{self.url}/api/pair", json={"code": self.codes[-1]})
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["token"]
        return self.token

    async def start(self, kind: str, serial: str | None = None, **extra: Any) -> str:
        body = {"kind": kind, "serial": serial, **extra}
        answer = await self.http.post(f"{self.url}/api/operations", json=body, headers=self.auth)
        assert answer.status_code == 202, answer.text
        assert answer.json()["state"] == "running"
        return str(answer.json()["id"])

    async def poll(self, operation_id: str) -> dict[str, Any]:
        answer = await self.http.get(f"{self.url}/api/operations/{operation_id}", headers=self.auth)
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    async def finish(self, operation_id: str) -> dict[str, Any]:
        async with asyncio.timeout(OPERATION_BOUND_S):
            while True:  # polling over HTTP, as the app does
                record = await self.poll(operation_id)
                if record["state"] != "running":
                    return record
                await asyncio.sleep(POLL_S)

    async def wait_for_step(self, operation_id: str, step: str) -> dict[str, Any]:
        async with asyncio.timeout(OPERATION_BOUND_S):
            while True:
                record = await self.poll(operation_id)
                if any(p["step"] == step for p in record["progress"]):
                    return record
                await asyncio.sleep(POLL_S)

    async def run(self, kind: str, serial: str | None = None, **extra: Any) -> dict[str, Any]:
        return await self.finish(await self.start(kind, serial, **extra))


def dev_authority_dir(folder: Path, fleet: Fleet) -> Path:
    """A development authority whose key the fleet's factory vouches for."""
    key = DevAuthority.load_or_create_key(folder)
    cert = issue_operator_certificate(fleet.authority, key.public_key, "Test fitters AB")
    (folder / OPERATOR_CERT_FILE).write_text(cert.hex() + "\n")
    return folder


@asynccontextmanager
async def local_api(link: LocalLink, tmp_path: Path, locks: int = 1) -> AsyncIterator[LocalApi]:
    fleet = await Fleet.start(
        tmp_path / "sim", locks, lambda name: attach_controller(link, name), timing=LOCAL_API_TIMING
    )
    data_dir = tmp_path / "gateway"
    config = GatewayConfig(
        data_dir=data_dir,
        radio=InProcessRadio(partial(attach_controller, link)),
        staff_key=SigningKey(os.urandom(32)),
        factory_authority=fleet.authority_public_key,
        dev_authority_dir=dev_authority_dir(tmp_path / "dev-authority", fleet),
        wake_timeout_s=TEST_WAKE_TIMEOUT_S,
        answer_timeout_s=TEST_ANSWER_TIMEOUT_S,
    )
    codes: list[str] = []
    lines: list[str] = []
    listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(
            config,
            port=0,
            allow_origins=[ORIGIN],
            echo=lines.append,
            on_code=codes.append,
            on_listening=listening.set_result,
        )
    )
    try:
        port = await asyncio.wait_for(asyncio.shield(listening), OPERATION_BOUND_S)
        async with httpx.AsyncClient(timeout=OPERATION_BOUND_S) as http:
            yield LocalApi(f"http://127.0.0.1:{port}", fleet, data_dir, codes, http, lines=lines)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await fleet.close()
