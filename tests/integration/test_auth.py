"""Password login, session cookie, CSRF, device tokens, logout and login throttling."""

from __future__ import annotations

import pytest

from tests.integration.world import PASSWORD, make_world, session_headers

pytestmark = pytest.mark.asyncio


async def login(client, username: str, password: str = PASSWORD, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    return await client.post(
        "/api/auth/login", json={"username": username, "password": password}, headers=headers
    )


async def test_login_sets_an_httponly_session_cookie_and_returns_a_csrf_token(client) -> None:
    await make_world()
    response = await login(client, "orderer_a")
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert "lockwork_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    body = response.json()
    assert body["user"]["username"] == "orderer_a" and body["csrf_token"]
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["csrf_token"] == body["csrf_token"]


async def test_unsafe_requests_with_the_cookie_need_the_csrf_header(client) -> None:
    world = await make_world()
    csrf = (await login(client, "orderer_a")).json()["csrf_token"]
    body = {"name": "Ny Kund", "street_address": "Gatan 1"}
    refused = await client.post("/api/customers", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    wrong = await client.post("/api/customers", json=body, headers={"X-CSRF-Token": "x" + csrf})
    assert wrong.status_code == 403
    accepted = await client.post("/api/customers", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["provider_id"] == world.ids["provider_a"]


async def test_wrong_password_and_unknown_user_get_the_same_answer(client) -> None:
    await make_world()
    wrong_password = await login(client, "orderer_a", "not the password")
    unknown_user = await login(client, "nobody_here", "not the password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json()["message"] == unknown_user.json()["message"]


async def test_logout_ends_the_session(client) -> None:
    await make_world()
    csrf = (await login(client, "fitter_1")).json()["csrf_token"]
    assert (await client.get("/api/orders")).status_code == 200
    assert (
        await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    ).status_code == 204
    client.cookies.clear()
    assert (await client.get("/api/orders")).status_code == 401


async def test_a_revoked_device_token_is_refused(client) -> None:
    world = await make_world()
    fitter = await session_headers(client, world["fitter_1"])
    created = await client.post("/api/devices", json={"name": "Gateway 7"}, headers=fitter)
    assert created.status_code == 201
    token = created.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/orders", headers=bearer)).status_code == 200
    device_id = created.json()["device"]["id"]
    assert (await client.delete(f"/api/devices/{device_id}", headers=fitter)).status_code == 204
    refused = await client.get("/api/orders", headers=bearer)
    assert refused.status_code == 401 and "Pair the device again" in refused.json()["message"]


async def test_a_device_token_cannot_mint_list_or_revoke_device_tokens(client) -> None:
    """Issue 17, point 5: a device's bearer token made new tokens that outlived it."""
    from server.accounts.tables import DeviceToken

    world = await make_world()
    fitter = world["fitter_1"]  # the world's actors act through device tokens
    before = await DeviceToken.count()
    minted = await client.post("/api/devices", json={"name": "child"}, headers=fitter.headers)
    assert minted.status_code == 403, minted.text
    assert minted.json()["code"] == "device_cannot_manage_devices"
    assert "Log in" in minted.json()["message"] and minted.json()["message_sv"]
    assert await DeviceToken.count() == before
    assert (await client.get("/api/devices", headers=fitter.headers)).status_code == 403
    own = await DeviceToken.select(DeviceToken.id).where(DeviceToken.user == fitter.user_id)
    revoke = await client.delete(f"/api/devices/{own[0]['id']}", headers=fitter.headers)
    assert revoke.status_code == 403
    assert (await client.get("/api/orders", headers=fitter.headers)).status_code == 200


async def test_revoking_a_device_revokes_the_tokens_it_made(client) -> None:
    """Tokens a device made (before devices were refused that, or by any future path that lets
    a device act) fall with it: the lineage is recorded and revocation follows it."""
    services = client.app.state["services"]
    world = await make_world()
    fitter = await session_headers(client, world["fitter_1"])
    parent = await client.post("/api/devices", json={"name": "Gateway 7"}, headers=fitter)
    parent_token = parent.json()["token"]
    device = await services.accounts.principal_for_device_token(parent_token)
    child_token, child = await services.accounts.create_device_token(device, "made by a device")
    grandchild_principal = await services.accounts.principal_for_device_token(child_token)
    grandchild_token, _ = await services.accounts.create_device_token(grandchild_principal, "gc")
    listed = (await client.get("/api/devices", headers=fitter)).json()
    assert {d["name"]: d["parent_id"] for d in listed}["made by a device"] == str(
        parent.json()["device"]["id"]
    )
    for token in (parent_token, child_token, grandchild_token):
        bearer = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/orders", headers=bearer)).status_code == 200
    revoked = await client.delete(f"/api/devices/{parent.json()['device']['id']}", headers=fitter)
    assert revoked.status_code == 204
    for token in (parent_token, child_token, grandchild_token):
        bearer = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/orders", headers=bearer)).status_code == 401
    listed = (await client.get("/api/devices", headers=fitter)).json()
    assert all(d["revoked"] for d in listed if d["name"] != "fitter_1-device")
    assert str(child["id"]) in {d["id"] for d in listed}


async def test_throttling_cannot_lock_someone_else_out(client, settings) -> None:
    """Failures in a user's name from one address do not stop that user elsewhere."""
    await make_world()
    limit = settings.login_failures_per_account_and_address
    # The test client always connects from the same address; failures pile up on that pair.
    for _ in range(limit):
        assert (await login(client, "fitter_1", "wrong password")).status_code == 401
    blocked = await login(client, "fitter_1")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    # Another account from the same address is not blocked by these failures.
    assert (await login(client, "fitter_2")).status_code == 200


async def test_throttled_pair_is_per_address(client) -> None:
    """The account stays usable from another address (the stored failures name one address)."""
    from server.accounts.tables import LoginFailure

    await make_world()
    for _ in range(10):
        await login(client, "planner_1", "wrong password")
    assert (await login(client, "planner_1")).status_code == 429
    # Move the recorded failures to another address: the same login now goes through.
    await LoginFailure.update({LoginFailure.client_address: "203.0.113.9"}, force=True)
    assert (await login(client, "planner_1")).status_code == 200


async def test_secure_deployments_use_the_host_prefixed_cookie(settings, clock) -> None:
    import msgspec

    from server.app import create_app
    from tests.conftest import api_client

    secure = msgspec.structs.replace(settings, public_url="https://lockwork.example")
    async with api_client(create_app(secure, clock=clock), "https://testserver.local") as client:
        await make_world()
        response = await login(client, "admin")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-lockwork_session=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


async def test_device_last_used_is_kept_without_a_write_per_request(client, clock) -> None:
    from datetime import timedelta

    from server.accounts.tables import DeviceToken

    world = await make_world()
    fitter = world["fitter_1"]

    async def last_used():
        row = (
            await DeviceToken.select(DeviceToken.last_used_at)
            .where(DeviceToken.name == "fitter_1-device")
            .first()
        )
        return row["last_used_at"]

    assert (await client.get("/api/orders", headers=fitter.headers)).status_code == 200
    first = await last_used()
    assert first == clock.now()
    clock.set(clock.now() + timedelta(minutes=1))
    await client.get("/api/orders", headers=fitter.headers)
    assert await last_used() == first  # within the resolution: no write
    clock.set(clock.now() + timedelta(minutes=10))
    await client.get("/api/orders", headers=fitter.headers)
    assert await last_used() == clock.now()
