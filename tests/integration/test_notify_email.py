"""Completion and escalation e-mails through the outbox to a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.notify_helpers import (
    IDENTITY_DIGITS,
    give_customer_a_identity_number,
    services_of,
    smtp_server,
    smtp_settings,
    text_and_html,
    visit_and_complete,
    worker_for,
)

pytestmark = pytest.mark.asyncio


def assert_no_identity_number(*texts: str) -> None:
    for text in texts:
        for digits in IDENTITY_DIGITS:
            assert digits not in text


async def test_completion_mail_goes_to_the_orderer_with_a_copy(client, world, settings) -> None:
    from server.notify.tables import OutboxMessage

    await give_customer_a_identity_number(client, world)
    order_id = world.ids["order_a"]
    done = await visit_and_complete(client, world["fitter_1"], order_id)
    assert done["status"] == "done"
    # Written in the completion's transaction: there before any worker ran.
    queued = await OutboxMessage.select().where(OutboxMessage.order_id == order_id)
    assert [(m["channel"], m["state"]) for m in queued] == [("email", "pending")]

    with smtp_server() as sink:
        worker = worker_for(client, smtp_settings(settings, sink.port))
        assert await worker.drain() == 1
        assert await worker.drain() == 0  # sent once, not again
    assert len(sink.messages) == 1
    received = sink.messages[0]
    assert sorted(received.rcpt_tos) == ["orderer_a@example.org", "seniorguide@example.org"]
    message = received.message
    assert message["To"] == "orderer_a@example.org"
    assert message["Cc"] == "seniorguide@example.org"
    assert message["From"] == "Lockwork <lockwork@kommun.example.se>"
    reference = done["reference"]
    assert reference in message["Subject"] and "klar" in message["Subject"]
    text, html = text_and_html(message)
    for body in (text, html):
        assert reference in body
        assert "Customer A" in body
        assert "Bytt låsvred och batteri." in body
        assert f"http://127.0.0.1:8000/orders/{order_id}" in body
        assert "klarrapporterat" in body  # Swedish
    assert "Batteri CR123A (2 st)" in text
    assert "<table>" in html and "&lt;" not in reference
    assert_no_identity_number(text, html, str(message["Subject"]))
    row = await OutboxMessage.select().where(OutboxMessage.order_id == order_id).first()
    assert row["state"] == "sent" and row["sent_at"] is not None and row["send_attempts"] == 1


async def test_without_smtp_mails_are_held_for_an_admin_to_read(client, world) -> None:
    order_id = world.ids["order_a"]
    await visit_and_complete(client, world["fitter_1"], order_id)
    worker = worker_for(client)  # the test settings have no SMTP host
    assert await worker.drain() == 1
    response = await client.get(
        "/api/admin/outbox", params={"state": "held"}, headers=world["admin"].headers
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 1 and items[0]["order_id"] == order_id
    assert items[0]["recipients"] == {
        "to": ["orderer_a@example.org"],
        "cc": ["seniorguide@example.org"],
    }
    assert "Bytt låsvred" in items[0]["body_text"] and "no SMTP" in items[0]["last_error"]
    summary = await client.get("/api/admin/outbox/summary", headers=world["admin"].headers)
    assert summary.json() == {"by_state": {"held": 1}, "possible_duplicates": 0}
    forbidden = await client.get("/api/admin/outbox", headers=world["orderer_a"].headers)
    assert forbidden.status_code == 403


async def test_escalation_mails_reach_the_provider_then_the_system_administration(
    client, world, clock, settings
) -> None:
    from server.accounts.tables import Organisation
    from server.orders.escalation import run_escalations
    from server.orders.tables import OrderEvent

    await Organisation.update(
        {
            Organisation.email: "kontakt@provider-a.example.org",
            Organisation.administration_email: "klk-it@kommun.example.org",
        }
    ).where(Organisation.id == world.ids["provider_a"])
    await give_customer_a_identity_number(client, world)
    services = services_of(client)
    order_id = world.ids["order_a"]
    # Only order A in play: order B is cancelled by its orderer.
    cancelled = await client.post(
        f"/api/orders/{world.ids['order_b']}/transitions",
        json={"action": "cancel", "reason": "Flyttat"},
        headers=world["orderer_b"].headers,
    )
    assert cancelled.status_code == 201
    attempt = await client.post(
        f"/api/orders/{order_id}/contact-attempts",
        json={"to_whom": "customer", "outcome": "no_answer"},
        headers=world["fitter_1"].headers,
    )
    assert attempt.status_code == 201
    # Ordered Tuesday 10 March 2026: Wednesday, Thursday and Friday 13 March are the three
    # working days; not over on Friday (even in its evening), over on Saturday.
    for moment in (datetime(2026, 3, 13, 7, 0), datetime(2026, 3, 13, 22, 59)):
        clock.set(moment.replace(tzinfo=UTC))
        assert await run_escalations(services) == 0
    clock.set(datetime(2026, 3, 13, 23, 1, tzinfo=UTC))  # 00:01 on Saturday in Sweden
    # Two instances at once: the compare-and-set lets one of them escalate.
    results = await asyncio.gather(run_escalations(services), run_escalations(services))
    assert sorted(results) == [0, 1]
    order = (await client.get(f"/api/orders/{order_id}", headers=world["admin"].headers)).json()
    assert order["escalation_level"] == 1
    with smtp_server() as sink:
        worker = worker_for(client, smtp_settings(settings, sink.port))
        await worker.drain()
        assert len(sink.messages) == 1
        first = sink.messages[0]
        assert sorted(first.rcpt_tos) == ["kontakt@provider-a.example.org", "orderer_a@example.org"]
        assert "Eskalering" in first.message["Subject"]
        text, html = text_and_html(first.message)
        assert "tre arbetsdagar" in text and "inget svar" in text and "Customer A" in html
        assert_no_identity_number(text, html)
        # Long after (Wednesday 25 March), but the fitter never tried the provider: the
        # routine's condition for step 2 does not hold, so no level 2.
        clock.set(datetime(2026, 3, 25, 7, 0, tzinfo=UTC))
        assert await run_escalations(services) == 0
        # The fitter calls the provider on Monday 16 March; nobody answers. The provider has
        # that working day; on Tuesday 17 March the system administration is told.
        clock.set(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
        called = await client.post(
            f"/api/orders/{order_id}/contact-attempts",
            json={"to_whom": "provider", "outcome": "no_answer"},
            headers=world["fitter_1"].headers,
        )
        assert called.status_code == 201
        clock.set(datetime(2026, 3, 16, 22, 59, tzinfo=UTC))
        assert await run_escalations(services) == 0
        clock.set(datetime(2026, 3, 16, 23, 1, tzinfo=UTC))
        assert await run_escalations(services) == 1
        assert await run_escalations(services) == 0
        await worker.drain()
        assert len(sink.messages) == 2
        second = sink.messages[1]
        # The municipality's system administration: an organisation's address, not every
        # administrator user (admin@example.org).
        assert second.rcpt_tos == ["klk-it@kommun.example.org"]
        assert "systemförvaltare" in second.message["Subject"]
        text, html = text_and_html(second.message)
        assert "systemförvaltaren" in text and order["reference"] in html
        assert "utförare: inget svar" in text
        assert_no_identity_number(text, html)
    events = (
        await OrderEvent.select(OrderEvent.action, OrderEvent.changes)
        .where((OrderEvent.order == order_id) & (OrderEvent.action == "escalate"))
        .output(load_json=True)
    )
    assert [e["changes"]["level"] for e in events] == [1, 2]


async def test_level_2_without_a_named_address_goes_to_the_administration_organisation(
    client, world, clock, settings
) -> None:
    from server.accounts.tables import Organisation
    from server.orders.escalation import run_escalations

    await Organisation.update({Organisation.email: "systemforvaltning@kommun.example.org"}).where(
        Organisation.id == world.ids["admin_org"]
    )
    services = services_of(client)
    for order in ("order_a", "order_b"):
        called = await client.post(
            f"/api/orders/{world.ids[order]}/contact-attempts",
            json={"to_whom": "provider", "outcome": "busy"},
            headers=world["fitter_1" if order == "order_a" else "fitter_2"].headers,
        )
        assert called.status_code == 201
    clock.set(datetime(2026, 3, 14, 9, 0, tzinfo=UTC))  # Saturday: level 1 for both
    assert await run_escalations(services) == 2
    clock.set(datetime(2026, 3, 17, 9, 0, tzinfo=UTC))  # Tuesday: level 2 for both
    assert await run_escalations(services) == 2
    with smtp_server() as sink:
        await worker_for(client, smtp_settings(settings, sink.port)).drain()
    to_administration = [m for m in sink.messages if "systemförvaltare" in m.message["Subject"]]
    # Neither provider of the world names an address: the administration organisation's.
    assert [m.rcpt_tos for m in to_administration] == [["systemforvaltning@kommun.example.org"]] * 2


async def test_a_successful_contact_stops_escalation(client, world, clock) -> None:
    from server.orders.escalation import run_escalations

    order_id = world.ids["order_a"]
    response = await client.post(
        f"/api/orders/{order_id}/contact-attempts",
        json={"to_whom": "relative", "outcome": "reached"},
        headers=world["fitter_1"].headers,
    )
    assert response.status_code == 201
    clock.set(datetime(2026, 3, 20, 7, 0, tzinfo=UTC))
    assert await run_escalations(services_of(client)) == 1  # order B: nobody reached
    order = (await client.get(f"/api/orders/{order_id}", headers=world["admin"].headers)).json()
    assert order["escalation_level"] == 0


async def test_the_lifespan_worker_delivers_without_help(world, settings, clock) -> None:
    """The app's own background worker sends a completion mail after its commit."""
    import msgspec

    from server.app import create_app
    from tests.conftest import api_client

    with smtp_server() as sink:
        live = msgspec.structs.replace(smtp_settings(settings, sink.port), background_jobs=True)
        async with api_client(create_app(live, clock=clock)) as client:
            await visit_and_complete(client, world["fitter_1"], world.ids["order_a"])
            for _ in range(100):
                if sink.messages:
                    break
                await asyncio.sleep(0.05)
        assert len(sink.messages) == 1


async def test_an_unreachable_mail_server_is_retried_then_given_up(client, world, settings) -> None:
    from server.notify.outbox import MAX_ATTEMPTS, RETRY_BASE_SECONDS
    from server.notify.tables import OutboxMessage
    from tests.live_server import free_port

    order_id = world.ids["order_a"]
    await visit_and_complete(client, world["fitter_1"], order_id)
    worker = worker_for(client, smtp_settings(settings, free_port()))  # nobody listens there
    assert await worker.drain() == 1
    row = await OutboxMessage.select().where(OutboxMessage.order_id == order_id).first()
    assert row["state"] == "pending" and row["attempts"] == 1
    assert "unreachable" in row["last_error"]
    clock = services_of(client).clock
    assert row["next_attempt_at"] >= clock.now() + timedelta(seconds=RETRY_BASE_SECONDS)
    assert await worker.drain() == 0  # not due yet
    await OutboxMessage.update(
        {OutboxMessage.attempts: MAX_ATTEMPTS - 1, OutboxMessage.next_attempt_at: clock.now()}
    ).where(OutboxMessage.id == row["id"])
    assert await worker.drain() == 1
    row = await OutboxMessage.select().where(OutboxMessage.id == row["id"]).first()
    assert row["state"] == "failed" and "gave up" in row["last_error"]
    failed = await client.get(
        "/api/admin/outbox", params={"state": "failed"}, headers=world["admin"].headers
    )
    assert failed.json()["total"] == 1
