"""Home-care staff cancel their own order while no visit is booked (issue 16); afterwards the
fitters' planner does, and staff are told so. The fitter's name reaches staff with the order.
"""

from __future__ import annotations

import pytest

from tests.integration.world import place_order

pytestmark = pytest.mark.asyncio


async def transition(client, actor, order_id: str, **body):
    return await client.post(
        f"/api/orders/{order_id}/transitions", json=body, headers=actor.headers
    )


async def order_as(client, actor, order_id: str) -> dict:
    response = await client.get(f"/api/orders/{order_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_staff_cancel_before_the_booking_and_not_after(client, world) -> None:
    orderer = world["orderer_a"]
    booked_id = world.ids["order_a"]  # assigned to fitter 1 by the world
    seen = await order_as(client, orderer, booked_id)
    assert "cancel" in seen["allowed_actions"]
    assert seen["assigned_fitter_name"]  # who is coming

    # Booked by the fitter: no longer staff's to cancel; the answer says whom to ask.
    booked = await transition(
        client,
        world["fitter_1"],
        booked_id,
        action="schedule",
        planned_start="2026-03-12T09:00:00+01:00",
    )
    assert booked.status_code == 201, booked.text
    assert "cancel" not in (await order_as(client, orderer, booked_id))["allowed_actions"]
    refused = await transition(client, orderer, booked_id, action="cancel", reason="Flyttat")
    assert refused.status_code == 403, refused.text
    assert "planner" in refused.json()["message"]
    assert "planerare" in refused.json()["message_sv"]
    assert (await order_as(client, orderer, booked_id))["status"] == "scheduled"
    # The planner still can.
    by_planner = await transition(
        client, world["planner_1"], booked_id, action="cancel", reason="Kunden har flyttat"
    )
    assert by_planner.status_code == 201, by_planner.text

    # A new order, not booked yet: staff cancel it with a reason.
    fresh = await place_order(client, orderer, world.ids["customer_a"], kind="inspection")
    assert fresh["assigned_fitter_name"] is None
    cancelled = await transition(client, orderer, fresh["id"], action="cancel", reason="Fel kund")
    assert cancelled.status_code == 201, cancelled.text
    assert (await order_as(client, orderer, fresh["id"]))["cancel_reason"] == "Fel kund"


async def test_another_providers_staff_never_cancel(client, world) -> None:
    response = await transition(
        client, world["orderer_b"], world.ids["order_a"], action="cancel", reason="x"
    )
    assert response.status_code == 404, response.text
