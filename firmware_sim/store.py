"""A lock's durable state on disk: protocol state, battery, mechanics and the event log.

One JSON file per lock, replaced atomically: the new content goes to a temporary file in the
same folder, is fsynced, renamed over the old file with `os.replace` (atomic on POSIX), and the
folder is fsynced so the rename itself survives a power cut. A crash at any point leaves either
the old file or the new one, never a mix; a stray temporary file is ignored and cleaned up.

`LockCore` calls `persist` before it authorises a command, so the command counter on disk
never lags behind what the lock has done.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Final

import msgspec

from firmware_sim.battery import BatteryState
from firmware_sim.errors import StoreCorruptError, StoreError
from firmware_sim.model import MechanicsState

logger = logging.getLogger(__name__)

STORE_FORMAT: Final = 1
# Simulator events kept per lock (a ring): enough for a day of tests, small enough to rewrite
# the whole file on every change.
EVENT_LOG_LIMIT: Final = 200
TEMP_SUFFIX: Final = ".tmp"


class SimEvent(msgspec.Struct, frozen=True):
    """One simulator event: wake, sleep, connection, command, fault, battery change."""

    time: float
    kind: str
    detail: str = ""


class StoredLock(msgspec.Struct):
    format: int
    serial: str
    address: str  # the lock's static random Bluetooth address, kept across restarts
    lock_state: bytes  # lock_protocol.lock_core.LockState.to_bytes()
    battery: BatteryState
    mechanics: MechanicsState
    events: list[SimEvent] = msgspec.field(default_factory=list)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace `path` with `data` so that a crash leaves the old or the new content."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=TEMP_SUFFIX)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise StoreError(f"could not write {path}: {exc}") from exc
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some file systems do not open folders; the rename is still atomic
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


class LockStore:
    """The file of one lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> StoredLock | None:
        """The stored lock, or None if it was never saved. A corrupt file raises."""
        self._remove_stray_temp_files()
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"could not read {self.path}: {exc}") from exc
        try:
            record = msgspec.json.decode(data, type=StoredLock)
        except msgspec.DecodeError as exc:
            raise StoreCorruptError(f"{self.path} does not decode: {exc}") from exc
        if record.format != STORE_FORMAT:
            raise StoreCorruptError(f"{self.path} has unknown format {record.format}")
        return record

    def save(self, record: StoredLock) -> None:
        record.events = record.events[-EVENT_LOG_LIMIT:]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, msgspec.json.encode(record))

    def _remove_stray_temp_files(self) -> None:
        """Left-overs of a crash mid-write: never read, only removed."""
        if not self.path.parent.is_dir():
            return
        for stray in self.path.parent.glob(self.path.name + ".*" + TEMP_SUFFIX):
            logger.warning("removing unfinished write %s", stray)
            with contextlib.suppress(OSError):
                stray.unlink()
