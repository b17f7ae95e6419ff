"""The pairing link and its QR code: what `serve` shows next to each new pairing code (pure).

A fitter pairs the app by pointing the phone at the gateway's terminal. The QR code holds the
app's own pairing address, so that a phone's ordinary camera opens the app too:

    <the server's address>/gateway?url=<this gateway's address>#code=<6 digits>

The code is in the fragment: a browser never sends a fragment to the server, so the code is
neither sent there nor in any access log. A gateway that does not know the server's address
(development, with --dev-authority) shows ``lockwork-gateway:<its address>#code=<6 digits>``,
which only the app's own scanner understands.
"""

from __future__ import annotations

import io
import ipaddress
from typing import Final
from urllib.parse import quote

import segno

APP_PATH: Final = "/gateway"
SCHEME: Final = "lockwork-gateway:"
# Medium error correction: a terminal photographed at an angle, a smudged screen.
QR_ERROR: Final = "m"
WILDCARD_HOSTS: Final = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 (names, not a bind)


def gateway_address(host: str, port: int) -> str:
    """The address the app reaches this gateway at, as `serve` listens on ``host:port``.

    A gateway listening on every interface is reached on this device by its loopback address
    (the app's Content-Security-Policy allows loopback gateways only)."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1" if host != "::" else "::1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a name
    return f"http://{host}:{port}"


def pairing_link(code: str, gateway_url: str, server_url: str | None) -> str:
    """The content of the pairing QR code (see the module's text)."""
    if server_url:
        base = server_url.rstrip("/")
        return f"{base}{APP_PATH}?url={quote(gateway_url, safe='')}#code={code}"
    return f"{SCHEME}{gateway_url}#code={code}"


def terminal_qr(content: str) -> str:
    """The QR code of ``content`` in Unicode half blocks, two rows per line (light modules are
    drawn, dark ones left as the terminal's background, as segno's compact output does)."""
    out = io.StringIO()
    segno.make(content, error=QR_ERROR, micro=False).terminal(out=out, compact=True)
    return out.getvalue()


# The compact output's characters and the (top, bottom) modules each stands for, 1 = dark.
_BLOCKS: Final = {" ": (1, 1), "\u2580": (0, 1), "\u2584": (1, 0), "\u2588": (0, 0)}


def read_terminal_qr(lines: list[str]) -> list[list[int]]:
    """The module matrix (1 = dark, quiet zone included) of a QR code printed by
    `terminal_qr`; for tests that photograph the terminal."""
    rows: list[list[int]] = []
    for line in lines:
        pairs = [_BLOCKS[char] for char in line]
        rows.append([top for top, _ in pairs])
        rows.append([bottom for _, bottom in pairs])
    width = len(rows[0]) if rows else 0
    return rows[:width]  # an odd size's last line has an extra half row
