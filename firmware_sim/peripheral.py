"""The lock's Bumble GATT server: services, advertising, and one secure session per connection.

GATT layout (UUIDs from `lock_protocol.gatt`; address them by UUID, never by handle):

    Battery Service 0x180F       Battery Level 0x2A19      read, notify   u8 percent
    Device Information 0x180A    Manufacturer 0x2A29, Model 0x2A24, Serial 0x2A25,
                                 Firmware Revision 0x2A26  read           UTF-8
    Lock service                 Control point             write, write-without-response
                                 Event                     notify

Frames travel fragmented (`encoding.fragment` / `Reassembler`) at the connection's ATT MTU.
Per connection: the first frame must be a clear HELLO, answered with a clear HELLO_ACK; every
later frame goes through `SecureChannel.open` before the firmware sees it, and every answer
through `SecureChannel.seal`. Any framing, decryption or handshake failure ends the connection:
the peer has to reconnect and handshake again (the channel is dead anyway).

Frames are handled strictly in order per connection by one worker task, so write-without-
response bursts and the firmware's own delays (the `slow` fault) cannot reorder anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, Protocol

from bumble import hci
from bumble.device import AdvertisingType, Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.host import Host
from bumble.keys import MemoryKeyStore
from bumble.profiles.battery_service import BatteryService
from bumble.profiles.device_information_service import DeviceInformationService
from bumble.transport.common import AsyncPipeSink

from firmware_sim.errors import SimulatorError
from firmware_sim.radio_hub import SimController
from lock_protocol.encoding import Frame, Reassembler, fragment
from lock_protocol.errors import ProtocolError
from lock_protocol.gatt import CONTROL_POINT, EVENT, LOCK_SERVICE
from lock_protocol.session import SecureChannel
from lock_protocol.timing import ATT_HEADER_BYTES

logger = logging.getLogger(__name__)

# A local disconnect completes at the next connection event; the virtual radio answers in a
# loop turn, real ones within the longest connection interval (4 s).
DISCONNECT_TIMEOUT_S: Final = 4.0


class AdvertMode(Enum):
    OFF = "off"
    BEACON = "beacon"  # non-connectable, slow: asleep
    CONNECTABLE = "connectable"  # fast: awake after a touch


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    manufacturer: str
    model: str
    serial: str
    firmware: str


class Firmware(Protocol):
    """What the peripheral asks of the lock it serves (implemented by `lock.SimLock`)."""

    def battery_level(self) -> int: ...

    async def accept_session(self, hello: bytes) -> tuple[bytes, SecureChannel]: ...

    async def handle(self, frame: Frame, session: Session) -> Frame | None:
        """The answer to one decrypted frame; None means "do not answer"."""
        ...

    def session_started(self, session: Session) -> None: ...

    def session_ended(self, session: Session) -> None: ...


@dataclass(eq=False)
class Session:
    """One connection: its reassembler, its secure channel once the handshake is done."""

    connection: Connection
    reassembler: Reassembler = field(default_factory=Reassembler)
    channel: SecureChannel | None = None
    inbox: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[None] | None = None
    closed: bool = False

    @property
    def fragment_size(self) -> int:
        return int(self.connection.att_mtu) - ATT_HEADER_BYTES


class LockPeripheral:
    """A Bumble `Device` on a virtual controller, serving the lock's GATT layout."""

    def __init__(
        self,
        controller: SimController,
        *,
        name: str,
        address: str,
        info: DeviceInfo,
        firmware: Firmware,
    ) -> None:
        self.controller = controller
        self._firmware = firmware
        # AsyncPipeSink: host -> controller on the next loop turn, as over a real transport.
        host = Host(controller, AsyncPipeSink(controller))
        self.device = Device(name=name, address=hci.Address(address), host=host)
        self.device.keystore = MemoryKeyStore()  # pitfall 8: never the home folder
        self._sessions: dict[Connection, Session] = {}
        self._advert_lock = asyncio.Lock()
        self._advertising: tuple[AdvertMode, bytes] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.battery_service = BatteryService(lambda _connection: firmware.battery_level())
        self.event: Characteristic[bytes] = Characteristic(
            str(EVENT), Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        self.control_point: Characteristic[bytes] = Characteristic(
            str(CONTROL_POINT),
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            CharacteristicValue[bytes](write=self._on_control_write),
        )
        self.device.add_services(
            [
                self.battery_service,
                DeviceInformationService(
                    manufacturer_name=info.manufacturer,
                    model_number=info.model,
                    serial_number=info.serial,
                    firmware_revision=info.firmware,
                ),
                Service(str(LOCK_SERVICE), [self.control_point, self.event]),
            ]
        )
        self.device.on(Device.EVENT_CONNECTION, self._on_connection)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self.device.power_on()

    async def close(self) -> None:
        for session in list(self._sessions.values()):
            self._end_session(session)
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.set_advertising(AdvertMode.OFF, b"", 0.0)
        self.controller.leave_air()

    @property
    def connected(self) -> bool:
        return bool(self._sessions)

    @property
    def is_advertising(self) -> bool:
        """Whether the controller is sending adverts right now."""
        return self.controller.le_legacy_advertiser.enabled or any(
            s.enabled for s in self.controller.advertising_sets.values()
        )

    # -- advertising ----------------------------------------------------------------------

    async def set_advertising(self, mode: AdvertMode, data: bytes, interval_ms: float) -> None:
        """Advertise `data` in `mode`; idempotent, serialised against concurrent changes."""
        async with self._advert_lock:
            if self._advertising == (mode, data) and (
                mode is AdvertMode.OFF or self.is_advertising
            ):
                return
            await self.device.stop_advertising()
            self._advertising = (mode, data)
            if mode is AdvertMode.OFF:
                return
            await self.device.start_advertising(
                advertising_type=(
                    AdvertisingType.UNDIRECTED_CONNECTABLE_SCANNABLE
                    if mode is AdvertMode.CONNECTABLE
                    else AdvertisingType.UNDIRECTED  # ADV_NONCONN_IND: seen, not connectable
                ),
                advertising_data=data,
                advertising_interval_min=interval_ms,
                advertising_interval_max=interval_ms,
                auto_restart=False,  # the lock decides what to advertise after a disconnect
            )

    # -- connections ----------------------------------------------------------------------

    def _on_connection(self, connection: Connection) -> None:
        # The controller stops advertising on connect; forget what we advertised.
        self._advertising = None
        session = Session(connection)
        self._sessions[connection] = session
        connection.on(Connection.EVENT_DISCONNECTION, lambda _reason: self._end_session(session))
        session.worker = asyncio.create_task(self._serve(session))
        self._firmware.session_started(session)

    def _end_session(self, session: Session) -> None:
        if session.closed:
            return
        session.closed = True
        self._sessions.pop(session.connection, None)
        if session.channel is not None:
            session.channel.close()
        if session.worker is not None and session.worker is not asyncio.current_task():
            session.worker.cancel()
        self._firmware.session_ended(session)

    async def disconnect(self, session: Session) -> None:
        """End one connection from the lock's side."""
        if session.closed:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
                await session.connection.disconnect()
        self._end_session(session)

    async def disconnect_all(self) -> None:
        for session in list(self._sessions.values()):
            await self.disconnect(session)

    def spawn(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` in the background, owned by this peripheral (cancelled on close)."""

        async def run() -> None:
            await work()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until the background work started so far (and what it starts) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- frames ---------------------------------------------------------------------------

    def _on_control_write(self, connection: Connection, value: bytes) -> None:
        session = self._sessions.get(connection)
        if session is None or session.closed:
            return
        try:
            frame = session.reassembler.feed(bytes(value))
        except ProtocolError as exc:
            logger.warning("%s: bad fragment (%s); dropping the connection", self.device.name, exc)
            self.spawn(lambda: self.disconnect(session))
            return
        if frame is not None:
            session.inbox.put_nowait(frame)

    async def _serve(self, session: Session) -> None:
        while not session.closed:
            data = await session.inbox.get()
            try:
                answer = await self._answer(session, data)
            except (ProtocolError, SimulatorError) as exc:
                logger.warning(
                    "%s: session failed (%r); dropping the connection", self.device.name, exc
                )
                await self.disconnect(session)
                return
            if answer is not None and not session.closed:
                await self.send(session, answer)

    async def _answer(self, session: Session, data: bytes) -> bytes | None:
        if session.channel is None:
            # Only a clear HELLO is acceptable before the handshake (accept_session checks).
            ack, channel = await self._firmware.accept_session(data)
            session.channel = channel
            return ack
        inner = session.channel.open(data)  # raises and closes the channel on any failure
        reply = await self._firmware.handle(inner, session)
        if reply is None or session.closed or session.channel.closed:
            return None
        return session.channel.seal(reply)

    async def send(self, session: Session, frame_bytes: bytes) -> None:
        """Notify one frame on the event characteristic, fragmented for this connection."""
        for chunk in fragment(frame_bytes, session.fragment_size):
            if session.closed:
                return
            await self.device.notify_subscriber(session.connection, self.event, chunk)

    async def notify_battery(self) -> None:
        with contextlib.suppress(Exception):
            await self.device.notify_subscribers(self.battery_service.battery_level_characteristic)
