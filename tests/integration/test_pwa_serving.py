"""The server serves the PWA: shell, SPA fallback, versioned assets, service worker, CSP."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.pwa_routes import PWA_DIR, PwaFiles, create_pwa_router

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
async def app_copy(tmp_path: Path):
    """The app served from a copy of pwa/, so a test may edit files."""
    directory = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, directory)
    app = Litestar(route_handlers=[create_pwa_router(PwaFiles(directory))])
    async with AsyncTestClient(app) as client:
        yield client, directory


def _version(index_html: str) -> str:
    found = re.search(r"/v/([0-9a-f]{12})/app/main\.js", index_html)
    assert found, "index.html must load the versioned main.js"
    return found.group(1)


def _shell(sw_source: str) -> list[str]:
    found = re.search(r"const SHELL = (\[.*?\]);", sw_source)
    assert found, "sw.js must carry the shell list"
    return list(json.loads(found.group(1)))


async def test_index_for_app_paths_with_csp(app_copy) -> None:
    client, _ = app_copy
    for path in (
        "/",
        "/orders/8b0a7f5e-7d1c-4a8e-9a53-1f7b4f0d2c11",
        "/login",
        "/settings",
        "/gateway?url=http%3A%2F%2F127.0.0.1%3A8765",  # the gateway's QR code opens the app
    ):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert '<main id="main"' in response.text
        assert "__LOCKWORK_VERSION__" not in response.text
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["cache-control"] == "no-cache"
    # No inline script in the shell (the CSP would block it anyway).
    assert not re.search(r"<script(?![^>]*\bsrc=)", (await client.get("/", headers=HTML)).text)


async def test_service_worker_headers_and_shell(app_copy) -> None:
    client, directory = app_copy
    sw = await client.get("/sw.js")
    assert sw.status_code == 200
    assert sw.headers["service-worker-allowed"] == "/"
    assert sw.headers["cache-control"] == "no-cache"
    assert sw.headers["content-type"].startswith("text/javascript")
    version = _version((await client.get("/", headers=HTML)).text)
    assert f"const VERSION = '{version}'" in sw.text
    shell = _shell(sw.text)
    modules = {p.relative_to(directory).as_posix() for p in (directory / "app").rglob("*.js")}
    # The vendored QR decoder too: the fitter scans the gateway's code offline.
    modules.add("vendor/jsqr.js")
    assert {f"/v/{version}/{m}" for m in modules} <= set(shell)
    for url in shell:
        answer = await client.get(url)
        assert answer.status_code == 200, url
        if url.startswith("/v/"):
            assert "immutable" in answer.headers["cache-control"], url


async def test_an_edit_makes_a_new_version(app_copy) -> None:
    client, directory = app_copy
    before = _version((await client.get("/", headers=HTML)).text)
    sw_before = (await client.get("/sw.js")).text
    styles = directory / "styles.css"
    styles.write_text(styles.read_text() + "\n/* edited */\n")
    after = _version((await client.get("/", headers=HTML)).text)
    assert after != before
    assert (await client.get("/sw.js")).text != sw_before
    # An old page asking for its old version's file gets today's, but not cached for a year.
    stale = await client.get(f"/v/{before}/styles.css")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/v/abc/../../pyproject.toml",
        "/tools/make_icons.py",
        "/README.md",
        "/v/abc/README.md",
        "/vendor/README.md",
        "/vendor/LICENSE-jsqr.txt",
    ],
)
async def test_only_app_files_are_served(app_copy, path: str) -> None:
    client, _ = app_copy
    assert (await client.get(path)).status_code == 404


async def test_unknown_non_html_path_is_404(app_copy) -> None:
    client, _ = app_copy
    assert (
        await client.get("/nothing-here", headers={"Accept": "application/json"})
    ).status_code == 404


async def test_api_paths_are_not_shadowed(client) -> None:
    """In the real app an unknown API path is a JSON 404, even for a browser asking for HTML."""
    response = await client.get("/api/no-such-route", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    health = await client.get("/api/health")
    assert health.status_code == 200
    page = await client.get("/orders", headers=HTML)
    assert page.status_code == 200 and "<main" in page.text
