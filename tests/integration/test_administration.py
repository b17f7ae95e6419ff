"""Administration (issue 11): organisations, users and the outbox, changed by an administrator.

Who may call each route is held by tests/integration/test_access_matrix.py
(test_administration_routes); here: what each change does.
"""

from __future__ import annotations

import logging

import pytest

from tests.integration.notify_helpers import (
    smtp_server,
    smtp_settings,
    visit_and_complete,
    worker_for,
)
from tests.integration.world import PASSWORD, session_headers

pytestmark = pytest.mark.asyncio


async def test_admin_changes_the_copy_address_and_the_next_completion_mail_uses_it(
    client, world, settings, caplog
) -> None:
    provider = world.ids["provider_a"]
    admin = world["admin"].headers
    with caplog.at_level(logging.INFO, logger="server.accounts.service"):
        response = await client.patch(
            f"/api/organisations/{provider}",
            json={"completion_copy_email": "ny-kopia@seniorguide.example.se"},
            headers=admin,
        )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["completion_copy_email"] == "ny-kopia@seniorguide.example.se"
    assert changed["name"] == "Provider A"  # what the patch leaves out stays
    # The audit line names who, which organisation and which field, never the address.
    lines = [r.getMessage() for r in caplog.records if "changed organisation" in r.getMessage()]
    assert lines == [
        f"admin {world['admin'].user_id} changed organisation {provider}: completion_copy_email"
    ]
    assert "seniorguide" not in caplog.text

    await visit_and_complete(client, world["fitter_1"], world.ids["order_a"])
    with smtp_server() as sink:
        worker = worker_for(client, smtp_settings(settings, sink.port))
        assert await worker.drain() == 1
    assert len(sink.messages) == 1
    received = sink.messages[0]
    assert sorted(received.rcpt_tos) == [
        "ny-kopia@seniorguide.example.se",
        "orderer_a@example.org",
    ]
    assert received.message["Cc"] == "ny-kopia@seniorguide.example.se"


async def test_organisation_changes_are_checked(client, world) -> None:
    admin = world["admin"].headers
    provider = world.ids["provider_a"]
    taken = await client.patch(
        f"/api/organisations/{provider}", json={"name": "Provider B"}, headers=admin
    )
    assert taken.status_code == 409 and taken.json()["field"] == "name"
    bad = await client.patch(
        f"/api/organisations/{provider}", json={"completion_copy_email": "nope"}, headers=admin
    )
    assert bad.status_code == 400
    empty = await client.patch(f"/api/organisations/{provider}", json={}, headers=admin)
    assert empty.status_code == 400
    renamed = await client.patch(
        f"/api/organisations/{provider}",
        json={"name": "Hemtjänst Nord", "administration_email": "klk-it@kommun.example.se"},
        headers=admin,
    )
    assert renamed.status_code == 200
    seen = (await client.get(f"/api/organisations/{provider}", headers=admin)).json()
    assert seen["name"] == "Hemtjänst Nord"
    assert seen["administration_email"] == "klk-it@kommun.example.se"
    assert seen["completion_copy_email"] == "seniorguide@example.org"


async def test_roles_and_areas_change_within_the_organisations_kind(client, world) -> None:
    admin = world["admin"].headers
    fitter = world["fitter_1"].user_id
    wrong = await client.patch(f"/api/users/{fitter}", json={"roles": ["orderer"]}, headers=admin)
    assert wrong.status_code == 400 and wrong.json()["field"] == "roles"
    changed = await client.patch(
        f"/api/users/{fitter}",
        json={"roles": ["fitter", "planner"], "areas": ["Centrum", "Gottsunda"]},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["roles"] == ["fitter", "planner"]
    assert changed.json()["areas"] == ["Centrum", "Gottsunda"]
    # The new role counts on the next request: a planner of Fitters One sees their users.
    listed = await client.get(
        "/api/users", params={"role": "planner"}, headers=world["fitter_1"].headers
    )
    assert world["fitter_1"].user_id in {u["id"] for u in listed.json()["items"]}
    own = await client.patch(
        f"/api/users/{world['admin'].user_id}", json={"roles": ["planner"]}, headers=admin
    )
    assert own.status_code == 409
    itself = await client.patch(
        f"/api/users/{world['admin'].user_id}", json={"active": False}, headers=admin
    )
    assert itself.status_code == 409


async def test_a_disabled_users_sessions_and_device_tokens_stop_at_once(client, world) -> None:
    admin = world["admin"].headers
    fitter = world["fitter_1"]
    session = await session_headers(client, fitter)
    assert (await client.get("/api/auth/me", headers=session)).status_code == 200
    assert (await client.get("/api/orders", headers=fitter.headers)).status_code == 200

    disabled = await client.patch(
        f"/api/users/{fitter.user_id}", json={"active": False}, headers=admin
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await client.get("/api/auth/me", headers=session)).status_code == 401
    assert (await client.get("/api/orders", headers=fitter.headers)).status_code == 401
    login = await client.post(
        "/api/auth/login", json={"username": fitter.name, "password": PASSWORD}
    )
    assert login.status_code == 401

    enabled = await client.patch(
        f"/api/users/{fitter.user_id}", json={"active": True}, headers=admin
    )
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    # The device token works again; the session ended for good (log in again).
    assert (await client.get("/api/orders", headers=fitter.headers)).status_code == 200
    assert (await client.get("/api/auth/me", headers=session)).status_code == 401
    assert (
        await client.get("/api/auth/me", headers=await session_headers(client, fitter))
    ).status_code == 200


async def test_admin_sets_a_new_password(client, world, caplog) -> None:
    admin = world["admin"].headers
    orderer = world["orderer_a"]
    session = await session_headers(client, orderer)
    short = await client.post(
        f"/api/users/{orderer.user_id}/password", json={"password": "kort"}, headers=admin
    )
    assert short.status_code == 400
    new_password = "ett nytt långt lösenord"
    with caplog.at_level(logging.INFO, logger="server.accounts.service"):
        reset = await client.post(
            f"/api/users/{orderer.user_id}/password",
            json={"password": new_password},
            headers=admin,
        )
    assert reset.status_code == 200, reset.text
    assert "password_hash" not in reset.json()
    assert new_password not in caplog.text and "reset the password" in caplog.text
    # The old session ended; the old password no longer logs in; the new one does.
    assert (await client.get("/api/auth/me", headers=session)).status_code == 401
    old = await client.post(
        "/api/auth/login", json={"username": orderer.name, "password": PASSWORD}
    )
    assert old.status_code == 401
    new = await client.post(
        "/api/auth/login", json={"username": orderer.name, "password": new_password}
    )
    assert new.status_code == 200


async def test_admin_resends_a_held_mail_and_it_goes_out(client, world, settings) -> None:
    from server.notify.tables import OutboxMessage

    admin = world["admin"].headers
    order_id = world.ids["order_a"]
    await visit_and_complete(client, world["fitter_1"], order_id)
    assert await worker_for(client).drain() == 1  # no SMTP host: held
    held = (await client.get("/api/admin/outbox", params={"state": "held"}, headers=admin)).json()[
        "items"
    ]
    assert len(held) == 1
    message_id = held[0]["id"]
    refused = await client.post(
        f"/api/admin/outbox/{message_id}/resend", headers=world["orderer_a"].headers
    )
    assert refused.status_code == 403
    await OutboxMessage.update({OutboxMessage.attempts: 7}).where(OutboxMessage.id == message_id)
    resent = await client.post(f"/api/admin/outbox/{message_id}/resend", headers=admin)
    assert resent.status_code == 200, resent.text
    body = resent.json()
    assert body["state"] == "pending" and body["attempts"] == 0 and body["last_error"] == ""
    again = await client.post(f"/api/admin/outbox/{message_id}/resend", headers=admin)
    assert again.status_code == 409  # pending already
    with smtp_server() as sink:
        assert await worker_for(client, smtp_settings(settings, sink.port)).drain() == 1
    assert len(sink.messages) == 1
    sent = await client.post(f"/api/admin/outbox/{message_id}/resend", headers=admin)
    assert sent.status_code == 409 and sent.json()["code"] == "not_resendable"


async def test_admin_resends_a_failed_message(client, world) -> None:
    from server.notify.tables import OutboxMessage

    order_id = world.ids["order_a"]
    await visit_and_complete(client, world["fitter_1"], order_id)
    await OutboxMessage.update({OutboxMessage.state: "failed", OutboxMessage.attempts: 15}).where(
        OutboxMessage.order_id == order_id
    )
    row = (
        await OutboxMessage.select(OutboxMessage.id)
        .where(OutboxMessage.order_id == order_id)
        .first()
    )
    resent = await client.post(
        f"/api/admin/outbox/{row['id']}/resend", headers=world["admin"].headers
    )
    assert resent.status_code == 200
    assert (resent.json()["state"], resent.json()["attempts"]) == ("pending", 0)
