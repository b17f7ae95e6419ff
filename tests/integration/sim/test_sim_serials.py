"""Locks named by the caller (the demo starts the serials its data names) survive restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from bumble.link import LocalLink

from firmware_sim.errors import InvalidRequestError
from firmware_sim.fleet import Fleet
from firmware_sim.radio_hub import SimController, attach_controller

pytestmark = pytest.mark.ble


async def test_named_serials_are_made_once_and_kept(link: LocalLink, tmp_path: Path) -> None:
    def attach(name: str) -> SimController:
        return attach_controller(link, name)

    fleet = await Fleet.start(tmp_path, 0, attach, serials=["LW-900000", "LW-900001"])
    try:
        assert [lock.serial for lock in fleet.locks] == ["LW-900000", "LW-900001"]
        assert [lock.name for lock in fleet.locks] == ["LW-900000", "LW-900001"]
        keys = [lock.core.public_key for lock in fleet.locks]
    finally:
        await fleet.close()
    again = await Fleet.start(tmp_path, 0, attach, serials=["LW-900001"])
    try:
        assert again.locks[0].core.public_key == keys[1]  # the same lock, not a new one
    finally:
        await again.close()
    with pytest.raises(InvalidRequestError, match="same six"):
        await Fleet.start(tmp_path, 0, attach, serials=["LW-900002", "XX-900002"])
