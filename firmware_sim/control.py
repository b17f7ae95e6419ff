"""The local control channel: other processes touch locks, set batteries and inject faults.

JSON lines over TCP on 127.0.0.1, served by `lockwork-sim run`. One request per line, one
answer per line:

    -> {"op": "touch", "lock": "LWSABC234XYZ"}
    <- {"ok": true, "lock": {...status...}, "woke": true}
    -> {"op": "battery", "lock": "234XYZ", "percent": 12}
    -> {"op": "fault", "lock": "LW-234XYZ", "fault": "slow", "delay_s": 1.5}
    -> {"op": "pair_button", "lock": "..."}
    -> {"op": "status"}
    <- {"ok": true, "locks": [...], "radio": "tcp-client:127.0.0.1:P",
        "factory_authority_public_key": "<hex>"}
    <- {"ok": false, "error": "no lock 'X' in this simulator (locks: ...)"}

`lock` is a serial, a short serial or an advertised name. Where it listens: `--control-port`,
else the radio port + 1, else (port 0: any free port) what `run` wrote to
DATA_DIR/control.json. Loopback only: it is a simulator's test hook, with no authentication.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any, Final

import msgspec

from firmware_sim.errors import ControlError, SimulatorError, SimulatorNotRunningError
from firmware_sim.faults import parse_fault
from firmware_sim.fleet import Fleet
from firmware_sim.store import atomic_write

logger = logging.getLogger(__name__)

CONTROL_HOST: Final = "127.0.0.1"
CONTROL_FILE: Final = "control.json"
# Requests are a few dozen bytes; the bound stops a stray client from growing our buffer.
MAX_LINE_BYTES: Final = 64 * 1024
# The client waits this long for an answer: every request completes in milliseconds (a slow
# lock's delay is applied to its Bluetooth answers, not here); 10 s only guards against a hang.
CLIENT_TIMEOUT_S: Final = 10.0
NOT_RUNNING_HINT: Final = "Start it with: lockwork-sim run --locks N --port P"


class ControlRequest(msgspec.Struct, forbid_unknown_fields=True):
    op: str
    lock: str | None = None
    percent: float | None = None
    fault: str | None = None
    delay_s: float | None = None


class ControlInfo(msgspec.Struct):
    """What `run` writes to DATA_DIR/control.json for the other commands to find it."""

    host: str
    port: int
    pid: int
    radio: str


class ControlServer:
    """Serves the control channel for one fleet."""

    def __init__(self, fleet: Fleet, radio_spec: str) -> None:
        self._fleet = fleet
        self._radio_spec = radio_spec
        self._server: asyncio.Server | None = None

    async def start(self, host: str = CONTROL_HOST, port: int = 0) -> int:
        self._server = await asyncio.start_server(
            self._serve_client, host, port, limit=MAX_LINE_BYTES
        )
        bound: int = self._server.sockets[0].getsockname()[1]
        logger.info("control channel on %s:%d", host, bound)
        return bound

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while line := await reader.readline():
                answer = await self.dispatch_line(line)
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError) as exc:
            logger.warning("control client dropped: %r", exc)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def dispatch_line(self, line: bytes) -> dict[str, Any]:
        try:
            request = msgspec.json.decode(line, type=ControlRequest)
        except msgspec.DecodeError as exc:
            return {"ok": False, "error": f"bad request: {exc}"}
        try:
            return {"ok": True, **await self.dispatch(request)}
        except SimulatorError as exc:
            return {"ok": False, "error": str(exc)}

    async def dispatch(self, request: ControlRequest) -> dict[str, Any]:
        if request.op == "status":
            return {
                "locks": [lock.status() for lock in self._fleet.locks],
                "radio": self._radio_spec,
                "factory_authority_public_key": self._fleet.authority_public_key.hex(),
            }
        if request.lock is None:
            raise ControlError(f"{request.op!r} needs a lock")
        lock = self._fleet.find(request.lock)
        result: dict[str, Any] = {}
        if request.op == "touch":
            result["woke"] = await lock.touch()
        elif request.op == "pair_button":
            result["woke"] = await lock.press_button()
        elif request.op == "battery":
            if request.percent is None:
                raise ControlError("'battery' needs a percent")
            await lock.set_battery_percent(request.percent)
        elif request.op == "fault":
            lock.set_fault(parse_fault(request.fault or "none"), slow_delay_s=request.delay_s)
        else:
            raise ControlError(
                f"unknown op {request.op!r}; use touch, pair_button, battery, fault or status"
            )
        result["lock"] = lock.status()
        return result


# -- where the channel is -------------------------------------------------------------------


def write_control_info(data_dir: Path, info: ControlInfo) -> None:
    atomic_write(data_dir / CONTROL_FILE, msgspec.json.encode(info))


def remove_control_info(data_dir: Path) -> None:
    path = data_dir / CONTROL_FILE
    with contextlib.suppress(FileNotFoundError):
        info = msgspec.json.decode(path.read_bytes(), type=ControlInfo)
        if info.pid == os.getpid():  # never remove a newer simulator's file
            path.unlink()


def resolve_control_port(data_dir: Path, control_port: int | None, radio_port: int | None) -> int:
    """`--control-port`, else radio port + 1, else what `run` wrote to the data folder."""
    if control_port is not None:
        return control_port
    if radio_port is not None:
        return radio_port + 1
    path = data_dir / CONTROL_FILE
    try:
        return msgspec.json.decode(path.read_bytes(), type=ControlInfo).port
    except FileNotFoundError:
        raise SimulatorNotRunningError(
            f"No simulator is running for data folder {data_dir}. {NOT_RUNNING_HINT}"
        ) from None
    except msgspec.DecodeError as exc:
        raise ControlError(f"{path} is not a simulator's control file: {exc}") from exc


def request(port: int, payload: dict[str, Any], host: str = CONTROL_HOST) -> dict[str, Any]:
    """Send one request and return the answer; raises `ControlError` on refusal."""
    try:
        with socket.create_connection((host, port), timeout=CLIENT_TIMEOUT_S) as sock:
            sock.sendall(json.dumps(payload).encode() + b"\n")
            with sock.makefile("rb") as stream:
                line = stream.readline(MAX_LINE_BYTES * 16)
    except ConnectionRefusedError:
        raise SimulatorNotRunningError(
            f"No simulator is answering on {host}:{port}. {NOT_RUNNING_HINT}"
        ) from None
    except OSError as exc:
        raise ControlError(f"the simulator on {host}:{port} did not answer: {exc}") from exc
    if not line:
        raise ControlError(f"the simulator on {host}:{port} closed the connection")
    try:
        answer: dict[str, Any] = json.loads(line)
    except ValueError as exc:
        raise ControlError(f"the simulator on {host}:{port} answered garbage") from exc
    if not isinstance(answer, dict) or not answer.get("ok"):
        error = answer.get("error") if isinstance(answer, dict) else None
        raise ControlError(str(error or "request refused"))
    return answer
