"""Fresh radios and lock peripherals, built inside each test (pitfall 5: Bumble objects bind
to the running loop, and pytest-asyncio gives each test its own loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ble_peripheral import TestLock
from bumble.link import LocalLink

from firmware_sim.radio_hub import new_link
from gateway.ble.connection import LockRegistry
from gateway.ble.radio import Radio, open_radio


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
    opened = await open_radio(link)
    yield opened
    await opened.close()


@pytest.fixture
def registry() -> LockRegistry:
    return LockRegistry()
