"""The lock's store: round trip, crash safety, corruption, and the factory authority file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from firmware_sim.battery import BatteryState
from firmware_sim.errors import StoreCorruptError, StoreError
from firmware_sim.identity import load_or_create_authority, new_serial
from firmware_sim.model import BoltPosition, MechanicsState
from firmware_sim.store import EVENT_LOG_LIMIT, STORE_FORMAT, LockStore, SimEvent, StoredLock
from lock_protocol.crypto import SigningKey
from lock_protocol.lock_core import LockState, manufacture


def record(counter: int = 0) -> StoredLock:
    state = manufacture("LWSTESTAB2345", SigningKey(b"a" * 32), lambda n: b"\x07" * n)
    state.command_counter = counter
    return StoredLock(
        format=STORE_FORMAT,
        serial=state.serial,
        address="C0:11:22:33:44:55",
        lock_state=state.to_bytes(),
        battery=BatteryState(charge_uah=1_234_567),
        mechanics=MechanicsState(bolt=BoltPosition.LOCKED, motor_runs=7, bolt_movements=14),
        events=[SimEvent(1.5, "touched"), SimEvent(2.5, "motor", "OK")],
    )


def test_round_trip(tmp_path: Path) -> None:
    store = LockStore(tmp_path / "locks" / "lock.json")
    assert store.load() is None
    store.save(record(counter=41))
    loaded = store.load()
    assert loaded == record(counter=41)
    assert loaded is not None and LockState.from_bytes(loaded.lock_state).command_counter == 41


def test_the_event_log_is_bounded(tmp_path: Path) -> None:
    store = LockStore(tmp_path / "lock.json")
    many = record()
    many.events = [SimEvent(float(i), "touched") for i in range(EVENT_LOG_LIMIT + 50)]
    store.save(many)
    loaded = store.load()
    assert loaded is not None and len(loaded.events) == EVENT_LOG_LIMIT
    assert loaded.events[-1].time == EVENT_LOG_LIMIT + 49


def test_a_partly_written_temp_file_never_replaces_the_good_one(tmp_path: Path) -> None:
    store = LockStore(tmp_path / "lock.json")
    store.save(record(counter=5))
    # What a crash in the middle of a write leaves behind.
    stray = tmp_path / "lock.json.abc123.tmp"
    stray.write_bytes(b'{"format": 1, "serial": "LWS')
    loaded = store.load()
    assert loaded is not None and LockState.from_bytes(loaded.lock_state).command_counter == 5
    assert not stray.exists()


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_keeps_the_old_state_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    store = LockStore(tmp_path / "lock.json")
    store.save(record(counter=5))

    def power_cut(*_args: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, failing, power_cut)
    with pytest.raises(StoreError):
        store.save(record(counter=6))
    monkeypatch.undo()
    loaded = store.load()
    assert loaded is not None and LockState.from_bytes(loaded.lock_state).command_counter == 5
    assert [p.name for p in tmp_path.iterdir()] == ["lock.json"]


def test_a_corrupt_store_is_loud_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    path.write_bytes(b"\x00garbage")
    with pytest.raises(StoreCorruptError):
        LockStore(path).load()
    assert path.read_bytes() == b"\x00garbage"


def test_the_factory_authority_is_made_once(tmp_path: Path) -> None:
    first = load_or_create_authority(tmp_path)
    second = load_or_create_authority(tmp_path)
    assert first.public_key == second.public_key
    assert (tmp_path / "factory_authority.pub").read_text().strip() == first.public_key.hex()
    assert (tmp_path / "factory_authority.key").stat().st_mode & 0o077 == 0
    (tmp_path / "factory_authority.key").write_text("not hex")
    with pytest.raises(StoreCorruptError):
        load_or_create_authority(tmp_path)


def test_serials_have_unique_short_serials() -> None:
    taken: set[str] = set()
    for _ in range(200):
        serial = new_serial(taken)
        assert serial[-6:] not in {s[-6:] for s in taken}
        taken.add(serial)
