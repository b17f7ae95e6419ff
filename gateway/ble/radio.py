"""Which Bluetooth radio the gateway uses, chosen by a configuration string.

========================= ==================================================================
``default``               bleak's platform backend (BlueZ, CoreBluetooth, WinRT): real hardware
``bumble:<transport>``    a Bumble central on an HCI transport, e.g.
                          ``bumble:tcp-client:127.0.0.1:P`` (the simulator's radio hub) or
                          ``bumble:usb:0`` (a USB dongle, where BlueZ is absent)
an ``InProcessRadio``     in-process: a Bumble central on a controller that the caller makes on
                          its own virtual link (tests, in-process demos: the simulator's)
========================= ==================================================================

Gateway code passes ``radio.scanner_backend`` / ``radio.client_backend`` as bleak's
``backend=`` (``None`` means the platform default); bleak itself is never patched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner
from bumble import core as bumble_core
from bumble.transport.common import TransportSpecError

from gateway.ble.errors import BleError, RadioUnavailable

if TYPE_CHECKING:
    from bumble.controller import Controller

    from gateway.ble.bumble_backend import BumbleCentral

DEFAULT_RADIO = "default"
BUMBLE_PREFIX = "bumble:"


@dataclass(frozen=True)
class InProcessRadio:
    """The gateway's radio in this process: ``attach(name)`` makes its controller on a virtual
    link the caller owns (the gateway itself names no simulator)."""

    attach: Callable[[str], Controller]
    description: str = "bumble in-process link"


RadioConfig = str | InProcessRadio


class RadioConfigError(BleError):
    """The radio setting is not one the gateway understands."""


@dataclass
class Radio:
    """An open radio: bleak backends to use, and what to close when done."""

    description: str
    scanner_backend: type[BaseBleakScanner] | None = None
    client_backend: type[BaseBleakClient] | None = None
    central: BumbleCentral | None = None

    @property
    def scan_before_connect(self) -> bool:
        """Platform stacks want a device seen in a scan first; Bumble connects to an address."""
        return self.central is None

    async def close(self) -> None:
        if self.central is not None:
            await self.central.close()

    async def __aenter__(self) -> Radio:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


def _bumble_radio(central: BumbleCentral, description: str) -> Radio:
    from gateway.ble.bumble_backend import bind_backends

    scanner, client = bind_backends(central)
    return Radio(description, scanner_backend=scanner, client_backend=client, central=central)


async def open_radio(config: RadioConfig) -> Radio:
    """Open the radio named by ``config`` (see the module docstring)."""
    if isinstance(config, InProcessRadio):
        from gateway.ble.bumble_backend import CENTRAL_NAME, BumbleCentral

        central = await BumbleCentral.on_controller(config.attach(CENTRAL_NAME))
        return _bumble_radio(central, config.description)
    setting = config.strip()
    if setting == DEFAULT_RADIO:
        return Radio("platform default")
    if setting.startswith(BUMBLE_PREFIX) and len(setting) > len(BUMBLE_PREFIX):
        from gateway.ble.bumble_backend import BumbleCentral

        spec = setting[len(BUMBLE_PREFIX) :]
        try:
            central = await BumbleCentral.open(spec)
        except TransportSpecError as exc:
            raise RadioConfigError(
                f"The radio setting {setting!r} names an unknown Bumble transport."
            ) from exc
        except (OSError, bumble_core.BaseBumbleError, TimeoutError) as exc:
            raise RadioUnavailable(
                f"The Bluetooth radio {spec!r} could not be opened. "
                "Check that the dongle is plugged in or that the simulator is running."
            ) from exc
        return _bumble_radio(central, f"bumble {spec}")
    raise RadioConfigError(
        f"Unknown radio setting {setting!r}: use 'default' or 'bumble:<transport>' "
        "(e.g. 'bumble:usb:0' or 'bumble:tcp-client:127.0.0.1:7700')."
    )
