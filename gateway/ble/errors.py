"""Typed Bluetooth errors, each with a message written for the fitter at the door.

Classification is by exception type and ATT error code (bleak and Bumble both have typed
errors), never by matching message text.
"""

from __future__ import annotations

from bleak.exc import (
    BleakCharacteristicNotFoundError,
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)
from bumble import core as bumble_core

from gateway.errors import GatewayError

# ATT errors that mean "this needs an encrypted (paired) link" (Core Vol 3 Part F 3.4.1.1).
_SECURITY_CODES = frozenset(
    {
        BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION,
        BleakGATTProtocolErrorCode.INSUFFICIENT_AUTHENTICATION,
        BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION_KEY_SIZE,
    }
)


class BleError(GatewayError):
    """Root of the gateway's Bluetooth errors."""


class RadioUnavailable(BleError):
    """The Bluetooth radio (adapter, dongle or simulator hub) cannot be used."""


class LockNotFound(BleError):
    """The lock was not heard: not advertising, asleep, or out of range."""


class ConnectFailed(BleError):
    """The lock was heard but the connection could not be set up."""


class LinkLost(BleError):
    """The connection dropped in the middle of an operation."""


class BleTimeout(BleError):
    """The lock did not answer in time although the link was up."""


class EncryptionRequired(BleError):
    """The lock refused an operation because the link is not paired/encrypted."""


class PairingFailed(BleError):
    """Pairing with the lock did not complete."""


class CharacteristicMissing(BleError):
    """The lock does not offer a characteristic the gateway needs (wrong model or firmware)."""


class GattOperationFailed(BleError):
    """The lock answered with an ATT error not covered by a more specific class."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class LinkLostError(BleakError):
    """Raised by our Bumble backend when a GATT operation is cut off by a disconnection.

    A bleak-level error (the backend must raise bleak errors); :func:`classify` maps it to
    :class:`LinkLost`.
    """


class ConnectError(BleakError):
    """Raised by our Bumble backend when the controller refuses or fails a connect."""

    def __init__(self, address: str) -> None:
        super().__init__(address, "connect failed")
        self.address = address


class PairingError(BleakError):
    """Raised by our Bumble backend when SMP pairing fails; carries the SMP error code."""

    def __init__(self, code: int | None) -> None:
        super().__init__(code, "pairing failed")
        self.code = code


def classify(exc: BaseException, *, action: str, still_connected: bool | None = None) -> BleError:
    """Map a bleak/Bumble/builtin exception from ``action`` to a typed :class:`BleError`.

    ``action`` is a short phrase for the fitter ("read the battery level"). ``still_connected``
    tells whether the link survived the failure; a failure after which the link is down is a
    :class:`LinkLost` whatever the backend called it.
    """
    if isinstance(exc, BleError):
        return exc
    if isinstance(exc, LinkLostError) or (
        still_connected is False and isinstance(exc, BleakError | TimeoutError)
    ):
        return LinkLost(
            f"The connection to the lock was lost while trying to {action}. "
            "Stay close to the door and try again."
        )
    if isinstance(exc, BleakGATTProtocolError):
        if exc.code in _SECURITY_CODES:
            return EncryptionRequired(
                f"The lock needs a paired connection to {action}. Pair the lock first."
            )
        return GattOperationFailed(
            f"The lock refused to {action} (error {exc.code.name}).", int(exc.code)
        )
    if isinstance(exc, PairingError):
        return PairingFailed(
            f"Pairing with the lock failed while trying to {action}. "
            "Wake the lock and try pairing again."
        )
    if isinstance(exc, BleakCharacteristicNotFoundError):
        return CharacteristicMissing(
            f"The lock does not offer what is needed to {action} ({exc.char_specifier}). "
            "Check the lock model and firmware."
        )
    if isinstance(exc, BleakDeviceNotFoundError):
        return LockNotFound(
            f"The lock was not found when trying to {action}. "
            "Wake the lock and make sure it is in range."
        )
    if isinstance(exc, TimeoutError | bumble_core.TimeoutError):
        return BleTimeout(
            f"The lock did not answer in time to {action}. Move closer and try again."
        )
    if isinstance(exc, ConnectError | bumble_core.ConnectionError | bumble_core.ProtocolError):
        return ConnectFailed(
            f"Could not set up a connection to {action}. Wake the lock and try again."
        )
    if isinstance(exc, BleakError):
        return BleError(f"Bluetooth failed while trying to {action}.")
    if isinstance(exc, OSError | EOFError):
        return RadioUnavailable(
            f"The Bluetooth radio is not available to {action}. "
            "Check the adapter or dongle and restart the gateway."
        )
    return BleError(f"Unexpected Bluetooth failure while trying to {action}.")
