"""The locks this gateway has worked with: serial -> lock id (and pairing id), in one file.

A lock's id is a fingerprint of its factory key, learnt from the lock itself in a secure
session (or from the server with a credential). The hub reads the battery of the locks listed
here; a development authority needs the lock id to sign a credential. The file is replaced
atomically, so a killed gateway leaves the old or the new list, never half of one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import msgspec

KNOWN_LOCKS_FILE: Final = "known_locks.json"


class KnownLock(msgspec.Struct):
    serial: str
    lock_id: str  # hex
    pairing_id: str | None = None  # hex; the lock's current pairing, when this gateway made it
    paired: bool = False


class KnownLocks:
    """Read and update ``DATA_DIR/known_locks.json``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / KNOWN_LOCKS_FILE

    def all(self) -> list[KnownLock]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return msgspec.json.decode(raw, type=list[KnownLock])

    def get(self, serial: str) -> KnownLock | None:
        wanted = serial.strip().upper()
        for lock in self.all():
            if wanted in (lock.serial.upper(), lock.serial.upper()[-6:]):
                return lock
        return None

    def remember(
        self,
        serial: str,
        lock_id: str,
        *,
        paired: bool | None = None,
        pairing_id: str | None = None,
        forget_pairing: bool = False,
    ) -> KnownLock:
        locks = {lock.serial: lock for lock in self.all()}
        lock = locks.get(serial) or KnownLock(serial=serial, lock_id=lock_id)
        lock.lock_id = lock_id
        if paired is not None:
            lock.paired = paired
        if pairing_id is not None:
            lock.pairing_id = pairing_id
        if forget_pairing:
            lock.pairing_id = None
        locks[serial] = lock
        self._write(sorted(locks.values(), key=lambda item: item.serial))
        return lock

    def _write(self, locks: list[KnownLock]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "wb") as out:
            out.write(msgspec.json.format(msgspec.json.encode(locks)))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
