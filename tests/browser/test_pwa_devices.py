"""Issue 17, point 5: a person sees their devices on "Mer" and revokes one there.

A real ``lockwork-server`` process (demo data; SQLite and PostgreSQL) and Debian's headless
Chromium. The device is a token made with the fitter's own session (as a gateway is paired);
after the revocation in the app, the server refuses the token.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import LiveServer
from tests.browser.harness import FITTER, ServerApi, check_screen, login, new_phone

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_a_fitter_revokes_a_device_on_the_more_page(live_server: LiveServer, browser: Any) -> None:
    server = live_server.url
    fitter = ServerApi(server, FITTER)
    made = fitter.post("/api/devices", {"name": "Gateway i bilen"})
    kept = fitter.post("/api/devices", {"name": "Gateway på kontoret"})
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert httpx.get(server + "/api/orders", headers=bearer).status_code == 200

    phone = new_phone(browser)
    page = phone.page
    login(phone, server, FITTER)
    page.get_by_test_id("nav-more").click()
    devices = page.get_by_test_id("device")
    expect(devices.filter(has_text="Gateway i bilen")).to_have_count(1)
    expect(devices.filter(has_text="Gateway på kontoret")).to_have_count(1)
    check_screen(page, "more-devices")

    row = devices.filter(has_text="Gateway i bilen")
    row.get_by_role("button", name="Återkalla Gateway i bilen").click()
    expect(row).to_contain_text("måste paras igen")
    check_screen(page, "more-devices-confirm", full_page=False)
    page.get_by_test_id("device-revoke-confirm").click()
    expect(devices.filter(has_text="Gateway i bilen")).to_have_count(0)
    expect(devices.filter(has_text="Gateway på kontoret")).to_have_count(1)

    assert httpx.get(server + "/api/orders", headers=bearer).status_code == 401
    still = {"Authorization": f"Bearer {kept['token']}"}
    assert httpx.get(server + "/api/orders", headers=still).status_code == 200
    listed = {d["name"]: d["revoked"] for d in fitter.get("/api/devices")}
    assert listed["Gateway i bilen"] is True and listed["Gateway på kontoret"] is False

    # Offline the part says why it shows nothing instead of an empty list.
    phone.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("devices-error")).to_contain_text("offline")
    assert phone.errors == []
    phone.close()
