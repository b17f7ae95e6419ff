"""A bleak 3.1 backend on a Bumble central ``Device``.

The gateway's ordinary ``BleakScanner``/``BleakClient`` code runs over Bumble's host stack:
against the firmware simulator's virtual radio, or a USB HCI dongle where BlueZ is absent.
bleak instantiates backends from a class, so :func:`bind_backends` makes a scanner and a
client class bound to one :class:`BumbleCentral`; :mod:`gateway.ble.radio` hands them out.

Errors leave this module as bleak errors (``BleakGATTProtocolError``, ``BleakError``
subclasses from :mod:`gateway.ble.errors`) or the builtin ``TimeoutError`` - never Bumble's own
``TimeoutError``, which does not derive from the builtin (notes, pitfall 3).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid as uuid_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from bleak.args import SizedBuffer
from bleak.assigned_numbers import gatt_char_props_to_strs
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakGATTProtocolError
from bleak.uuids import normalize_uuid_16, normalize_uuid_32
from bumble import att, hci
from bumble import core as bumble_core
from bumble.core import AdvertisingData, PhysicalTransport
from bumble.device import Advertisement, Connection, Device
from bumble.host import Host
from bumble.keys import MemoryKeyStore
from bumble.transport import open_transport
from bumble.transport.common import AsyncPipeSink, Transport

from gateway.ble.errors import ConnectError, LinkLostError, PairingError

if TYPE_CHECKING:
    from bumble.controller import Controller
    from bumble.gatt_client import CharacteristicProxy

logger = logging.getLogger(__name__)

# Pitfall 6: ATT MTU starts at 23. 247 = the 251-byte LE data-length maximum minus the 4-byte
# L2CAP header, the largest MTU that still fits one link-layer packet on real radios.
REQUESTED_MTU = 247
# After Bumble's own connect timeout it sends LE Create Connection Cancel and waits for the
# controller to confirm. A controller that never confirms (stock virtual one, pitfall 3) would
# hang us; past this grace we give up on it. Real controllers confirm within milliseconds.
CONNECT_CANCEL_GRACE_S = 2.0
# A local disconnect completes at the next connection event; 4 s is the longest connection
# interval the Core spec allows, so a healthy link always finishes within this.
DISCONNECT_TIMEOUT_S = 5.0
# bleak's BleakClient passes its own timeout (30 s default); this only applies when a backend
# is built directly.
DEFAULT_CONNECT_TIMEOUT_S = 10.0
# Reason reported for links that end because the radio itself went away: what a real host sees
# when the peer goes silent (supervision timeout), Core Vol 1 Part F.
LINK_LOSS_REASON = hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR
# Device name of the gateway's central, visible to peers (GAP).
CENTRAL_NAME = "Lockwork gateway"


def bumble_uuid_to_str(value: bumble_core.UUID) -> str:
    """Bumble UUID (little-endian bytes) -> bleak's lower-case 128-bit string."""
    return str(uuid_module.UUID(bytes=bytes(reversed(value.to_bytes(force_128=True)))))


@runtime_checkable
class LeavesAir(Protocol):
    """A virtual controller that can leave the air, as a radio switched off (the simulator's)."""

    def leave_air(self) -> None: ...


@dataclass
class ParsedAdvert:
    """The fields of one advertisement that bleak's ``AdvertisementData`` carries."""

    local_name: str | None = None
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    service_data: dict[str, bytes] = field(default_factory=dict)
    service_uuids: list[str] = field(default_factory=list)
    tx_power: int | None = None


_UUID_LIST_SIZES: dict[int, int] = {
    AdvertisingData.Type.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    AdvertisingData.Type.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    AdvertisingData.Type.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS: 4,
    AdvertisingData.Type.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS: 4,
    AdvertisingData.Type.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
    AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
}
_SERVICE_DATA_UUID_SIZES: dict[int, int] = {
    AdvertisingData.Type.SERVICE_DATA_16_BIT_UUID: 2,
    AdvertisingData.Type.SERVICE_DATA_32_BIT_UUID: 4,
    AdvertisingData.Type.SERVICE_DATA_128_BIT_UUID: 16,
}


def _uuid_from_le_bytes(data: bytes) -> str:
    if len(data) == 2:
        return normalize_uuid_16(int.from_bytes(data, "little"))
    if len(data) == 4:
        return normalize_uuid_32(int.from_bytes(data, "little"))
    return str(uuid_module.UUID(bytes=bytes(reversed(data))))


def parse_advertising_data(data: AdvertisingData) -> ParsedAdvert:
    """Pure: AD structures (Core Supplement Part A) -> bleak's advertisement fields.

    Bumble merges an advert with its scan response, and the virtual radio answers a scan with
    the same bytes (pitfall 7), so each field may appear twice: the first occurrence wins.
    """
    parsed = ParsedAdvert()
    shortened_name: str | None = None
    for ad_type, value in data.ad_structures:
        if ad_type == AdvertisingData.Type.COMPLETE_LOCAL_NAME:
            parsed.local_name = parsed.local_name or value.decode("utf-8", errors="replace")
        elif ad_type == AdvertisingData.Type.SHORTENED_LOCAL_NAME:
            shortened_name = shortened_name or value.decode("utf-8", errors="replace")
        elif ad_type == AdvertisingData.Type.MANUFACTURER_SPECIFIC_DATA and len(value) >= 2:
            parsed.manufacturer_data.setdefault(int.from_bytes(value[:2], "little"), value[2:])
        elif ad_type in _UUID_LIST_SIZES:
            size = _UUID_LIST_SIZES[ad_type]
            for offset in range(0, len(value) - size + 1, size):
                service_uuid = _uuid_from_le_bytes(value[offset : offset + size])
                if service_uuid not in parsed.service_uuids:
                    parsed.service_uuids.append(service_uuid)
        elif ad_type in _SERVICE_DATA_UUID_SIZES:
            size = _SERVICE_DATA_UUID_SIZES[ad_type]
            if len(value) >= size:
                parsed.service_data.setdefault(_uuid_from_le_bytes(value[:size]), value[size:])
        elif ad_type == AdvertisingData.Type.TX_POWER_LEVEL and len(value) == 1:
            parsed.tx_power = int.from_bytes(value, "little", signed=True)
    if parsed.local_name is None:
        parsed.local_name = shortened_name
    return parsed


AdvertListener = Callable[[Advertisement], None]


_SERVER_PUSHES = frozenset(
    {att.Opcode.ATT_HANDLE_VALUE_NOTIFICATION, att.Opcode.ATT_HANDLE_VALUE_INDICATION}
)


@dataclass
class AttCounts:
    """ATT PDUs the central received, counted as they arrive from Bumble's L2CAP layer.

    ``round_trips`` are responses (including error responses): each closes one request the
    gateway sent and waited for, which on a real radio costs one to two connection intervals.
    ``pushes`` are notifications and indications from the lock (one way).
    """

    round_trips: int = 0
    pushes: int = 0

    def observe(self, pdu: bytes) -> None:
        opcode = pdu[0] if pdu else -1
        if opcode in att.ATT_RESPONSES:
            self.round_trips += 1
        elif opcode in _SERVER_PUSHES:
            self.pushes += 1

    def copy(self) -> AttCounts:
        return AttCounts(self.round_trips, self.pushes)


class BumbleCentral:
    """One Bumble central ``Device`` shared by every scanner and client bound to it."""

    def __init__(
        self,
        device: Device,
        *,
        transport: Transport | None = None,
        controller: Controller | None = None,
    ) -> None:
        self.device = device
        # Pitfall 4: a Bumble device has at most one pending LE connect.
        self.connect_lock = asyncio.Lock()
        self._transport = transport
        self._controller = controller
        self._advert_listeners: list[AdvertListener] = []
        self._closed = False
        device.on(Device.EVENT_ADVERTISEMENT, self._dispatch_advertisement)
        self.att_counts = AttCounts()
        channels = device.l2cap_channel_manager
        deliver = channels.fixed_channels[att.ATT_CID]
        if deliver is None:  # Bumble registers its ATT handler when the Device is made
            raise RuntimeError("Bumble device has no ATT channel handler")

        def count_and_deliver(connection_handle: int, pdu: bytes) -> None:
            self.att_counts.observe(pdu)
            deliver(connection_handle, pdu)

        channels.register_fixed_channel(att.ATT_CID, count_and_deliver)
        if transport is not None:
            transport.source.terminated.add_done_callback(self._on_transport_lost)

    @classmethod
    async def open(cls, transport_spec: str, *, name: str = CENTRAL_NAME) -> BumbleCentral:
        """A central on an HCI transport: ``tcp-client:HOST:PORT`` (simulator hub), ``usb:0``..."""
        transport = await open_transport(transport_spec)
        device = Device.with_hci(
            name, hci.Address.generate_static_address(), transport.source, transport.sink
        )
        central = cls(device, transport=transport)
        try:
            await central._power_on()
        except BaseException:
            await transport.close()
            raise
        return central

    @classmethod
    async def on_controller(
        cls, controller: Controller, *, name: str = CENTRAL_NAME
    ) -> BumbleCentral:
        """A central in this process on ``controller``, a virtual one on a shared ``LocalLink``
        (tests, in-process demos).

        Whoever makes the link makes the controller and passes it in (the simulator's, whose
        connect-cancel works: pitfall 3), so the gateway names no simulator. On close the
        controller leaves the air if it can (``leave_air()``).
        """
        # AsyncPipeSink: host -> controller on the next loop turn, as a real transport would,
        # so that a controller's reply never re-enters the host's send path.
        host = Host(controller, AsyncPipeSink(controller))
        device = Device(name=name, address=hci.Address.generate_static_address(), host=host)
        central = cls(device, controller=controller)
        await central._power_on()
        return central

    def _on_transport_lost(self, _terminated: asyncio.Future[None]) -> None:
        """The HCI transport is gone (hub stopped, dongle pulled): so is every link on it.

        No controller is left to report the disconnections, so the device is told directly,
        as its host would on Disconnection Complete; that ends in-flight ATT requests at once
        instead of after Bumble's 30 s GATT timeout.
        """
        if self._closed:
            return
        logger.warning("HCI transport lost; ending %d connection(s)", len(self.device.connections))
        for handle in list(self.device.connections):
            self.device.on_disconnection(handle, LINK_LOSS_REASON)

    async def _power_on(self) -> None:
        # Pitfall 8: keys in memory; the JSON key store writes to the home folder.
        self.device.keystore = MemoryKeyStore()
        await self.device.power_on()

    @property
    def address(self) -> str:
        return self.device.random_address.to_string(with_type_qualifier=False)

    # -- scanning -------------------------------------------------------------------------

    def _dispatch_advertisement(self, advertisement: Advertisement) -> None:
        for listener in list(self._advert_listeners):
            listener(advertisement)

    async def add_advert_listener(self, listener: AdvertListener, *, active: bool) -> None:
        self._advert_listeners.append(listener)
        if not self.device.is_scanning:
            await self.device.start_scanning(active=active, filter_duplicates=False)

    async def remove_advert_listener(self, listener: AdvertListener) -> None:
        with contextlib.suppress(ValueError):
            self._advert_listeners.remove(listener)
        if not self._advert_listeners and self.device.is_scanning and not self._closed:
            await self.device.stop_scanning()

    # -- connecting -----------------------------------------------------------------------

    async def connect(self, peer: hci.Address, timeout_s: float) -> Connection:
        """LE connect, one at a time (pitfall 4), with the builtin ``TimeoutError`` (pitfall 3)."""
        async with self.connect_lock:
            try:
                async with asyncio.timeout(timeout_s + CONNECT_CANCEL_GRACE_S):
                    return await self.device.connect(
                        peer, transport=PhysicalTransport.LE, timeout=timeout_s
                    )
            except bumble_core.TimeoutError as exc:
                raise TimeoutError(f"no connection to {peer} within {timeout_s} s") from exc
            except TimeoutError:
                logger.warning(
                    "controller did not confirm LE Create Connection Cancel for %s; "
                    "it may refuse further connects (is it a stock Bumble virtual controller?)",
                    peer,
                )
                raise
            except (bumble_core.ConnectionError, hci.HCI_Error, hci.HCI_StatusError) as exc:
                raise ConnectError(peer.to_string(with_type_qualifier=False)) from exc

    async def close(self) -> None:
        """Disconnect everything and release the radio. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._advert_listeners.clear()
        for connection in list(self.device.connections.values()):
            with contextlib.suppress(Exception):
                async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
                    await connection.disconnect()
        if isinstance(self._controller, LeavesAir):
            self._controller.leave_air()
        if self._transport is not None:
            await self._transport.close()


def _peer_address(address: str) -> hci.Address:
    """bleak address string -> Bumble LE address (random unless suffixed ``/P``)."""
    return hci.Address.from_string_for_transport(address, PhysicalTransport.LE)


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend; use a class from :func:`bind_backends`, never this one directly."""

    central: ClassVar[BumbleCentral]

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,  # platform arguments (bluez=, cb=) mean nothing here
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"

    async def start(self) -> None:
        self.seen_devices = {}
        await self.central.add_advert_listener(self._on_advertisement, active=self._active)

    async def stop(self) -> None:
        await self.central.remove_advert_listener(self._on_advertisement)

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        parsed = parse_advertising_data(advertisement.data)
        if not self.is_allowed_uuid(parsed.service_uuids):
            return
        key = str(advertisement.address)
        previous = self.seen_devices.get(key)
        # An advert without a name does not make a known device nameless.
        name = parsed.local_name or (previous[0].name if previous else None)
        advertisement_data = AdvertisementData(
            local_name=parsed.local_name,
            manufacturer_data=parsed.manufacturer_data,
            service_data=parsed.service_data,
            service_uuids=parsed.service_uuids,
            tx_power=parsed.tx_power,
            rssi=advertisement.rssi,
            platform_data=(advertisement,),
        )
        device = self.create_or_update_device(
            key,
            advertisement.address.to_string(with_type_qualifier=False),
            name,
            advertisement,
            advertisement_data,
        )
        self.call_detection_callbacks(device, advertisement_data)


class BumbleClient(BaseBleakClient):
    """bleak client backend; use a class from :func:`bind_backends`, never this one directly."""

    central: ClassVar[BumbleCentral]

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
        services: set[str] | None = None,
        **kwargs: Any,  # platform arguments (bluez=, winrt=) mean nothing here
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._advertised_name: str | None = None
        if isinstance(address_or_ble_device, BLEDevice):
            self._advertised_name = address_or_ble_device.name
            details = address_or_ble_device.details
            self._peer = (
                details.address
                if isinstance(details, Advertisement)
                else _peer_address(address_or_ble_device.address)
            )
        else:
            self._peer = _peer_address(address_or_ble_device)
        self._requested_services = services
        self._connection: Connection | None = None
        self._device_name: str | None = None
        self._closing = False
        # Per characteristic handle: the subscriber given to Bumble, kept to unsubscribe it.
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    # -- properties -----------------------------------------------------------------------

    @property
    def name(self) -> str:
        return (
            self._advertised_name
            or self._device_name
            or self._peer.to_string(with_type_qualifier=False).replace(":", "-")
        )

    @property
    def mtu_size(self) -> int:
        connection = self._connection
        return connection.att_mtu if connection is not None else att.ATT_DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    # -- connection -----------------------------------------------------------------------

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if self._connection is not None:
            return
        timeout = float(kwargs.get("timeout", self._timeout))
        connection = await self.central.connect(self._peer, timeout)
        self._connection = connection
        self._closing = False
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            if pair:
                await self._pair(connection)
            with self._translate_errors():
                # Pitfall 6: 23 until asked; one exchange per connection.
                await connection.gatt_client.request_mtu(REQUESTED_MTU)
                self.services = await self._discover(connection)
                if self._advertised_name is None:
                    await self._read_device_name(connection)
        except BaseException:
            await self.disconnect()
            raise

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        self._closing = True
        try:
            async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
                await connection.disconnect()
        except (TimeoutError, hci.HCI_Error, hci.HCI_StatusError, asyncio.CancelledError) as exc:
            # The link may have dropped under us; either way it is gone now. A cancellation
            # of *our* task must still propagate.
            task = asyncio.current_task()
            if isinstance(exc, asyncio.CancelledError) and task is not None and task.cancelling():
                raise
            logger.debug("disconnect from %s ended with %r", self._peer, exc)
        finally:
            self._forget_connection()

    def _on_disconnection(self, reason: int) -> None:
        unsolicited = not self._closing
        self._forget_connection()
        logger.info("link to %s ended (reason 0x%02X)", self._peer, reason)
        if unsolicited and self._disconnected_callback is not None:
            self._disconnected_callback()

    def _forget_connection(self) -> None:
        connection = self._connection
        if connection is not None:
            connection.remove_listener(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        self._connection = None
        self._subscribers.clear()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        await self._pair(self._require_connection())

    async def _pair(self, connection: Connection) -> None:
        with self._translate_errors():
            try:
                await connection.pair()
            except bumble_core.ProtocolError as exc:
                raise PairingError(exc.error_code) from exc

    async def unpair(self) -> None:
        keystore = self.central.device.keystore
        if keystore is not None:
            with contextlib.suppress(KeyError):
                await keystore.delete(str(self._peer))
        await self.disconnect()

    # -- GATT -----------------------------------------------------------------------------

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise LinkLostError(f"not connected to {self.address}")
        return self._connection

    @contextlib.contextmanager
    def _translate_errors(self) -> Iterator[None]:
        """Bumble's exceptions -> bleak's, inside one GATT operation."""
        try:
            yield
        except att.ATT_Error as exc:
            raise BleakGATTProtocolError(int(exc.error_code)) from exc
        except bumble_core.TimeoutError as exc:
            # Pitfall 3: Bumble's TimeoutError is not the builtin.
            raise TimeoutError(f"GATT request to {self.address} timed out") from exc
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # our caller was cancelled: not ours to swallow
            # Bumble cancels its in-flight ATT request and pairing when the link drops.
            raise LinkLostError(f"link to {self.address} lost during the operation") from exc

    async def _discover(self, connection: Connection) -> BleakGATTServiceCollection:
        gatt = connection.gatt_client
        wanted = [bumble_core.UUID(u) for u in self._requested_services or ()]
        collection = BleakGATTServiceCollection()
        for service in await gatt.discover_services(wanted):
            bleak_service = BleakGATTService(
                service, service.handle, bumble_uuid_to_str(service.uuid)
            )
            collection.add_service(bleak_service)
            for characteristic in await gatt.discover_characteristics((), service):
                bleak_characteristic = BleakGATTCharacteristic(
                    characteristic,
                    characteristic.handle,
                    bumble_uuid_to_str(characteristic.uuid),
                    sorted(gatt_char_props_to_strs(int(characteristic.properties))),
                    self._max_write_without_response_size,
                    bleak_service,
                )
                collection.add_characteristic(bleak_characteristic)
                for descriptor in await gatt.discover_descriptors(characteristic):
                    collection.add_descriptor(
                        BleakGATTDescriptor(
                            descriptor,
                            descriptor.handle,
                            bumble_uuid_to_str(descriptor.type),
                            bleak_characteristic,
                        )
                    )
        return collection

    async def _read_device_name(self, connection: Connection) -> None:
        """GAP Device Name (0x2A00), for ``name`` when we connected by address alone."""
        assert self.services is not None
        characteristic = self.services.get_characteristic(normalize_uuid_16(0x2A00))
        if characteristic is None:
            return
        with contextlib.suppress(att.ATT_Error):
            value = await connection.gatt_client.read_value(characteristic.obj)
            self._device_name = bytes(value).decode("utf-8", errors="replace")

    def _max_write_without_response_size(self) -> int:
        return self.mtu_size - 3  # ATT Write Command header: opcode + handle

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(characteristic.obj, characteristic.handle, use_cached)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(descriptor.obj, descriptor.handle, use_cached)

    async def _read(self, proxy: Any, handle: int, use_cached: bool) -> bytearray:
        gatt = self._require_connection().gatt_client
        if use_cached and (cached := gatt.cached_values.get(handle)) is not None:
            return bytearray(cached[1])
        with self._translate_errors():
            return bytearray(await gatt.read_value(proxy))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        gatt = self._require_connection().gatt_client
        with self._translate_errors():
            await gatt.write_value(characteristic.obj, bytes(data), with_response=response)

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        gatt = self._require_connection().gatt_client
        with self._translate_errors():
            await gatt.write_value(descriptor.obj, bytes(data), with_response=True)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        gatt = self._require_connection().gatt_client
        proxy: CharacteristicProxy[bytes] = characteristic.obj

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        with self._translate_errors():
            # bleak prefers notifications over indications when both are offered.
            await gatt.subscribe(proxy, subscriber, prefer_notify=True)
        self._subscribers[characteristic.handle] = subscriber

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        gatt = self._require_connection().gatt_client
        subscriber = self._subscribers.pop(characteristic.handle, None)
        with self._translate_errors():
            await gatt.unsubscribe(characteristic.obj, subscriber)


def bind_backends(central: BumbleCentral) -> tuple[type[BumbleScanner], type[BumbleClient]]:
    """Scanner and client classes bound to ``central``, to pass as bleak's ``backend=``."""

    class BoundBumbleScanner(BumbleScanner):
        pass

    class BoundBumbleClient(BumbleClient):
        pass

    BoundBumbleScanner.central = central
    BoundBumbleClient.central = central
    # bleak reports backend.__name__ as backend_id.
    BoundBumbleScanner.__name__ = "BumbleScanner"
    BoundBumbleClient.__name__ = "BumbleClient"
    return BoundBumbleScanner, BoundBumbleClient
