"""The simulated air: one Bumble ``LocalLink`` shared by every virtual controller.

Several processes (simulated locks, gateways) cannot share a ``LocalLink`` directly, because
Bumble's link relay is gone (notes, pitfall 1). Instead one process owns the link, and every
TCP client that connects to the hub gets a fresh virtual controller on it, driven as an HCI
controller over the socket (H4 framing). When the client's socket drops, its controller leaves
the air: every peer sees its link time out, as a real radio would, and the controller is taken
off the link - so a killed gateway never leaves a lock stuck "connected" (pitfall 2).

Locks simulated in the hub's own process get their controllers from :meth:`RadioHub.attach`.

The virtual controller is also fixed here: its LE Create Connection Cancel is a no-op, so a
connect with a timeout to a lock that is not there wedges the central (pitfall 3).
:class:`SimController` implements the cancel as the Core spec says. Every controller the hub or
the gateway's in-process radio creates is a ``SimController``.

Two more gaps of the stock controller are filled for the sleeping lock's beacon: it reports
every advert as connectable and connects to any advertiser. A ``SimController`` marks adverts
of a non-connectable advertising set (``NonConnectableAdvExtInd``), reports them to its host as
non-connectable, never answers them with a connection request, and refuses a connection request
for such a set. A controller that has left the air sends nothing until it rejoins.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from dataclasses import dataclass, field

from bumble import controller as bumble_controller
from bumble import core, hci, ll
from bumble.link import LocalLink
from bumble.transport.common import PacketParser

logger = logging.getLogger(__name__)

# What a peer's host is told when a controller leaves the air: a real radio that stops
# answering produces a supervision timeout, reported as Connection Timeout (Core Vol 1 Part F).
LINK_LOSS_REASON = hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR

_ADVERTISING_PROPERTIES = (
    hci.HCI_LE_Set_Extended_Advertising_Parameters_Command.AdvertisingProperties
)
_CONNECTABLE = _ADVERTISING_PROPERTIES.CONNECTABLE_ADVERTISING
_REPORT_EVENT = hci.HCI_LE_Extended_Advertising_Report_Event.EventType


@dataclass
class NonConnectableAdvExtInd(ll.AdvExtInd):
    """An advert from a non-connectable set (legacy ADV_NONCONN_IND): seen, never connected."""


class SimController(bumble_controller.Controller):
    """Bumble's virtual controller with a working connect-cancel and a way to leave the air."""

    def on_hci_le_create_connection_cancel_command(
        self, _command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        """Core Vol 4 Part E 7.8.13, which the stock handler ignores (pitfall 3).

        With no create-connection pending the command is disallowed. Otherwise the pending
        create is dropped, Command Complete(success) is returned, and *after* it an LE Connection
        Complete event with status Unknown Connection Identifier tells the host the attempt ended.
        """
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        event = hci.HCI_LE_Connection_Complete_Event(
            status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
            connection_handle=0,
            role=hci.Role.CENTRAL,
            peer_address_type=pending.peer_address.address_type,
            peer_address=pending.peer_address,
            connection_interval=0,
            peripheral_latency=0,
            supervision_timeout=0,
            central_clock_accuracy=0,
        )
        # Deferred one loop turn so that the event follows the Command Complete that the base
        # class sends when this handler returns.
        asyncio.get_running_loop().call_soon(self.send_hci_packet, event)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def _advertises_connectable(self, address: hci.Address) -> bool:
        for advertising_set in self.advertising_sets.values():
            if advertising_set.enabled and advertising_set.address == address:
                parameters = advertising_set.parameters
                return parameters is None or bool(
                    parameters.advertising_event_properties & _CONNECTABLE
                )
        return True  # the stock legacy advertiser only ever sends ADV_IND

    def send_advertising_pdu(self, packet: ll.AdvertisingPdu) -> None:
        """Off the air nothing is sent; a non-connectable set's adverts are marked as such."""
        if self.link is None or self not in self.link.controllers:
            return
        if (
            isinstance(packet, ll.AdvExtInd)
            and not isinstance(packet, NonConnectableAdvExtInd)
            and not self._advertises_connectable(packet.advertiser_address)
        ):
            packet = NonConnectableAdvExtInd(
                **{f.name: getattr(packet, f.name) for f in dataclasses.fields(packet)}
            )
        super().send_advertising_pdu(packet)

    def on_advertising_pdu(self, pdu: ll.AdvInd | ll.AdvExtInd) -> None:
        """Report a non-connectable advert as such (Core Vol 4 Part E 7.7.65.13), never connect."""
        if not isinstance(pdu, NonConnectableAdvExtInd):
            super().on_advertising_pdu(pdu)
            return
        if not self.le_scan_enable:
            return
        if self.le_features & hci.LeFeatureMask.LE_EXTENDED_ADVERTISING:
            report = hci.HCI_LE_Extended_Advertising_Report_Event.Report(
                event_type=_REPORT_EVENT.LEGACY_ADVERTISING_PDU_USED,  # ADV_NONCONN_IND
                address_type=pdu.advertiser_address.address_type,
                address=pdu.advertiser_address,
                primary_phy=hci.Phy.LE_1M,
                secondary_phy=0,
                advertising_sid=0xFF,
                tx_power=0,
                rssi=-50,
                periodic_advertising_interval=0,
                direct_address_type=0,
                direct_address=hci.Address.ANY,
                data=pdu.data,
            )
            self.send_hci_packet(hci.HCI_LE_Extended_Advertising_Report_Event([report]))
        else:
            legacy = hci.HCI_LE_Advertising_Report_Event.Report(
                event_type=hci.HCI_LE_Advertising_Report_Event.EventType.ADV_NONCONN_IND,
                address_type=pdu.advertiser_address.address_type,
                address=pdu.advertiser_address,
                data=pdu.data,
                rssi=-50,
            )
            self.send_hci_packet(hci.HCI_LE_Advertising_Report_Event([legacy]))

    def on_le_connect_ind(self, packet: ll.ConnectInd) -> None:
        """A connection request for a non-connectable set is not for us (Core Vol 6 Part B 4.4)."""
        if not self._advertises_connectable(packet.advertiser_address):
            return
        super().on_le_connect_ind(packet)

    def rejoin_air(self) -> None:
        """Back in range after :meth:`leave_air` (the host restarts advertising itself)."""
        if self.link is not None and self not in self.link.controllers:
            self.link.add_controller(self)

    def leave_air(self, *, tell_own_host: bool = True) -> None:
        """Go silent: stop advertising, end every LE link as a supervision timeout, leave the link.

        Peers are told through the link (LL_TERMINATE_IND with Connection Timeout), because the
        virtual radio has no supervision timer of its own (pitfall 2). ``tell_own_host=False``
        when the host is already gone (its socket dropped).
        """
        if not tell_own_host:
            self.host = None
        self.pending_le_connection = None
        self.le_legacy_advertiser.stop()
        for advertising_set in self.advertising_sets.values():
            advertising_set.stop()
        for connection in list(self.le_connections.values()):
            # The peer may already have left the link itself; then there is nobody to tell.
            with contextlib.suppress(core.InvalidArgumentError):
                connection.send_ll_control_pdu(ll.TerminateInd(LINK_LOSS_REASON))
            self.on_le_disconnected(connection, LINK_LOSS_REASON)
        if self in self.link.controllers:
            self.link.remove_controller(self)


def new_link() -> LocalLink:
    """A fresh, empty virtual air (one per test: pitfall 5)."""
    return LocalLink()  # type: ignore[no-untyped-call]  # Bumble leaves __init__ unannotated


def attach_controller(link: LocalLink, name: str) -> SimController:
    """A fresh :class:`SimController` on ``link``; its host is set by whoever drives it."""
    return SimController(name, link=link)


class _SocketSink:
    """Controller -> host direction: H4 packets written to the client's socket."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self._transport = transport

    def on_packet(self, packet: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(packet)


class _HubClientProtocol(asyncio.Protocol):
    """One TCP client = one HCI host = one fresh controller on the hub's link."""

    def __init__(self, hub: RadioHub) -> None:
        self._hub = hub
        self._controller: SimController | None = None
        self._parser: PacketParser | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._hub._client_count += 1
        name = f"hub-client-{self._hub._client_count}"
        controller = attach_controller(self._hub.link, name)
        controller.host = _SocketSink(transport)
        self._controller = controller
        self._parser = PacketParser(controller)
        self._hub._clients[self] = controller
        logger.info("radio hub: %s attached", name)

    def data_received(self, data: bytes) -> None:
        if self._parser is None:
            return
        try:
            self._parser.feed_data(data)
        except core.InvalidPacketError:
            # A client that does not speak H4 cannot be resynchronised; drop it.
            logger.warning("radio hub: invalid HCI packet from %s", self._name)
            if self._transport is not None:
                self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        controller = self._hub._clients.pop(self, None)
        if controller is not None:
            logger.info("radio hub: %s detached (%s)", controller.name, exc)
            # Pitfalls 1 and 2: end its links so its peers advertise again.
            controller.leave_air(tell_own_host=False)
        self._controller = None
        self._parser = None

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    @property
    def _name(self) -> str:
        return self._controller.name if self._controller is not None else "?"


@dataclass
class RadioHub:
    """Handle on a running hub: its link, its address, in-process attachment, shutdown."""

    link: LocalLink
    host: str
    port: int
    _server: asyncio.Server | None = None
    _clients: dict[_HubClientProtocol, SimController] = field(default_factory=dict)
    _local: set[SimController] = field(default_factory=set)
    _client_count: int = 0

    @property
    def transport_spec(self) -> str:
        """What a client passes to Bumble's ``open_transport`` (or ``bumble:`` + this)."""
        return f"tcp-client:{self.host}:{self.port}"

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def attach(self, name: str) -> SimController:
        """A controller for a lock simulated in this process, on the hub's link."""
        controller = attach_controller(self.link, name)
        self._local.add(controller)
        return controller

    def detach(self, controller: SimController) -> None:
        """Take an in-process controller off the air (out of range, or shut down)."""
        self._local.discard(controller)
        controller.leave_air()

    async def close(self) -> None:
        """Stop accepting, drop every client and in-process controller."""
        if self._server is not None:
            self._server.close()
        for protocol in list(self._clients):
            protocol.close()
        for controller in list(self._local):
            self.detach(controller)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        # Let connection_lost callbacks run, so each client's controller leaves the air.
        await asyncio.sleep(0)

    async def __aenter__(self) -> RadioHub:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()


async def serve_radio_hub(host: str = "127.0.0.1", port: int = 0) -> RadioHub:
    """Start the hub on ``host:port`` (``port=0`` picks a free port; read ``hub.port``)."""
    hub = RadioHub(link=new_link(), host=host, port=port)
    server = await asyncio.get_running_loop().create_server(
        lambda: _HubClientProtocol(hub), host=host, port=port
    )
    hub._server = server
    hub.port = server.sockets[0].getsockname()[1]
    logger.info("radio hub listening on %s:%d", host, hub.port)
    return hub
