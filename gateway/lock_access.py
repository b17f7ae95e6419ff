"""Where the gateway gets what a lock demands: pairing tickets, staff credentials, unbind tokens.

Two sources with one interface (`LockAccess`):

- `ServerLockAccess`: the Lockwork server (contract A), for the fitter's assigned orders, with
  the offline cache of `gateway.server_client` (pairing works offline with a ticket fetched
  earlier; a credential fetched for the visit is reused offline, its server nonce for one
  reading only: see `gateway.operations.battery`). Every lock operation names its order; the
  server is asked first, and the cache serves only when it cannot be reached. Online, every
  operation gets a new credential and so a new server nonce. A credential is used only inside
  its visit window (the lock checks it too), and goes to the lock with the newest signed
  minimum epoch the gateway holds for it, so revoked credentials stop working. A ticket pairs
  only the lock its order names, if it names one. For a lock the server has not learnt the
  key of (one paired before Lockwork) the credential is fetched once connected, with the
  factory certificate the lock presents (`access_for`).
- `DevLockAccess`: DEVELOPMENT ONLY, `gateway.dev_authority` signs everything itself, for the
  simulator and the demo until (or where) there is no server.
"""

from __future__ import annotations

import time
from typing import Final, Protocol

import httpx
import msgspec

from gateway.dev_authority import DevAuthority
from gateway.errors import CodedError
from gateway.known_locks import KnownLocks
from gateway.operations import Access, GrantOnConnect, LockGrant, StaffAccess
from gateway.server_client import (
    CachedCredential,
    CachedTicket,
    LockServerClient,
    ServerAccessError,
    ServerUnreachable,
)
from gateway.sync_client import SyncClient, SyncClientError
from lock_protocol.crypto import SigningKey

HTTP_BAD_REQUEST: Final = 400
HTTP_CONFLICT: Final = 409
# A lock in the hub's sync scope (its fitter's) that a planner did not give the hub.
NOT_SERVED: Final = "not_served"
# The server's refusal of a credential for a lock whose key it has not learnt (contract A).
LOCK_IDENTITY_UNKNOWN: Final = "lock_identity_unknown"
# The server's (and the gateway's) refusal of an order's access outside its visit window.
OUTSIDE_VISIT_WINDOW: Final = "outside_visit_window"


class AccessUnavailable(CodedError):
    """What the lock needs cannot be had for this request (the message says why)."""


class LockIdentityUnknown(AccessUnavailable):
    """The server needs the lock's factory certificate before it signs a credential for it."""


# Orders whose visit may pair a lock (the server issues pairing tickets for these kinds).
PAIRING_ORDER_KINDS: Final = frozenset({"installation", "service"})


class Prepared(msgspec.Struct, frozen=True):
    """What the gateway holds for an order's visit, usable without a connection."""

    order_id: str
    serial: str | None = None
    ticket_expires_at: float | None = None
    credential_valid_to: float | None = None
    credential_valid_from: float | None = None


class LockAccess(Protocol):
    """What the local API and the hub ask for before they talk to a lock."""

    description: str

    async def pairing_ticket(self, order_id: str | None, serial: str | None = None) -> bytes: ...

    async def earlier_tickets(self, order_id: str | None, presented: bytes) -> list[bytes]: ...

    async def grant(
        self, serial: str, order_id: str | None, lock_certificate: bytes | None = None
    ) -> LockGrant: ...

    async def unbind_token(self, serial: str, order_id: str | None) -> bytes: ...

    async def server_reachable(self) -> bool: ...

    async def prepare(self, order_id: str) -> Prepared: ...

    async def served_serials(self) -> list[str]: ...


async def access_for(
    source: LockAccess, serial: str, order_id: str | None
) -> tuple[Access, bytes | None]:
    """What an operation on the lock is given: the credential and server nonce, fetched before
    connecting; or, when the server does not know the lock's key yet, a `GrantOnConnect` that
    asks again with the certificate the lock presents once connected."""
    try:
        grant = await source.grant(serial, order_id)
    except LockIdentityUnknown:

        async def with_certificate(certificate: bytes) -> LockGrant:
            return await source.grant(serial, order_id, certificate)

        return GrantOnConnect(with_certificate), None
    return grant.access, grant.server_nonce


def _identity_unknown(serial: str, exc: ServerAccessError) -> LockIdentityUnknown | None:
    if exc.status != HTTP_CONFLICT or exc.server_code != LOCK_IDENTITY_UNKNOWN:
        return None
    return LockIdentityUnknown(
        f"The server does not know lock {serial}'s key yet; the gateway sends the lock's "
        "factory certificate once connected.",
        code=LOCK_IDENTITY_UNKNOWN,
        message_sv=f"Servern känner inte till låset {serial} än; gatewayen skickar låsets "
        "fabrikscertifikat när den är ansluten.",
    )


def _local_time(unix: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(unix))


def _outside_window(serial: str, credential: CachedCredential, now: float) -> AccessUnavailable:
    start, end = _local_time(credential.valid_from), _local_time(credential.valid_to)
    over = now > credential.valid_to
    return AccessUnavailable(
        f"The visit's key for lock {serial} works from {start} to {end}; "
        + ("the visit is over." if over else "the visit has not started.")
        + " Nothing was sent to the lock.",
        code=OUTSIDE_VISIT_WINDOW,
        message_sv=f"Besökets nyckel till låset {serial} gäller från {start} till {end}; "
        + ("besöket är slut." if over else "besöket har inte börjat.")
        + " Inget skickades till låset.",
    )


def _not_this_lock(serial: str, ticket: CachedTicket) -> AccessUnavailable:
    named = ticket.lock_serial
    if ticket.kind == "service":
        return AccessUnavailable(
            f"This service order is for lock {named}. To fit lock {serial} in its place, "
            f"record on the order that {named} is replaced first. Nothing was sent to the lock.",
            code="lock_replacement_required",
            message_sv=f"Serviceordern gäller låset {named}. För att sätta upp låset {serial} "
            f"i stället, registrera först på ordern att {named} byts ut. Inget skickades till "
            "låset.",
        )
    return AccessUnavailable(
        f"This order is for lock {named}, not {serial}. Pair {named}. Nothing was sent to the "
        "lock.",
        code="wrong_lock_for_order",
        message_sv=f"Ordern gäller låset {named}, inte {serial}. Parkoppla {named}. Inget "
        "skickades till låset.",
    )


def _order_required(what: str) -> AccessUnavailable:
    return AccessUnavailable(
        f"{what} is issued for an order: open the lock from its order in the app.",
        code="order_required",
        message_sv="Det här görs från en order: öppna låset från ordern i appen.",
    )


class ServerLockAccess:
    """Contract A through `LockServerClient`; every request needs the order it is for."""

    def __init__(
        self, client: LockServerClient, staff_key: SigningKey, device_id: str | None = None
    ) -> None:
        self.client = client
        self.staff_key = staff_key
        # Set for a hub gateway: its device id on the server (the locks it serves are this
        # device's; its credentials come without an order).
        self.device_id = device_id
        self.description = f"server {client.base_url}"
        self._sync: SyncClient | None = None

    async def pairing_ticket(self, order_id: str | None, serial: str | None = None) -> bytes:
        """The ticket to present: new from the server (which checks the order and the lock),
        or offline one fetched earlier; either way only for the lock the order names."""
        if order_id is None:
            raise _order_required("A pairing ticket")
        ticket = await self.client.pairing_ticket(order_id, serial)
        if serial is not None and ticket.lock_serial is not None and serial != ticket.lock_serial:
            raise _not_this_lock(serial, ticket)
        return bytes.fromhex(ticket.ticket)

    async def earlier_tickets(self, order_id: str | None, presented: bytes) -> list[bytes]:
        """Tickets fetched before for the order, to recover a pairing the lock committed under
        one of them (never to pair anew)."""
        if order_id is None:
            return []
        held = (bytes.fromhex(t.ticket) for t in self.client.tickets_for(order_id))
        return [ticket for ticket in held if ticket != presented]

    async def grant(
        self, serial: str, order_id: str | None, lock_certificate: bytes | None = None
    ) -> LockGrant:
        """A credential and server nonce: online a new one for every call (the server takes
        each nonce once); offline the visit's cached one. ``lock_certificate`` is sent for a
        lock the server does not know yet (`LockIdentityUnknown` without it)."""
        try:
            return await self._grant(serial, order_id, lock_certificate)
        except ServerAccessError as exc:
            unknown = None if lock_certificate is not None else _identity_unknown(serial, exc)
            if unknown is None:
                raise
            raise unknown from exc

    async def _grant(
        self, serial: str, order_id: str | None, lock_certificate: bytes | None
    ) -> LockGrant:
        if order_id is None and self.device_id is not None:
            try:
                answer = await self.client.hub_credential(
                    self.device_id, serial, self.staff_key.public_key, lock_certificate
                )
            except ServerAccessError as exc:
                if exc.status != HTTP_BAD_REQUEST:
                    raise
                raise AccessUnavailable(
                    f"This gateway does not serve lock {serial}; a planner adds it to the "
                    "gateway's locks.",
                    code=NOT_SERVED,
                    message_sv=f"Gatewayen ska inte läsa låset {serial}; en planerare lägger "
                    "till det bland gatewayens lås.",
                ) from exc
        elif order_id is None:
            # A fitter's lock is opened for a visit, never for no order (nor from what some
            # other order left in the cache).
            raise _order_required("A staff credential")
        else:
            answer = await self.client.staff_credential(
                order_id, serial, self.staff_key.public_key, lock_certificate
            )
            now = self.client.clock()
            if not answer.valid_from <= now <= answer.valid_to:
                raise _outside_window(serial, answer, now)
        return LockGrant(
            StaffAccess(
                self.staff_key,
                bytes.fromhex(answer.credential),
                self.client.epoch_update(answer.lock_id),
            ),
            bytes.fromhex(answer.server_nonce),
        )

    async def unbind_token(self, serial: str, order_id: str | None) -> bytes:
        if order_id is None:
            raise _order_required("An unbind token")
        return await self.client.unbind_token(order_id, serial)

    async def server_reachable(self) -> bool:
        return await self.client.reachable()

    async def served_serials(self) -> list[str]:
        """The locks of this gateway's sync scope (a hub: the ones a planner gave it)."""
        if self.device_id is None:
            return []
        if self._sync is None:
            self._sync = SyncClient(http=self.client.http, device="lockwork-gateway hub")
        try:
            await self._sync.pull()
        except (SyncClientError, httpx.HTTPError) as exc:
            raise ServerUnreachable(
                f"The locks this hub serves could not be fetched ({exc!r}).",
                code="server_unreachable",
                message_sv="Listan över låsen som gatewayen ska läsa kunde inte hämtas.",
            ) from exc
        return sorted(str(row["serial"]) for row in self._sync.held("lock").values())

    async def prepare(self, order_id: str) -> Prepared:
        """Fetch (while online) what the visit will need offline: the order's pairing ticket
        and, for a lock the server already knows, this gateway's credential for it."""
        kind, serial = await self.client.order_lock(order_id)
        expires: float | None = None
        if kind in PAIRING_ORDER_KINDS:
            try:
                expires = (await self.client.pairing_ticket(order_id, serial)).expires_at
            except ServerAccessError as exc:
                # Tickets (ten minutes) come only inside the visit; prepared earlier in the
                # day, the credential still is, and the ticket is fetched at the door.
                if exc.server_code != OUTSIDE_VISIT_WINDOW:
                    raise
        valid_from: float | None = None
        valid_to: float | None = None
        if serial is not None:
            try:
                credential = await self.client.staff_credential(
                    order_id, serial, self.staff_key.public_key
                )
            except ServerAccessError as exc:
                # 409 lock_identity_unknown: the lock is not paired (known) yet
                if exc.status != HTTP_CONFLICT or exc.server_code != LOCK_IDENTITY_UNKNOWN:
                    raise
            else:
                valid_from, valid_to = credential.valid_from, credential.valid_to
        return Prepared(order_id, serial, expires, valid_to, valid_from)


class DevLockAccess:
    """DEVELOPMENT ONLY: signs with `DevAuthority`; knows lock ids from `KnownLocks`."""

    description = "development authority (no server)"

    def __init__(self, authority: DevAuthority, staff_key: SigningKey, known: KnownLocks) -> None:
        self.authority = authority
        self.staff_key = staff_key
        self.known = known

    async def pairing_ticket(self, order_id: str | None, serial: str | None = None) -> bytes:
        return self.authority.ticket()

    async def earlier_tickets(self, order_id: str | None, presented: bytes) -> list[bytes]:
        return []  # tickets are signed here on demand; none are kept

    async def grant(
        self, serial: str, order_id: str | None, lock_certificate: bytes | None = None
    ) -> LockGrant:
        known = self.known.get(serial)
        if known is None:
            raise AccessUnavailable(
                f"This gateway does not know lock {serial} yet, so the development authority "
                "cannot sign a credential for it. Pair it first.",
                code="lock_unknown",
                message_sv=f"Gatewayen känner inte till låset {serial} än. Parkoppla det först.",
            )
        credential = self.authority.credential(
            bytes.fromhex(known.lock_id), self.staff_key.public_key
        )
        # No server to hand out a nonce: the operation picks a random one (see `battery`).
        return LockGrant(StaffAccess(self.staff_key, credential), None)

    async def unbind_token(self, serial: str, order_id: str | None) -> bytes:
        known = self.known.get(serial)
        if known is None or known.pairing_id is None:
            raise AccessUnavailable(
                f"This gateway did not pair lock {serial}, so the development authority cannot "
                "sign an unbind token for it.",
                code="pairing_unknown",
                message_sv=f"Gatewayen parkopplade inte låset {serial} och kan inte koppla "
                "från det.",
            )
        return self.authority.unbind_token(
            bytes.fromhex(known.lock_id), bytes.fromhex(known.pairing_id)
        )

    async def server_reachable(self) -> bool:
        return False

    async def prepare(self, order_id: str) -> Prepared:
        return Prepared(order_id)  # everything is signed here, on demand

    async def served_serials(self) -> list[str]:
        return []  # no server: the hub reads the locks this gateway knows
