"""Radio selection, error classification, retry policy and advert parsing (no radio needed)."""

from __future__ import annotations

import pytest
from bleak.exc import BleakCharacteristicNotFoundError, BleakError, BleakGATTProtocolError
from bumble import core as bumble_core
from bumble.core import AdvertisingData

from gateway.ble.bumble_backend import parse_advertising_data
from gateway.ble.connection import RetryPolicy
from gateway.ble.errors import (
    BleError,
    BleTimeout,
    CharacteristicMissing,
    EncryptionRequired,
    GattOperationFailed,
    LinkLost,
    LinkLostError,
    RadioUnavailable,
    classify,
)
from gateway.ble.radio import RadioConfigError, open_radio
from gateway.errors import GatewayError

pytestmark = pytest.mark.ble

INSUFFICIENT_ENCRYPTION = 0x0F
INSUFFICIENT_AUTHENTICATION = 0x05
WRITE_NOT_PERMITTED = 0x03


@pytest.mark.parametrize(
    ("exc", "still_connected", "expected"),
    [
        (BleakGATTProtocolError(INSUFFICIENT_ENCRYPTION), True, EncryptionRequired),
        (BleakGATTProtocolError(INSUFFICIENT_AUTHENTICATION), True, EncryptionRequired),
        (BleakGATTProtocolError(WRITE_NOT_PERMITTED), True, GattOperationFailed),
        (LinkLostError("gone"), None, LinkLost),
        (TimeoutError(), True, BleTimeout),
        (TimeoutError(), False, LinkLost),  # the link died while we waited
        (bumble_core.TimeoutError(), True, BleTimeout),  # pitfall 3: not the builtin
        (BleakError("Not connected"), False, LinkLost),
        (BleakCharacteristicNotFoundError("1234"), True, CharacteristicMissing),
        (ConnectionRefusedError(), None, RadioUnavailable),
    ],
)
def test_classify_by_type_and_code(
    exc: BaseException, still_connected: bool | None, expected: type[BleError]
) -> None:
    error = classify(exc, action="read the battery level", still_connected=still_connected)
    assert type(error) is expected
    assert isinstance(error, GatewayError)
    assert "read the battery level" in error.message


def test_classify_keeps_the_att_code() -> None:
    error = classify(BleakGATTProtocolError(WRITE_NOT_PERMITTED), action="write")
    assert isinstance(error, GattOperationFailed) and error.code == WRITE_NOT_PERMITTED


def test_retry_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=6, initial_delay_s=0.25, factor=2.0, max_delay_s=2.0)
    assert list(policy.delays()) == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert list(RetryPolicy(attempts=1).delays()) == []


def test_parse_advert_fields_first_occurrence_wins() -> None:
    one = AdvertisingData(
        [
            (AdvertisingData.COMPLETE_LOCAL_NAME, b"LW-0042"),
            (AdvertisingData.MANUFACTURER_SPECIFIC_DATA, b"\xff\xffLW"),
            (AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, b"\x0f\x18"),
            (AdvertisingData.SERVICE_DATA_16_BIT_UUID, b"\x0f\x18\x57"),
            (AdvertisingData.TX_POWER_LEVEL, b"\xf8"),
        ]
    )
    # Bumble hands over advert + scan response concatenated (pitfall 7): the same twice.
    parsed = parse_advertising_data(AdvertisingData.from_bytes(bytes(one) + bytes(one)))
    assert parsed.local_name == "LW-0042"
    assert parsed.manufacturer_data == {0xFFFF: b"LW"}
    assert parsed.service_uuids == ["0000180f-0000-1000-8000-00805f9b34fb"]
    assert parsed.service_data == {"0000180f-0000-1000-8000-00805f9b34fb": b"\x57"}
    assert parsed.tx_power == -8


async def test_default_radio_uses_the_platform_backend() -> None:
    async with await open_radio("default") as radio:
        assert radio.scanner_backend is None and radio.client_backend is None
        assert radio.scan_before_connect


@pytest.mark.parametrize("setting", ["bluez", "bumble:", "bumble:carrier-pigeon:1"])
async def test_unknown_radio_setting_is_a_config_error(setting: str) -> None:
    with pytest.raises(RadioConfigError):
        await open_radio(setting)


async def test_unreachable_hub_is_radio_unavailable() -> None:
    # Port 1 on loopback: nothing listens there, so the connect is refused at once.
    with pytest.raises(RadioUnavailable):
        await open_radio("bumble:tcp-client:127.0.0.1:1")
