"""GATT layout and the advertising payload of a Lockwork lock.

Address characteristics by UUID (handle numbers differ between BLE stacks).

Advertising (legacy advert, 31 bytes, no scan response on the simulated radio):
    Flags                 3 bytes  (len 0x02, type 0x01, 0x06: LE general discoverable,
                                    BR/EDR not supported)
    Complete Local Name  11 bytes  (len 0x0A, type 0x09, "LW-" + 6-character short serial)
    Manufacturer Data    12 bytes  (len 0x0B, type 0xFF, company id 2 bytes little-endian,
                                    version 1, flags 1, short serial 6 ASCII)
    total                26 bytes  -> 5 spare. The 128-bit service UUID (18 bytes) does not
                                    fit; scan by name prefix "LW-" and the company id instead.
The advert is unauthenticated: its flags are hints for the fitter's UI, never evidence.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import IntFlag
from typing import Final

from lock_protocol.errors import MalformedError


def _sig_uuid(short: int) -> uuid.UUID:
    """A 16-bit Bluetooth SIG UUID on the Bluetooth base UUID."""
    return uuid.UUID(f"0000{short:04x}-0000-1000-8000-00805f9b34fb")


# Standard services and characteristics (Bluetooth SIG assigned numbers).
BATTERY_SERVICE: Final = _sig_uuid(0x180F)
BATTERY_LEVEL: Final = _sig_uuid(0x2A19)
DEVICE_INFORMATION_SERVICE: Final = _sig_uuid(0x180A)
MANUFACTURER_NAME: Final = _sig_uuid(0x2A29)
MODEL_NUMBER: Final = _sig_uuid(0x2A24)
SERIAL_NUMBER: Final = _sig_uuid(0x2A25)
FIRMWARE_REVISION: Final = _sig_uuid(0x2A26)

# The lock's own service: one random vendor base, characteristics at +1, +2 in the first
# group (the usual vendor-base pattern, so they are easy to recognise in a sniffer trace).
LOCK_SERVICE: Final = uuid.UUID("986c4081-9e8f-4bb7-bd98-ea6d676b2a2f")
# Client -> lock frames (fragmented); properties: write, write-without-response.
CONTROL_POINT: Final = uuid.UUID("986c4082-9e8f-4bb7-bd98-ea6d676b2a2f")
# Lock -> client frames (fragmented); properties: notify.
EVENT: Final = uuid.UUID("986c4083-9e8f-4bb7-bd98-ea6d676b2a2f")

CONTROL_POINT_PROPERTIES: Final = ("write", "write-without-response")  # bleak's names
EVENT_PROPERTIES: Final = ("notify",)

# 0xFFFF is the Bluetooth SIG's id reserved for testing; a product needs its own id.
COMPANY_ID: Final = 0xFFFF
ADVERT_VERSION: Final = 0x01
NAME_PREFIX: Final = "LW-"
SHORT_SERIAL_CHARS: Final = 6
LEGACY_ADVERT_MAX_BYTES: Final = 31

AD_TYPE_FLAGS: Final = 0x01
AD_TYPE_COMPLETE_LOCAL_NAME: Final = 0x09
AD_TYPE_SHORTENED_LOCAL_NAME: Final = 0x08
AD_TYPE_MANUFACTURER_DATA: Final = 0xFF
LE_GENERAL_DISCOVERABLE_NO_BREDR: Final = 0x06

_SHORT_SERIAL = re.compile(r"^[0-9A-Z]{6}$")


class AdvertFlags(IntFlag):
    AWAKE = 0x01  # connectable now (touched); a sleeping lock only beacons
    LOW_BATTERY = 0x02
    PAIRED = 0x04  # bound to a customer; clear = factory-new


@dataclass(frozen=True, slots=True)
class Advertisement:
    short_serial: str
    awake: bool
    low_battery: bool
    paired: bool

    @property
    def local_name(self) -> str:
        return NAME_PREFIX + self.short_serial

    @property
    def flags(self) -> AdvertFlags:
        flags = AdvertFlags(0)
        if self.awake:
            flags |= AdvertFlags.AWAKE
        if self.low_battery:
            flags |= AdvertFlags.LOW_BATTERY
        if self.paired:
            flags |= AdvertFlags.PAIRED
        return flags


def short_serial_for(serial: str) -> str:
    """The last six letters/digits of a serial, upper-case: what the name and advert show."""
    chars = [c for c in serial.upper() if c.isascii() and c.isalnum()]
    if len(chars) < SHORT_SERIAL_CHARS:
        raise MalformedError("serial too short for a short serial")
    return "".join(chars[-SHORT_SERIAL_CHARS:])


def _check_short_serial(short_serial: str) -> str:
    if not _SHORT_SERIAL.fullmatch(short_serial):
        raise MalformedError("short serial must be 6 characters 0-9 A-Z")
    return short_serial


def encode_manufacturer_payload(advert: Advertisement) -> bytes:
    """The manufacturer data after the company id (what bleak puts in its dict value)."""
    return bytes([ADVERT_VERSION, int(advert.flags)]) + _check_short_serial(
        advert.short_serial
    ).encode("ascii")


def decode_manufacturer_payload(payload: bytes) -> Advertisement:
    if len(payload) != 2 + SHORT_SERIAL_CHARS:
        raise MalformedError("manufacturer data has the wrong length")
    if payload[0] != ADVERT_VERSION:
        raise MalformedError(f"unknown advert version {payload[0]}")
    # Reserved flag bits are ignored so that newer firmware stays readable.
    flags = AdvertFlags(
        payload[1] & int(AdvertFlags.AWAKE | AdvertFlags.LOW_BATTERY | AdvertFlags.PAIRED)
    )
    try:
        short_serial = _check_short_serial(payload[2:].decode("ascii"))
    except UnicodeDecodeError as exc:
        raise MalformedError("short serial is not ASCII") from exc
    return Advertisement(
        short_serial=short_serial,
        awake=AdvertFlags.AWAKE in flags,
        low_battery=AdvertFlags.LOW_BATTERY in flags,
        paired=AdvertFlags.PAIRED in flags,
    )


def encode_advertisement(advert: Advertisement) -> bytes:
    """The full legacy advertising data (AD structures), at most 31 bytes."""
    name = advert.local_name.encode("ascii")
    manufacturer = COMPANY_ID.to_bytes(2, "little") + encode_manufacturer_payload(advert)
    data = (
        bytes([2, AD_TYPE_FLAGS, LE_GENERAL_DISCOVERABLE_NO_BREDR])
        + bytes([1 + len(name), AD_TYPE_COMPLETE_LOCAL_NAME])
        + name
        + bytes([1 + len(manufacturer), AD_TYPE_MANUFACTURER_DATA])
        + manufacturer
    )
    if len(data) > LEGACY_ADVERT_MAX_BYTES:  # cannot happen with the fixed sizes above
        raise MalformedError("advert exceeds 31 bytes")
    return data


def parse_ad_structures(data: bytes) -> list[tuple[int, bytes]]:
    """Split advertising data into (AD type, value) pairs; zero-length padding ends it."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        length = data[pos]
        if length == 0:
            break
        if pos + 1 + length > len(data):
            raise MalformedError("truncated AD structure")
        out.append((data[pos + 1], bytes(data[pos + 2 : pos + 1 + length])))
        pos += 1 + length
    return out


def decode_advertisement(data: bytes) -> Advertisement:
    """Parse full advertising data; requires our manufacturer data, checks the name agrees."""
    if len(data) > LEGACY_ADVERT_MAX_BYTES:
        raise MalformedError("advert exceeds 31 bytes")
    advert: Advertisement | None = None
    name: str | None = None
    for ad_type, value in parse_ad_structures(data):
        if ad_type == AD_TYPE_MANUFACTURER_DATA and len(value) >= 2:
            if int.from_bytes(value[:2], "little") == COMPANY_ID:
                advert = decode_manufacturer_payload(value[2:])
        elif ad_type in (AD_TYPE_COMPLETE_LOCAL_NAME, AD_TYPE_SHORTENED_LOCAL_NAME):
            name = value.decode("ascii", errors="replace")
    if advert is None:
        raise MalformedError("not a Lockwork advert")
    if name is not None and name != advert.local_name:
        raise MalformedError("local name and manufacturer data disagree")
    return advert
