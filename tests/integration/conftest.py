"""Fixtures for the API tests; the world itself is built in ``tests.integration.world``."""

from __future__ import annotations

import pytest

from tests.integration.world import World, assign, make_world, place_order


@pytest.fixture
async def world(client) -> World:
    world = await make_world()
    order_a = await place_order(client, world["orderer_a"], world.ids["customer_a"])
    await assign(client, world["planner_1"], order_a["id"], world["fitter_1"])
    order_b = await place_order(client, world["orderer_b"], world.ids["customer_b"])
    await assign(client, world["planner_2"], order_b["id"], world["fitter_2"])
    world.ids["order_a"] = order_a["id"]
    world.ids["order_b"] = order_b["id"]
    return world
