"""Scanning helpers for the simulator tests: what the gateway's bleak scanner hears."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from bleak import BleakScanner
from bumble.device import Advertisement as BumbleAdvertisement

from gateway.ble.radio import Radio
from lock_protocol.gatt import COMPANY_ID, Advertisement, decode_manufacturer_payload

# Several beacons at the test beacon interval (100 ms); only bounds a test that would hang.
SCAN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Heard:
    advert: Advertisement  # our payload, decoded
    connectable: bool  # from the advertising PDU type, as the radio reports it
    name: str | None


async def hear(
    radio: Radio,
    address: str,
    predicate: Callable[[Heard], bool] = lambda _heard: True,
    timeout_s: float = SCAN_TIMEOUT_S,
) -> Heard:
    """The first advert from `address` matching `predicate`, through bleak."""
    assert radio.scanner_backend is not None
    async with (
        asyncio.timeout(timeout_s),
        BleakScanner(backend=radio.scanner_backend) as scanner,
    ):
        async for device, data in scanner.advertisement_data():
            if device.address != address or COMPANY_ID not in data.manufacturer_data:
                continue
            (platform,) = data.platform_data
            assert isinstance(platform, BumbleAdvertisement)
            heard = Heard(
                decode_manufacturer_payload(data.manufacturer_data[COMPANY_ID]),
                platform.is_connectable,
                data.local_name,
            )
            if predicate(heard):
                return heard
    raise AssertionError("unreachable")


async def silent(radio: Radio, address: str, period_s: float) -> bool:
    """True if nothing at all is heard from `address` for `period_s`."""
    try:
        await hear(radio, address, timeout_s=period_s)
    except TimeoutError:
        return True
    return False
