"""N simulated locks in one process, each on its own virtual controller.

Data folder layout:

    DATA_DIR/factory_authority.key   Ed25519 seed (hex, mode 0600), created once
    DATA_DIR/factory_authority.pub   its public key (hex): what the server trusts
    DATA_DIR/fleet.json              the serials, in the order they were made
    DATA_DIR/locks/SERIAL.json       one lock's store (see `store`)

A lock is manufactured (`lock_core.manufacture`) the first time the fleet needs it and loaded
from its store on every later start, so identity, pairing, counters and logs survive restarts.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import msgspec
from bumble import hci

from firmware_sim.battery import BatteryState
from firmware_sim.clock import SimClock
from firmware_sim.errors import InvalidRequestError, StoreCorruptError, UnknownLockError
from firmware_sim.identity import load_or_create_authority, new_serial
from firmware_sim.lock import LockTiming, SimLock
from firmware_sim.model import MechanicsState
from firmware_sim.radio_hub import SimController
from firmware_sim.store import STORE_FORMAT, LockStore, StoredLock, atomic_write
from lock_protocol.crypto import SigningKey
from lock_protocol.errors import MalformedError
from lock_protocol.gatt import NAME_PREFIX, short_serial_for
from lock_protocol.lock_core import LockState, manufacture

logger = logging.getLogger(__name__)

FLEET_FILE: Final = "fleet.json"
LOCKS_DIR: Final = "locks"

Attach = Callable[[str], SimController]


class FleetIndex(msgspec.Struct):
    serials: list[str] = msgspec.field(default_factory=list)


def _load_index(data_dir: Path) -> FleetIndex:
    path = data_dir / FLEET_FILE
    try:
        return msgspec.json.decode(path.read_bytes(), type=FleetIndex)
    except FileNotFoundError:
        return FleetIndex()
    except msgspec.DecodeError as exc:
        raise StoreCorruptError(f"{path} does not decode: {exc}") from exc


def _load_or_manufacture(serial: str, store: LockStore, authority: SigningKey) -> StoredLock:
    record = store.load()
    if record is None:
        record = StoredLock(
            format=STORE_FORMAT,
            serial=serial,
            address=hci.Address.generate_static_address().to_string(with_type_qualifier=False),
            lock_state=manufacture(serial, authority, os.urandom).to_bytes(),
            battery=BatteryState(),
            mechanics=MechanicsState(),
        )
        store.save(record)
        logger.info("manufactured lock %s", serial)
        return record
    try:
        state = LockState.from_bytes(record.lock_state)
    except MalformedError as exc:
        raise StoreCorruptError(f"{store.path}: {exc}") from exc
    if state.serial != serial or state.factory_authority_public_key != authority.public_key:
        raise StoreCorruptError(
            f"{store.path} belongs to another lock or another factory authority"
        )
    return record


class Fleet:
    """The running locks of one data folder."""

    def __init__(self, data_dir: Path, authority: SigningKey, locks: list[SimLock]) -> None:
        self.data_dir = data_dir
        self.authority = authority
        self.locks = locks

    @property
    def authority_public_key(self) -> bytes:
        return self.authority.public_key

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        count: int,
        attach: Attach,
        *,
        timing: LockTiming | None = None,
        clock: SimClock | Callable[[], float] = time.time,
        serials: list[str] | None = None,
    ) -> Fleet:
        """Load (or make) the first `count` locks of `data_dir` and put them on the air.

        ``serials`` names the locks instead (the demo starts the locks its data names); a
        serial not made yet is manufactured, and ``count`` is then ignored.
        """
        authority = load_or_create_authority(data_dir)
        index = _load_index(data_dir)
        if serials is not None:
            shorts = [short_serial_for(serial) for serial in serials]
            if len(set(shorts)) != len(shorts):
                raise InvalidRequestError("two serials end in the same six characters")
            for serial in serials:
                if serial not in index.serials:
                    index.serials.append(serial)
            chosen = list(serials)
        else:
            while len(index.serials) < count:
                index.serials.append(new_serial(set(index.serials)))
            chosen = index.serials[:count]
        atomic_write(data_dir / FLEET_FILE, msgspec.json.encode(index))
        locks: list[SimLock] = []
        fleet = cls(data_dir, authority, locks)
        try:
            for serial in chosen:
                store = LockStore(data_dir / LOCKS_DIR / f"{serial}.json")
                record = _load_or_manufacture(serial, store, authority)
                lock = SimLock(record, store, attach(serial), timing=timing, clock=clock)
                locks.append(lock)
                await lock.start()
        except BaseException:
            await fleet.close()
            raise
        return fleet

    def find(self, key: str) -> SimLock:
        """A lock by serial, short serial (last six) or advertised name, any case."""
        wanted = key.strip().upper()
        if wanted.startswith(NAME_PREFIX):
            wanted = wanted[len(NAME_PREFIX) :]
        for lock in self.locks:
            if wanted in (lock.serial.upper(), lock.short_serial):
                return lock
        known = ", ".join(lock.serial for lock in self.locks) or "none"
        raise UnknownLockError(f"no lock {key!r} in this simulator (locks: {known})")

    async def close(self) -> None:
        for lock in self.locks:
            try:
                await lock.close()
            except Exception:  # one lock failing to close must not keep the others up
                logger.exception("closing %s failed", lock.serial)
