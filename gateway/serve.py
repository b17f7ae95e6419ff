"""`lockwork-gateway serve`: the local HTTP API for the app (contract B) on this gateway.

Prints a 6-digit pairing code on the terminal, with a QR code of the app's pairing link
(`gateway.local_api.pairing_link`); the app pairs with it once and gets a token.
Runs uvicorn inside the gateway's event loop, so the API, the operations and the Bumble radio
share one loop.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable
from importlib import metadata
from typing import Final

import uvicorn

from gateway.local_api.app import LocalApiState, create_local_api
from gateway.local_api.app_tokens import APP_TOKEN_LIFETIME_DAYS, DAY_S, AppTokens
from gateway.local_api.pairing import CODE_LIFETIME_S, PairingCodeGate
from gateway.local_api.pairing_link import gateway_address, pairing_link, terminal_qr
from gateway.local_api.runner import OperationRunner
from gateway.runtime import GatewayConfig, open_runtime

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8765
# The PWA as `make demo` serves it; other origins with --allow-origin.
DEFAULT_ORIGINS: Final = ("http://127.0.0.1:8000", "http://localhost:8000")


def _version() -> str:
    try:
        return metadata.version("lockwork")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _echo(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def announce_code(code: str, link: str | None = None) -> None:
    """The pairing code, on stdout (the one thing a supervisor or a person needs to read):
    the QR code of the pairing link first (`link`), then the digits for typing."""
    if link:
        print(
            "Pair the app: scan this QR code with the phone's camera, or tap "
            '"Skanna QR-koden" in the app.',
            flush=True,
        )
        print(terminal_qr(link), end="", flush=True)
    print(
        f"pairing code: {code}  (valid {CODE_LIFETIME_S / 60:.0f} minutes; scan the QR code, "
        "or type the code in the app)",
        flush=True,
    )


async def serve(
    config: GatewayConfig,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_origins: list[str] | None = None,
    allowed_hosts: list[str] | None = None,
    app_token_days: float = APP_TOKEN_LIFETIME_DAYS,
    echo: Callable[[str], None] = _echo,
    on_code: Callable[[str], None] | None = None,
    on_listening: Callable[[int], None] = lambda _port: None,
) -> None:
    origins = list(DEFAULT_ORIGINS) if allow_origins is None else allow_origins
    async with open_runtime(config, echo) as runtime:
        runner = OperationRunner(
            runtime.ctx,
            runtime.access,
            runtime.known,
            config.data_dir,
            on_evidence=runtime.uploader.kick,
            before_grant=runtime.uploader.flush,
            echo=echo,
        )
        gate = PairingCodeGate()
        # Bind first, so the port is known (port 0: any free one) before anything is printed.
        listener = socket.create_server((host, port))
        port = listener.getsockname()[1]
        link_to = gateway_address(host, port)
        server_url = config.server_url

        def show_code(code: str) -> None:
            announce_code(code, pairing_link(code, link_to, server_url))

        announce = on_code or show_code
        state = LocalApiState(
            gateway_id=runtime.gateway_id,
            version=_version(),
            radio=runtime.radio_description,
            access=runtime.access,
            gate=gate,
            tokens=AppTokens(config.data_dir, lifetime_s=app_token_days * DAY_S),
            runner=runner,
            queue=runtime.queue,
            server_reachable=lambda: runtime.uploader.server_reachable,
            announce_code=announce,
            echo=echo,
        )
        app = create_local_api(state, origins, allowed_hosts or [])
        server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        )
        echo(
            f"lockwork-gateway: local API on http://{host}:{port} (radio {state.radio}; "
            f"tickets and credentials from the {state.access.description}; "
            f"apps from {', '.join(origins)}; app tokens valid {app_token_days:g} days)"
        )
        announce(gate.new_code())
        on_listening(port)
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        try:
            await serving
        finally:
            server.should_exit = True
            await asyncio.gather(serving, return_exceptions=True)
            await runner.close()
            listener.close()
