"""The fitter hears of a new job, and of a completion report that is due."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.orders.reminders import run_report_reminders
from tests.integration.notify_helpers import (
    services_of,
    smtp_server,
    smtp_settings,
    start_visit,
    worker_for,
)
from tests.integration.push_service import PushService
from tests.integration.test_notify_push import subscribe

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def push_service(client):
    service = PushService(expected_public_key=services_of(client).vapid.public_key_b64)
    await service.start()
    yield service
    await service.stop()


async def test_the_new_fitter_is_told_of_the_job(client, world, push_service) -> None:
    new_fitter = world["fitter_1b"]
    _, phone = await subscribe(client, new_fitter, push_service, "new-fitter")
    _, old_phone = await subscribe(client, world["fitter_1"], push_service, "old-fitter")
    order_id = world.ids["order_a"]
    response = await client.post(
        f"/api/orders/{order_id}/assignment",
        json={"fitter_id": new_fitter.user_id},
        headers=world["planner_1"].headers,
    )
    assert response.status_code == 201
    await worker_for(client).drain()
    assert [m["payload"]["type"] for m in phone.received] == ["order_assigned"]
    assert phone.received[0]["payload"]["title"] == "Nytt jobb"
    assert old_phone.received == []


async def test_a_due_completion_report_is_reminded_once_a_day(
    client, world, clock, settings
) -> None:
    fitter, order_id = world["fitter_1"], world.ids["order_a"]
    await start_visit(client, fitter, order_id)  # visit on Tuesday 10 March 2026
    services = services_of(client)
    assert await run_report_reminders(services) == 0  # due tomorrow, not yet
    clock.set(datetime(2026, 3, 11, 7, 0, tzinfo=UTC))  # the first working day after the visit
    with smtp_server() as sink:
        worker = worker_for(client, smtp_settings(settings, sink.port))
        assert await run_report_reminders(services) == 1
        assert await run_report_reminders(services) == 1  # runs again: still one reminder
        await worker.drain()
        assert len(sink.messages) == 1
        message = sink.messages[0].message
        assert message["To"] == fitter.name + "@example.org"
        assert "klarrapport" in message["Subject"].lower()
        clock.set(datetime(2026, 3, 12, 7, 0, tzinfo=UTC))  # late: reminded again, once
        await run_report_reminders(services)
        await worker.drain()
        assert len(sink.messages) == 2
