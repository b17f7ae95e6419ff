"""A session with one lock: find it, connect with retries, GATT by UUID, progress for the CLI.

Only one session per lock at a time: a :class:`LockRegistry` (an explicit object the gateway
owns, not module state) hands out one ``asyncio.Lock`` per lock address, and a
:class:`LockLink` holds it from connect to disconnect.

Every failure leaves as a typed :class:`~gateway.ble.errors.BleError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice

from gateway.ble.errors import (
    BleError,
    BleTimeout,
    ConnectFailed,
    LinkLost,
    LockNotFound,
    classify,
)
from gateway.ble.radio import Radio
from gateway.progress import Progress, Step

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str], None]
NotificationCallback = Callable[[bytes], None]

# A sleeping lock wakes on the fitter's touch and advertises within ~1 s; 10 s covers a slow
# wake-up plus a fitter walking into range, without leaving the CLI silent for long.
SCAN_TIMEOUT_S = 10.0
# One connect attempt: the lock answers the next advert after our connect request; on real
# radios with 1 s advertising while idle that is ~1-2 s; 5 s leaves room for interference.
CONNECT_TIMEOUT_S = 5.0
# One GATT operation: a few connection intervals (7.5-50 ms each) on a healthy link; 10 s only
# trips on a lock that has stopped answering without dropping the link.
OPERATION_TIMEOUT_S = 10.0
# Retries: BLE connects fail transiently (a missed advert, a collision with the lock's own
# housekeeping). Three attempts with a short doubling pause recover those, and a lock that is
# really gone is reported within ~3 x CONNECT_TIMEOUT_S.
CONNECT_ATTEMPTS = 3
# The first pause is shorter than an advertising interval so a retry catches the next advert.
BACKOFF_INITIAL_S = 0.25
BACKOFF_FACTOR = 2.0
# Cap so a long policy never leaves the fitter waiting more than this between attempts.
BACKOFF_MAX_S = 2.0


@dataclass(frozen=True)
class RetryPolicy:
    """How many connect attempts, and the pauses between them (exponential backoff)."""

    attempts: int = CONNECT_ATTEMPTS
    initial_delay_s: float = BACKOFF_INITIAL_S
    factor: float = BACKOFF_FACTOR
    max_delay_s: float = BACKOFF_MAX_S

    def delays(self) -> Iterator[float]:
        """The pause before attempt 2, 3, ... (``attempts - 1`` values)."""
        delay = self.initial_delay_s
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_delay_s)
            delay *= self.factor


DEFAULT_RETRY = RetryPolicy()


class LockRegistry:
    """One ``asyncio.Lock`` per lock address: at most one session per lock at a time."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    @staticmethod
    def key(address: str) -> str:
        return address.upper()

    def lock_for(self, address: str) -> asyncio.Lock:
        return self._locks.setdefault(self.key(address), asyncio.Lock())

    def is_busy(self, address: str) -> bool:
        lock = self._locks.get(self.key(address))
        return lock is not None and lock.locked()


def _no_progress(_step: str) -> None:
    """Default progress sink: say nothing."""


class LockLink:
    """A connection to one lock, addressed by Bluetooth address or by advertised name.

    Use as ``async with LockLink(radio, registry, name="LW-0042") as link: ...``.
    """

    def __init__(
        self,
        radio: Radio,
        registry: LockRegistry,
        *,
        address: str | None = None,
        name: str | None = None,
        progress: ProgressCallback | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        scan_timeout_s: float = SCAN_TIMEOUT_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        operation_timeout_s: float = OPERATION_TIMEOUT_S,
    ) -> None:
        if (address is None) == (name is None):
            raise ValueError("give exactly one of address= or name=")
        self._radio = radio
        self._registry = registry
        self._address = address
        self._name = name
        self._progress = progress or _no_progress
        self._retry = retry
        self._scan_timeout_s = scan_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._operation_timeout_s = operation_timeout_s
        self._client: BleakClient | None = None
        self._held: asyncio.Lock | None = None
        self._link_lost = False
        self._lost = asyncio.Event()

    # -- properties -----------------------------------------------------------------------

    @property
    def label(self) -> str:
        """How the lock is named to the fitter."""
        return self._name or self._address or "?"

    @property
    def address(self) -> str | None:
        return self._address

    @property
    def is_connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    @property
    def mtu_size(self) -> int:
        return self._require_client().mtu_size

    @property
    def client(self) -> BleakClient:
        """The underlying bleak client, for what the helpers here do not cover."""
        return self._require_client()

    # -- session --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def connect(self) -> None:
        """Find the lock if needed, take its registry lock, connect with retries."""
        target = await self._resolve_target()
        address = target.address if isinstance(target, BLEDevice) else target
        self._address = address
        lock = self._registry.lock_for(address)
        if lock.locked():
            self._progress(Progress.of(Step.LOCK_BUSY, lock=self.label))
        await lock.acquire()
        self._held = lock
        try:
            await self._connect_with_retry(target)
        except BaseException:
            self._release()
            raise

    async def disconnect(self) -> None:
        client, self._client = self._client, None
        try:
            if client is not None and client.is_connected:
                self._progress(Progress.of(Step.DISCONNECTING, lock=self.label))
                try:
                    await client.disconnect()
                except Exception as exc:  # a failing disconnect still ends the session
                    logger.debug("disconnect from %s failed: %r", self.label, exc)
        finally:
            self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None and held.locked():
            held.release()

    async def _resolve_target(self) -> BLEDevice | str:
        if self._name is not None:
            return await self._find_by_name(self._name)
        assert self._address is not None
        if self._radio.scan_before_connect:
            return await self._find_by_address(self._address)
        return self._address

    def _scanner_args(self) -> BleakScanner.ExtraArgs:
        args: BleakScanner.ExtraArgs = {}
        if self._radio.scanner_backend is not None:
            args["backend"] = self._radio.scanner_backend
        return args

    async def _find_by_name(self, name: str) -> BLEDevice:
        self._progress(Progress.of(Step.LOOKING_FOR_LOCK, lock=name))
        try:
            device = await BleakScanner.find_device_by_name(
                name, timeout=self._scan_timeout_s, **self._scanner_args()
            )
        except Exception as exc:
            raise classify(exc, action=f"look for lock {name}") from exc
        if device is None:
            raise LockNotFound(
                f"Lock {name} was not heard within {self._scan_timeout_s:.0f} s. "
                "Wake the lock and make sure you are close to the door."
            )
        self._progress(Progress.of(Step.FOUND_LOCK, lock=name, address=device.address))
        return device

    async def _find_by_address(self, address: str) -> BLEDevice:
        self._progress(Progress.of(Step.LOOKING_FOR_LOCK, lock=address))
        try:
            device = await BleakScanner.find_device_by_address(
                address, timeout=self._scan_timeout_s, **self._scanner_args()
            )
        except Exception as exc:
            raise classify(exc, action=f"look for lock {address}") from exc
        if device is None:
            raise LockNotFound(
                f"Lock {address} was not heard within {self._scan_timeout_s:.0f} s. "
                "Wake the lock and make sure you are close to the door."
            )
        return device

    async def _connect_with_retry(self, target: BLEDevice | str) -> None:
        delays = self._retry.delays()
        attempts = self._retry.attempts
        last_error: BleError | None = None
        for attempt in range(1, attempts + 1):
            self._progress(
                Progress.of(Step.CONNECTING, lock=self.label, attempt=attempt, attempts=attempts)
            )
            client = BleakClient(
                target,
                disconnected_callback=self._on_unsolicited_disconnect,
                timeout=self._connect_timeout_s,
                backend=self._radio.client_backend,
            )
            try:
                await client.connect()
            except Exception as exc:
                last_error = classify(exc, action=f"connect to {self.label}")
                logger.info("connect attempt %d to %s failed: %r", attempt, self.label, exc)
                delay = next(delays, None)
                if delay is None:
                    break
                self._progress(Progress.of(Step.CONNECT_RETRY, seconds=f"{delay:.1f}"))
                await asyncio.sleep(delay)
                continue
            self._client = client
            self._link_lost = False
            self._lost.clear()
            services = len(client.services.services)
            self._progress(
                Progress.of(Step.CONNECTED, lock=self.label, services=services, mtu=client.mtu_size)
            )
            return
        # Every attempt failed. Timeouts mean the lock was never heard answering.
        if isinstance(last_error, BleTimeout):
            raise LockNotFound(
                f"Lock {self.label} did not answer {attempts} connection attempts. "
                "Wake the lock and make sure you are close to the door."
            ) from last_error
        raise ConnectFailed(
            f"Could not connect to lock {self.label} after {attempts} attempts. "
            "Wake the lock and try again."
        ) from last_error

    async def wait_lost(self) -> None:
        """Return when the link drops on its own (for callers that wait on notifications)."""
        await self._lost.wait()

    def _on_unsolicited_disconnect(self, _client: BleakClient) -> None:
        self._link_lost = True
        self._lost.set()
        self._progress(Progress.of(Step.LINK_LOST, lock=self.label))

    # -- GATT by UUID ---------------------------------------------------------------------

    def _require_client(self) -> BleakClient:
        client = self._client
        if client is None or self._link_lost or not client.is_connected:
            raise LinkLost(
                f"Not connected to lock {self.label}. Stay close to the door and try again."
            )
        return client

    def _fail(self, exc: BaseException, action: str) -> BleError:
        client = self._client
        return classify(
            exc, action=action, still_connected=client is not None and client.is_connected
        )

    async def read(self, uuid: str, *, action: str | None = None) -> bytes:
        """Read a characteristic by UUID. ``action`` names it for the fitter."""
        client = self._require_client()
        action = action or f"read {uuid}"
        try:
            async with asyncio.timeout(self._operation_timeout_s):
                return bytes(await client.read_gatt_char(uuid))
        except Exception as exc:
            raise self._fail(exc, action) from exc

    async def write(
        self, uuid: str, data: bytes, *, response: bool = True, action: str | None = None
    ) -> None:
        """Write a characteristic by UUID (with response unless told otherwise)."""
        client = self._require_client()
        action = action or f"write {uuid}"
        try:
            async with asyncio.timeout(self._operation_timeout_s):
                await client.write_gatt_char(uuid, data, response=response)
        except Exception as exc:
            raise self._fail(exc, action) from exc

    async def start_notify(self, uuid: str, callback: NotificationCallback) -> None:
        client = self._require_client()

        def on_notify(_characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
            callback(bytes(data))

        try:
            async with asyncio.timeout(self._operation_timeout_s):
                await client.start_notify(uuid, on_notify)
        except Exception as exc:
            raise self._fail(exc, f"subscribe to {uuid}") from exc

    async def stop_notify(self, uuid: str) -> None:
        client = self._require_client()
        try:
            async with asyncio.timeout(self._operation_timeout_s):
                await client.stop_notify(uuid)
        except Exception as exc:
            raise self._fail(exc, f"unsubscribe from {uuid}") from exc

    @asynccontextmanager
    async def notifications(self, uuid: str) -> AsyncIterator[asyncio.Queue[bytes]]:
        """Subscribe for the duration of the block; notifications arrive in the queue."""
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        await self.start_notify(uuid, queue.put_nowait)
        try:
            yield queue
        finally:
            if self.is_connected:
                await self.stop_notify(uuid)

    async def request(
        self,
        write_uuid: str,
        data: bytes,
        notify_uuid: str,
        *,
        timeout_s: float | None = None,
        action: str | None = None,
    ) -> bytes:
        """Write ``data`` and return the next notification on ``notify_uuid``.

        Subscribes first, so an answer that comes back at once is not missed.
        """
        action = action or f"exchange data with {self.label}"
        async with self.notifications(notify_uuid) as queue:
            await self.write(write_uuid, data, action=action)
            try:
                async with asyncio.timeout(timeout_s or self._operation_timeout_s):
                    return await self._next_or_link_lost(queue)
            except TimeoutError as exc:
                raise self._fail(exc, action) from exc

    async def _next_or_link_lost(self, queue: asyncio.Queue[bytes]) -> bytes:
        # Wait for the answer but notice a dropped link at once rather than at the timeout.
        answer = asyncio.ensure_future(queue.get())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({answer, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            answer.cancel()
            lost.cancel()
        if answer.done() and not answer.cancelled():
            return answer.result()
        raise LinkLost(
            f"The connection to lock {self.label} was lost while waiting for its answer. "
            "Stay close to the door and try again."
        )

    async def pair(self) -> None:
        """Pair (LE Secure Connections) so encryption-required characteristics open up."""
        client = self._require_client()
        self._progress(Progress.of(Step.BLE_PAIRING, lock=self.label))
        try:
            async with asyncio.timeout(self._operation_timeout_s):
                await client.pair()
        except Exception as exc:
            raise self._fail(exc, f"pair with {self.label}") from exc
        self._progress(Progress.of(Step.BLE_PAIRED, lock=self.label))
