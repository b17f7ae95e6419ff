"""Fresh virtual air, gateway radio and simulated fleet per test (pitfall 5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
from bumble.link import LocalLink

from firmware_sim.clock import SimClock, SystemClock
from firmware_sim.fleet import Fleet
from firmware_sim.lock import LockTiming
from firmware_sim.radio_hub import attach_controller, new_link
from gateway.ble.connection import LockRegistry
from gateway.ble.radio import InProcessRadio, Radio, open_radio
from tests.integration.sim.sim_driver import TEST_TIMING, StartFleet


@pytest.fixture
def link() -> LocalLink:
    return new_link()


@pytest.fixture
async def radio(link: LocalLink) -> AsyncIterator[Radio]:
    opened = await open_radio(InProcessRadio(partial(attach_controller, link)))
    yield opened
    await opened.close()


@pytest.fixture
def registry() -> LockRegistry:
    return LockRegistry()


@pytest.fixture
async def start_fleet(link: LocalLink, tmp_path: Path) -> AsyncIterator[StartFleet]:
    """Start a fleet on this test's link; every fleet started is closed at the end."""
    started: list[Fleet] = []

    async def start(
        count: int = 1,
        *,
        data_dir: Path | None = None,
        timing: LockTiming = TEST_TIMING,
        clock: SimClock | None = None,
    ) -> Fleet:
        fleet = await Fleet.start(
            data_dir or tmp_path / "sim",
            count,
            lambda name: attach_controller(link, name),
            timing=timing,
            clock=clock or SystemClock(),
        )
        started.append(fleet)
        return fleet

    yield start
    for fleet in started:
        await fleet.close()
