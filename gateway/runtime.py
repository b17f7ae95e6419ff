"""What a long-running gateway (`serve`, `hub`) opens once and shares: radio, queue, access.

`open_runtime` resolves the configuration (where tickets and credentials come from, which
factory authority to trust), opens the radio and the report queue, and closes them again.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from gateway.ble.radio import RadioConfig, open_radio
from gateway.dev_authority import DevAuthority
from gateway.errors import InputError
from gateway.known_locks import KnownLocks
from gateway.lock_access import DevLockAccess, LockAccess, ServerLockAccess
from gateway.lock_client import ANSWER_TIMEOUT_S
from gateway.operations import WAKE_TIMEOUT_S, OperationContext
from gateway.report_queue import ReportQueue
from gateway.server_client import LockServerClient, ServerAccessError
from gateway.uploader import UPLOAD_INTERVAL_S, Uploader
from lock_protocol.crypto import PUBLIC_KEY_BYTES, SigningKey

GATEWAY_ID_FILE: Final = "gateway_id"
QUEUE_FILE: Final = "reports.sqlite3"
AUTHORITY_FILE: Final = "factory_authority.pub"


@dataclass
class GatewayConfig:
    data_dir: Path
    radio: RadioConfig
    staff_key: SigningKey
    factory_authority: bytes | None = None
    server_url: str | None = None
    device_token: str | None = None
    device_id: str | None = None  # a hub's device id on the server
    dev_authority_dir: Path | None = None
    wake_timeout_s: float = WAKE_TIMEOUT_S
    answer_timeout_s: float = ANSWER_TIMEOUT_S
    upload_interval_s: float = UPLOAD_INTERVAL_S


@dataclass
class Runtime:
    gateway_id: str
    ctx: OperationContext
    access: LockAccess
    known: KnownLocks
    queue: ReportQueue
    uploader: Uploader
    radio_description: str


def gateway_id(data_dir: Path) -> str:
    """This gateway's id: made once, kept in the data folder."""
    path = data_dir / GATEWAY_ID_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    made = str(uuid.uuid4())
    path.write_text(made + "\n")
    return made


async def _factory_authority(config: GatewayConfig, server: LockServerClient | None) -> bytes:
    if config.factory_authority is not None:
        return config.factory_authority
    stored = config.data_dir / AUTHORITY_FILE
    if stored.is_file():
        return bytes.fromhex(stored.read_text().strip())
    if server is not None:
        try:
            keys = (await server.lock_authority()).factory_authority_public_keys
        except ServerAccessError:
            cached = server.cache().authority
            keys = cached.factory_authority_public_keys if cached else []
        if keys:
            return bytes.fromhex(keys[0])
    raise InputError(
        "The gateway does not know which locks to trust. Pass --factory-authority (the "
        "simulator writes var/sim/factory_authority.pub), or --server so that it asks the "
        "server once."
    )


@asynccontextmanager
async def open_runtime(
    config: GatewayConfig, echo: Callable[[str], None] = lambda _line: None
) -> AsyncIterator[Runtime]:
    if config.dev_authority_dir is None and not (config.server_url and config.device_token):
        raise InputError(
            "Tell the gateway where tickets and credentials come from: --server URL with "
            "--device-token (from the app: Settings, Devices), or --dev-authority DIR for the "
            "simulator (development only)."
        )
    server: LockServerClient | None = None
    if config.server_url and config.device_token:
        server = LockServerClient(config.server_url, config.device_token, config.data_dir)
    known = KnownLocks(config.data_dir)
    access: LockAccess
    if config.dev_authority_dir is not None:
        authority = DevAuthority.load(config.dev_authority_dir)
        access = DevLockAccess(authority, config.staff_key, known)
    else:
        assert server is not None  # checked above
        access = ServerLockAccess(server, config.staff_key, config.device_id)
    factory_key = await _factory_authority(config, server)
    if len(factory_key) != PUBLIC_KEY_BYTES:
        raise InputError(f"The factory authority key must be {PUBLIC_KEY_BYTES} bytes (hex).")
    queue = await ReportQueue.open(config.data_dir / QUEUE_FILE)
    uploader = Uploader(queue, server, interval_s=config.upload_interval_s, echo=echo)
    try:
        async with await open_radio(config.radio) as radio:
            ctx = OperationContext(
                radio=radio,
                factory_authority_public_key=factory_key,
                queue=queue,
                wake_timeout_s=config.wake_timeout_s,
                answer_timeout_s=config.answer_timeout_s,
            )
            uploader.start()
            try:
                yield Runtime(
                    gateway_id=gateway_id(config.data_dir),
                    ctx=ctx,
                    access=access,
                    known=known,
                    queue=queue,
                    uploader=uploader,
                    radio_description=radio.description,
                )
            finally:
                await uploader.close()
    finally:
        await queue.close()


def hex_key(value: str | None) -> bytes | None:
    """A public key given as hex or as a file holding hex."""
    if value is None:
        return None
    path = Path(value)
    text = path.read_text() if path.is_file() else value
    try:
        return bytes.fromhex(text.strip())
    except ValueError as exc:
        raise InputError(f"{value!r} is neither hex nor a file holding hex.") from exc


def env(name: str) -> str | None:
    return os.environ.get(name) or None
