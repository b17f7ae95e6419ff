"""Fixtures: a fresh world per test (see gateway_world)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
from bumble.link import LocalLink

from firmware_sim.fleet import Fleet
from firmware_sim.radio_hub import attach_controller, new_link
from gateway.ble.radio import InProcessRadio, Radio, open_radio
from gateway.dev_authority import DevAuthority
from gateway.operations import OperationContext
from gateway.report_queue import ReportQueue
from lock_protocol.credentials import issue_operator_certificate
from lock_protocol.crypto import SigningKey
from tests.integration.gateway.gateway_world import (
    TEST_ANSWER_TIMEOUT_S,
    TEST_WAKE_TIMEOUT_S,
    World,
    WorldFactory,
)
from tests.integration.sim.sim_driver import TEST_TIMING


@pytest.fixture
def link() -> LocalLink:
    return new_link()


@pytest.fixture
async def radio(link: LocalLink) -> AsyncIterator[Radio]:
    opened = await open_radio(InProcessRadio(partial(attach_controller, link)))
    yield opened
    await opened.close()


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[ReportQueue]:
    opened = await ReportQueue.open(tmp_path / "gateway" / "reports.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
async def world_factory(
    link: LocalLink, radio: Radio, queue: ReportQueue, tmp_path: Path
) -> AsyncIterator[WorldFactory]:
    fleets: list[Fleet] = []

    async def make(count: int = 1) -> World:
        fleet = await Fleet.start(
            tmp_path / "sim",
            count,
            lambda name: attach_controller(link, name),
            timing=TEST_TIMING,
        )
        fleets.append(fleet)
        server_key = SigningKey(os.urandom(32))
        server = DevAuthority(
            server_key,
            issue_operator_certificate(fleet.authority, server_key.public_key, "Test fitters AB"),
        )
        progress: list[str] = []
        ctx = OperationContext(
            radio=radio,
            factory_authority_public_key=fleet.authority_public_key,
            queue=queue,
            progress=progress.append,
            wake_timeout_s=TEST_WAKE_TIMEOUT_S,
            answer_timeout_s=TEST_ANSWER_TIMEOUT_S,
        )
        return World(fleet, ctx, server, SigningKey(os.urandom(32)), progress)

    yield make
    for fleet in fleets:
        await fleet.close()


@pytest.fixture
async def world(world_factory: WorldFactory) -> World:
    return await world_factory(1)
