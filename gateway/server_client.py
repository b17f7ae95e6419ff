"""The gateway's client of the Lockwork server's lock API (contract A), with an offline cache.

The gateway signs in with its device token (``Authorization: Bearer``). The server is always
asked first: it refuses an order that is no longer a booked visit of this fitter, and the
gateway then forgets what it had cached for that order. Only when the server cannot be reached
is the cache in ``DATA_DIR/server_cache.json`` used, so that a fitter without a connection can
still pair with a ticket fetched earlier (within its 10-minute life) and work with the
credential fetched for the visit (bound to the visit's window): pairing tickets per order,
staff credentials per (order, lock), the newest signed minimum epoch per lock (pushed to the
lock at every contact), and the lock authority (which factory the server trusts). Nothing in
the cache is secret beyond the visit: tickets and credentials are short-lived, signed by the
server and bound to this gateway's key.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import httpx
import msgspec

from gateway.errors import CodedError

CACHE_FILE: Final = "server_cache.json"
# One request to the server: long enough for a slow mobile link, short enough that an offline
# fitter falls back to the cache without a noticeable wait.
REQUEST_TIMEOUT_S: Final = 5.0
# A cached ticket is used only while it has at least this much life left: the fitter still has
# to press the button and the lock checks the expiry with its own clock (skew up to 2 min).
TICKET_MARGIN_S: Final = 150.0
HTTP_FORBIDDEN: Final = 403
HTTP_NOT_FOUND: Final = 404
HTTP_CONFLICT: Final = 409
# The server's refusals that mean "this order gives you nothing any more" (not yours, not
# booked): what was cached for the order is forgotten, so it cannot serve offline later either.
# (Outside the visit's window is not one: a credential fetched ahead still serves in it.)
ORDER_CLOSED_CODES: Final = frozenset({"order_not_ready", "no_booked_time", "wrong_order_kind"})


class ServerAccessError(CodedError):
    """The server could not give what the gateway asked for.

    ``server_code`` is the code of the server's refusal (``{"code", "message"}``), when it
    sent one: the gateway acts on some of them (``lock_identity_unknown``).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        message_sv: str,
        status: int | None = None,
        server_code: str | None = None,
    ) -> None:
        super().__init__(message, code=code, message_sv=message_sv)
        self.status = status
        self.server_code = server_code


class ServerUnreachable(ServerAccessError):
    """No answer from the server (offline, or it is down), and nothing usable in the cache."""


class CachedTicket(msgspec.Struct):
    order_id: str
    customer_id: str
    ticket: str
    server_nonce: str
    expires_at: float
    kind: str = ""
    # The lock the order names (None: any new lock): no other lock is paired with this ticket.
    lock_serial: str | None = None


class CachedCredential(msgspec.Struct):
    order_id: str
    serial: str
    credential: str
    lock_id: str
    valid_to: float
    server_nonce: str
    commands: list[str] = msgspec.field(default_factory=list)
    valid_from: float = 0.0
    epoch: int = 0
    epoch_update: str = ""  # hex: the server-signed minimum epoch that came with it

    @classmethod
    def from_answer(cls, answer: dict[str, Any], order_id: str = "") -> CachedCredential:
        """From the server's credential answer (staff or hub credential)."""
        return cls(
            order_id=order_id,
            serial=str(answer["serial"]),
            credential=answer["credential"],
            lock_id=answer["lock_id"],
            valid_to=_timestamp(answer["valid_to"]),
            server_nonce=answer["server_nonce"],
            commands=list(answer.get("commands", [])),
            valid_from=_timestamp(answer["valid_from"]),
            epoch=int(answer.get("epoch", 0)),
            epoch_update=str(answer.get("epoch_update", "")),
        )


class CachedEpoch(msgspec.Struct):
    """The newest server-signed minimum epoch seen for one lock."""

    min_epoch: int
    update: str  # hex


class LockAuthority(msgspec.Struct):
    server_public_key: str
    factory_authority_public_keys: list[str]
    operator_certificate: str | None = None


class ServerCache(msgspec.Struct):
    tickets: dict[str, CachedTicket] = msgspec.field(default_factory=dict)  # by server nonce
    credentials: dict[str, CachedCredential] = msgspec.field(default_factory=dict)
    authority: LockAuthority | None = None
    epochs: dict[str, CachedEpoch] = msgspec.field(default_factory=dict)  # by lock id (hex)

    def forget_order(self, order_id: str) -> None:
        self.tickets = {k: t for k, t in self.tickets.items() if t.order_id != order_id}
        self.credentials = {k: c for k, c in self.credentials.items() if c.order_id != order_id}

    def remember_epoch(self, credential: CachedCredential) -> None:
        known = self.epochs.get(credential.lock_id)
        if credential.epoch_update and (known is None or credential.epoch >= known.min_epoch):
            self.epochs[credential.lock_id] = CachedEpoch(credential.epoch, credential.epoch_update)


def _timestamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class LockServerClient:
    """Contract A's lock routes for one gateway (one device token)."""

    def __init__(
        self,
        base_url: str,
        device_token: str,
        data_dir: Path,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Any = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {device_token}"},
            timeout=REQUEST_TIMEOUT_S,
            transport=transport,
        )
        self._path = data_dir / CACHE_FILE
        self._clock = clock

    def clock(self) -> float:
        """The gateway's time (Unix seconds), as the cache's checks see it."""
        return float(self._clock())

    @property
    def http(self) -> httpx.AsyncClient:
        """The authenticated HTTP client (the sync client shares it)."""
        return self._http

    async def close(self) -> None:
        await self._http.aclose()

    # -- cache ------------------------------------------------------------------------------

    def cache(self) -> ServerCache:
        try:
            return msgspec.json.decode(self._path.read_bytes(), type=ServerCache)
        except (FileNotFoundError, msgspec.DecodeError):
            return ServerCache()

    def _save(self, cache: ServerCache) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        with open(temporary, "wb") as out:
            out.write(msgspec.json.encode(cache))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self._path)

    # -- requests ---------------------------------------------------------------------------

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ServerUnreachable(
                f"The Lockwork server at {self.base_url} cannot be reached ({exc!r}).",
                code="server_unreachable",
                message_sv="Lockwork-servern går inte att nå, och gatewayen har inget sparat "
                "som räcker. Anslut gatewayen till nätet och försök igen.",
            ) from exc
        if response.status_code >= 400:
            try:
                detail = response.json()
            except ValueError:
                detail = {}
            if not isinstance(detail, dict):
                detail = {}
            text = detail.get("message") or detail.get("detail") or response.text[:200]
            server_code = detail.get("code")
            raise ServerAccessError(
                f"The server refused ({response.status_code}): {text}",
                code="server_refused",
                message_sv=f"Servern nekade ({response.status_code}): "
                f"{detail.get('message_sv') or text}",
                status=response.status_code,
                server_code=server_code if isinstance(server_code, str) else None,
            )
        return response.json()

    def _refused(self, order_id: str, exc: ServerAccessError) -> None:
        """A refusal that closes the order to this gateway drops what it cached for it."""
        closed = exc.status in (HTTP_FORBIDDEN, HTTP_NOT_FOUND) or (
            exc.status == HTTP_CONFLICT and exc.server_code in ORDER_CLOSED_CODES
        )
        if closed and not isinstance(exc, ServerUnreachable):
            cache = self.cache()
            cache.forget_order(order_id)
            self._save(cache)

    async def reachable(self) -> bool:
        try:
            await self.lock_authority()
        except ServerAccessError:
            return False
        return True

    async def lock_authority(self) -> LockAuthority:
        answer = await self._request("GET", "/api/lock-authority")
        authority = msgspec.convert(answer, LockAuthority)
        cache = self.cache()
        cache.authority = authority
        self._save(cache)
        return authority

    async def pairing_ticket(self, order_id: str, serial: str | None = None) -> CachedTicket:
        """A new ticket from the server, which checks the order (and ``serial``, the lock about
        to be paired) first; only when it cannot be reached, a cached one with life left.

        Offline with no usable cached ticket raises `ServerUnreachable`.
        """
        body = {"serial": serial} if serial is not None else None
        try:
            answer = await self._request("POST", f"/api/orders/{order_id}/pairing-ticket", body)
        except ServerUnreachable:
            usable = [
                t
                for t in self.tickets_for(order_id)
                if t.expires_at - self._clock() > TICKET_MARGIN_S
            ]
            if usable:
                return usable[0]
            raise
        except ServerAccessError as exc:
            self._refused(order_id, exc)
            raise
        ticket = CachedTicket(
            order_id=order_id,
            customer_id=str(answer["customer_id"]),
            ticket=answer["ticket"],
            server_nonce=answer["server_nonce"],
            expires_at=_timestamp(answer["expires_at"]),
            kind=str(answer.get("kind", "")),
            lock_serial=answer.get("lock_serial"),
        )
        cache = self.cache()
        now = self._clock()
        cache.tickets = {
            key: value for key, value in cache.tickets.items() if value.expires_at > now
        }
        cache.tickets[ticket.server_nonce] = ticket
        self._save(cache)
        return ticket

    def tickets_for(self, order_id: str) -> list[CachedTicket]:
        """The cached tickets of the order that have not expired, newest first."""
        now = self._clock()
        held = [
            t
            for t in self.cache().tickets.values()
            if t.order_id == order_id and t.expires_at > now
        ]
        return sorted(held, key=lambda t: t.expires_at, reverse=True)

    async def staff_credential(
        self,
        order_id: str,
        serial: str,
        staff_public_key: bytes,
        lock_certificate: bytes | None = None,
    ) -> CachedCredential:
        """A new credential, with a new server nonce, for this gateway's key on one lock of the
        order; offline, the one cached for the visit (whose nonce may have been used already).

        ``lock_certificate``: the lock's factory certificate, for a lock the server has not
        learnt the key of (it answers ``lock_identity_unknown`` without it).
        """
        key = f"{order_id}/{serial}"
        body = {"staff_public_key": staff_public_key.hex(), "serial": serial}
        if lock_certificate is not None:
            body["lock_certificate"] = lock_certificate.hex()
        try:
            answer = await self._request("POST", f"/api/orders/{order_id}/staff-credential", body)
        except ServerUnreachable:
            cached = self.cache().credentials.get(key)
            if cached is not None and cached.valid_to >= self._clock():
                return cached
            raise
        except ServerAccessError as exc:
            self._refused(order_id, exc)
            raise
        credential = CachedCredential.from_answer(answer, order_id)
        self._keep(credential, key)
        return credential

    def _keep(self, credential: CachedCredential, key: str | None) -> None:
        """Cache the credential (a hub's are not kept: it has no visits to work offline) and
        the minimum epoch that came with it; expired credentials go."""
        cache = self.cache()
        now = self._clock()
        cache.credentials = {k: c for k, c in cache.credentials.items() if c.valid_to >= now}
        if key is not None:
            cache.credentials[key] = credential
        cache.remember_epoch(credential)
        self._save(cache)

    def epoch_update(self, lock_id: str) -> bytes | None:
        """The newest signed minimum epoch this gateway holds for the lock (hex lock id)."""
        known = self.cache().epochs.get(lock_id)
        return bytes.fromhex(known.update) if known is not None else None

    async def order_lock(self, order_id: str) -> tuple[str, str | None]:
        """The order's kind and the serial of its lock (None: no lock on the order)."""
        try:
            order = await self._request("GET", f"/api/orders/{order_id}")
        except ServerAccessError as exc:
            self._refused(order_id, exc)  # 404: not this fitter's order (any more)
            raise
        lock_id = order.get("lock_id")
        if not lock_id:
            return str(order["kind"]), None
        lock = await self._request("GET", f"/api/locks/{lock_id}")
        return str(order["kind"]), str(lock["serial"])

    async def hub_credential(
        self,
        device_id: str,
        serial: str,
        staff_public_key: bytes,
        lock_certificate: bytes | None = None,
    ) -> CachedCredential:
        """A hub's read-only credential for a lock a planner set this gateway to serve."""
        body = {"staff_public_key": staff_public_key.hex(), "serial": serial}
        if lock_certificate is not None:
            body["lock_certificate"] = lock_certificate.hex()
        answer = await self._request("POST", f"/api/devices/{device_id}/locks/credential", body)
        credential = CachedCredential.from_answer(answer)
        self._keep(credential, None)
        return credential

    async def unbind_token(self, order_id: str, serial: str) -> bytes:
        try:
            answer = await self._request(
                "POST", f"/api/orders/{order_id}/unbind-token", {"serial": serial}
            )
        except ServerAccessError as exc:
            self._refused(order_id, exc)
            raise
        return bytes.fromhex(answer["token"])
