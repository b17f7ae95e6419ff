"""The server publishes the app's rules for its own settings, inside the precached shell.

The document itself is pinned in tests/unit/test_app_rules.py and the JavaScript that reads it
in tests/browser/test_pwa_mirrors.py; here: what a server with given settings serves.
"""

from __future__ import annotations

import json
import re

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.app_rules import app_rules, app_rules_around
from server.calendar.working_days import WorkingDayCalendar
from server.pwa_routes import create_pwa_router
from tests.conftest import api_client

HTML = {"Accept": "text/html"}


def _embedded(module_source: str) -> dict:
    found = re.search(r"deepFreeze\((\{.*\})\);", module_source)
    assert found, "app/rules.js must carry the document"
    return json.loads(found.group(1))


async def _served(client) -> tuple[dict, dict, str, list[str]]:
    index = (await client.get("/", headers=HTML)).text
    version = re.search(r"/v/([0-9a-f]{12})/app/main\.js", index).group(1)
    module = await client.get(f"/v/{version}/app/rules.js")
    assert module.status_code == 200
    assert module.headers["content-type"].startswith("text/javascript")
    assert "immutable" in module.headers["cache-control"]
    document = await client.get("/app-rules.json")
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/json")
    sw = (await client.get("/sw.js")).text
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", sw).group(1))
    return document.json(), _embedded(module.text), version, shell


async def test_the_served_rules_are_those_of_the_settings_and_precached() -> None:
    cal = WorkingDayCalendar("NO", frozenset({"new_years_eve"}))
    rules = app_rules(cal, 2025, 2030)
    app = Litestar(route_handlers=[create_pwa_router(rules=rules)])
    async with AsyncTestClient(app) as client:
        document, embedded, version, shell = await _served(client)
    assert document == embedded == rules
    assert f"/v/{version}/app/rules.js" in shell  # the service worker precaches the rules
    # The unversioned module (as the browser tests import it) carries the same document.
    async with AsyncTestClient(app) as client:
        assert _embedded((await client.get("/app/rules.js")).text) == rules


async def test_other_rules_give_another_asset_version() -> None:
    versions = set()
    for country, eves in [("SE", frozenset()), ("SE", frozenset({"christmas_eve"})), ("NO", ())]:
        rules = app_rules(WorkingDayCalendar(country, frozenset(eves)), 2025, 2030)
        app = Litestar(route_handlers=[create_pwa_router(rules=rules)])
        async with AsyncTestClient(app) as client:
            versions.add((await _served(client))[2])
    assert len(versions) == 3


async def test_the_app_publishes_the_calendar_of_its_country_and_eves(settings, clock) -> None:
    norway = msgspec.structs.replace(settings, country="NO", non_working_eves="christmas_eve")
    async with api_client(create_app(norway, clock=clock)) as client:
        document, embedded, _, _ = await _served(client)
    expected = app_rules_around(
        WorkingDayCalendar("NO", frozenset({"christmas_eve"})), clock.today()
    )
    assert document == embedded == expected
    assert document["country"] == "NO" and document["non_working_eves"] == ["christmas_eve"]
    assert "2027-05-17" in document["calendar"]["days_off"]  # Norway's constitution day
    assert "2026-12-31" not in document["calendar"]["days_off"]  # New Year's Eve: working
