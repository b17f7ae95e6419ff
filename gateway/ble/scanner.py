"""Listening to adverts through bleak, for the gateway's scan and wake.

Adverts come out as plain `HeardAdvert` values, so that code outside `gateway.ble` never sees a
bleak type. Decoding our own payload is `lock_protocol.gatt`'s job, not this module's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bumble.device import Advertisement as BumbleAdvertisement

from gateway.ble.errors import classify
from gateway.ble.radio import Radio

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeardAdvert:
    """One advert as the radio heard it."""

    address: str
    local_name: str | None
    manufacturer_data: dict[int, bytes]
    rssi: int | None
    # From the advertising PDU type; None when the platform stack does not say (BlueZ,
    # CoreBluetooth). Callers then rely on the lock's own "awake" flag in its payload.
    connectable: bool | None


def _connectable(data: AdvertisementData) -> bool | None:
    for item in data.platform_data:
        if isinstance(item, BumbleAdvertisement):
            return bool(item.is_connectable)
    return None


@asynccontextmanager
async def listen(radio: Radio) -> AsyncIterator[asyncio.Queue[HeardAdvert]]:
    """Scan for the duration of the block; every advert heard arrives in the queue."""
    queue: asyncio.Queue[HeardAdvert] = asyncio.Queue()

    def on_advert(device: BLEDevice, data: AdvertisementData) -> None:
        queue.put_nowait(
            HeardAdvert(
                address=device.address,
                local_name=data.local_name,
                manufacturer_data={k: bytes(v) for k, v in data.manufacturer_data.items()},
                rssi=data.rssi,
                connectable=_connectable(data),
            )
        )

    args: BleakScanner.ExtraArgs = {}
    if radio.scanner_backend is not None:
        args["backend"] = radio.scanner_backend
    scanner = BleakScanner(detection_callback=on_advert, **args)
    try:
        await scanner.start()
    except Exception as exc:
        raise classify(exc, action="listen for locks") from exc
    try:
        yield queue
    finally:
        # Stopping can fail only if the radio went away; the scan is over either way.
        with contextlib.suppress(Exception):
            await scanner.stop()
