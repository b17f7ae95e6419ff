"""Draw the app icons (PNG) without any image library: a padlock on the brand colour.

Run from the repository root: ``python pwa/tools/make_icons.py``. The output is committed;
the server never runs this.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BRAND = (11, 61, 145)  # #0b3d91, the theme colour in the manifest
WHITE = (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "icons"


def _png(size: int, pixels: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + row for row in pixels)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _is_lock(x: float, y: float, scale: float) -> bool:
    """A padlock in unit coordinates (0..1), shrunk by ``scale`` around the centre."""
    u = (x - 0.5) / scale + 0.5
    v = (y - 0.5) / scale + 0.5
    body = 0.25 <= u <= 0.75 and 0.45 <= v <= 0.8
    keyhole = (u - 0.5) ** 2 + (v - 0.58) ** 2 <= 0.04**2 or (
        abs(u - 0.5) <= 0.018 and 0.58 <= v <= 0.7
    )
    r = ((u - 0.5) ** 2 + (v - 0.45) ** 2) ** 0.5
    shackle = v <= 0.45 and 0.14 <= r <= 0.2
    return (body and not keyhole) or shackle


def draw(size: int, scale: float) -> bytes:
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            colour = WHITE if _is_lock((px + 0.5) / size, (py + 0.5) / size, scale) else BRAND
            row.extend(colour)
        rows.append(bytes(row))
    return _png(size, rows)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "icon-192.png").write_bytes(draw(192, 1.0))
    (OUT / "icon-512.png").write_bytes(draw(512, 1.0))
    # Maskable: the safe zone is the inner 80 %, so the lock is drawn smaller.
    (OUT / "icon-maskable-512.png").write_bytes(draw(512, 0.75))


if __name__ == "__main__":
    main()
