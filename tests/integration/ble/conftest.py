"""Fresh radios and lock peripherals, built inside each test (pitfall 5: Bumble objects bind
to the running loop, and pytest-asyncio gives each test its own loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

import pytest
from bumble.link import LocalLink

from firmware_sim.radio_hub import attach_controller, new_link
from gateway.ble.connection import LockRegistry
from gateway.ble.radio import InProcessRadio, Radio, open_radio
from tests.integration.ble.ble_peripheral import TestLock


@pytest.fixture
def link() -> LocalLink:
    return new_link()


@pytest.fixture
async def lock(link: LocalLink) -> AsyncIterator[TestLock]:
    test_lock = await TestLock.on_link(link)
    yield test_lock
    await test_lock.close()


@pytest.fixture
async def radio(link: LocalLink) -> AsyncIterator[Radio]:
    opened = await open_radio(InProcessRadio(partial(attach_controller, link)))
    yield opened
    await opened.close()


@pytest.fixture
def registry() -> LockRegistry:
    return LockRegistry()
