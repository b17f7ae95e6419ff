"""A minimal Bumble GATT peripheral standing in for a lock, for the BLE integration tests.

The peripheral stands in for a lock: Battery Service (0x180F) plus a custom service with an
echo pair (write -> notify), an encryption-required characteristic and a "slow" write whose
answer the test holds back, to have an operation in flight when the link is cut.
"""

from __future__ import annotations

import asyncio

from bumble import hci
from bumble.core import AdvertisingData
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.host import Host
from bumble.keys import MemoryKeyStore
from bumble.link import LocalLink
from bumble.transport import open_transport
from bumble.transport.common import AsyncPipeSink, Transport

from firmware_sim.radio_hub import SimController, attach_controller

BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"
ECHO_SERVICE = "4c570001-9d1c-4f5e-8a7b-3c2d1e0f0a0b"
ECHO_WRITE = "4c570002-9d1c-4f5e-8a7b-3c2d1e0f0a0b"
ECHO_NOTIFY = "4c570003-9d1c-4f5e-8a7b-3c2d1e0f0a0b"
SECRET = "4c570004-9d1c-4f5e-8a7b-3c2d1e0f0a0b"
SLOW_WRITE = "4c570005-9d1c-4f5e-8a7b-3c2d1e0f0a0b"

# 0xFFFF is the company identifier reserved for tests (Bluetooth SIG assigned numbers).
TEST_COMPANY_ID = 0xFFFF
MANUFACTURER_PAYLOAD = b"LW\x01\x2a"
BATTERY_PERCENT = 87
SECRET_VALUE = b"door-code-hash"
ECHO_PREFIX = b"echo:"
LOCK_NAME = "LW-0042"
# Pitfall 7: a connect waits for the next advert, so advertise fast while "awake".
ADVERTISING_INTERVAL_MS = 20.0

# Test timings. Everything on the virtual radio completes in milliseconds; these bounds only
# keep a broken test from hanging, with room for a loaded 2-core CI machine.
SCAN_TIMEOUT_S = 3.0  # ~100 adverts at the interval above
CONNECT_TIMEOUT_S = 3.0
ANSWER_TIMEOUT_S = 2.0  # one notification or one held-back write reaching the lock
# Long enough for a notification that is *not* supposed to come to have arrived (ms on the
# virtual radio), short enough to keep the suite fast.
QUIET_PERIOD_S = 0.05
# Lets the lock's host process a disconnection and restart advertising (a few loop turns).
SETTLE_S = 0.01


class TestLock:
    """A Bumble peripheral with the services above, on a link or over an HCI transport."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        device: Device,
        *,
        controller: SimController | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.device = device
        self.controller = controller
        self.transport = transport
        self.slow_write_arrived = asyncio.Event()
        self.release_slow_write = asyncio.Event()
        self.connections: list[Connection] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.notify_characteristic = Characteristic(
            ECHO_NOTIFY, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        device.add_services(
            [
                Service(
                    BATTERY_SERVICE,
                    [
                        Characteristic(
                            BATTERY_LEVEL,
                            Characteristic.Properties.READ | Characteristic.Properties.NOTIFY,
                            Characteristic.READABLE,
                            bytes([BATTERY_PERCENT]),
                        )
                    ],
                ),
                Service(
                    ECHO_SERVICE,
                    [
                        Characteristic(
                            ECHO_WRITE,
                            Characteristic.Properties.WRITE
                            | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
                            Characteristic.WRITEABLE,
                            CharacteristicValue(write=self._on_echo_write),
                        ),
                        self.notify_characteristic,
                        Characteristic(
                            SECRET,
                            Characteristic.Properties.READ,
                            Characteristic.Permissions.READ_REQUIRES_ENCRYPTION,
                            SECRET_VALUE,
                        ),
                        Characteristic(
                            SLOW_WRITE,
                            Characteristic.Properties.WRITE,
                            Characteristic.WRITEABLE,
                            CharacteristicValue(write=self._on_slow_write),
                        ),
                    ],
                ),
            ]
        )
        device.on(Device.EVENT_CONNECTION, self.connections.append)

    @classmethod
    async def on_link(cls, link: LocalLink, name: str = LOCK_NAME) -> TestLock:
        return await cls.on_controller(attach_controller(link, name), name)

    @classmethod
    async def on_controller(cls, controller: SimController, name: str = LOCK_NAME) -> TestLock:
        """In-process lock on a given controller (e.g. ``RadioHub.attach``)."""
        host = Host(controller, AsyncPipeSink(controller))
        device = Device(name=name, address=hci.Address.generate_static_address(), host=host)
        lock = cls(device, controller=controller)
        await lock.start()
        return lock

    @classmethod
    async def via_transport(cls, spec: str, name: str = LOCK_NAME) -> TestLock:
        transport = await open_transport(spec)
        device = Device.with_hci(
            name, hci.Address.generate_static_address(), transport.source, transport.sink
        )
        lock = cls(device, transport=transport)
        await lock.start()
        return lock

    async def start(self) -> None:
        self.device.keystore = MemoryKeyStore()  # pitfall 8
        await self.device.power_on()
        advert = AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([0x06])),  # LE General Discoverable, no BR/EDR
                (AdvertisingData.COMPLETE_LOCAL_NAME, self.device.name.encode()),
                (
                    AdvertisingData.MANUFACTURER_SPECIFIC_DATA,
                    TEST_COMPANY_ID.to_bytes(2, "little") + MANUFACTURER_PAYLOAD,
                ),
            ]
        )
        # Pitfall 7: name + manufacturer data must fit the 31-byte advert.
        assert len(bytes(advert)) <= 31
        await self.device.start_advertising(
            advertising_data=bytes(advert),
            auto_restart=True,  # advertise again when a central goes away (pitfall 2)
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )

    @property
    def address(self) -> str:
        return self.device.random_address.to_string(with_type_qualifier=False)

    @property
    def is_advertising(self) -> bool:
        """Whether the controller is sending adverts (in-process locks only)."""
        assert self.controller is not None, "ask the air (scan) for a lock behind the hub"
        # Bumble advertises through an extended advertising set with legacy PDUs when the
        # controller offers one, and through the legacy advertiser otherwise.
        return self.controller.le_legacy_advertiser.enabled or any(
            advertising_set.enabled for advertising_set in self.controller.advertising_sets.values()
        )

    def _on_echo_write(self, _connection: Connection, value: bytes) -> None:
        task = asyncio.create_task(
            self.device.notify_subscribers(self.notify_characteristic, ECHO_PREFIX + value)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_slow_write(self, _connection: Connection, _value: bytes) -> None:
        self.slow_write_arrived.set()
        await self.release_slow_write.wait()

    def leave_air(self) -> None:
        """Out of range: the in-process controller goes silent and leaves the link."""
        assert self.controller is not None, "only in-process locks can leave the air"
        self.controller.leave_air()

    async def close(self) -> None:
        self.release_slow_write.set()
        for task in list(self._tasks):
            task.cancel()
        if self.controller is not None:
            self.controller.leave_air()
        if self.transport is not None:
            await self.transport.close()
