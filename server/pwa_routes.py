"""Serving the PWA (``pwa/``) at ``/``: the app shell, versioned assets and the service worker.

No build step: the files are served as they are, except that ``index.html`` and ``sw.js`` get
the current asset version written in. The version is a digest of every file's name, size and
modification time, so any edit gives new asset URLs (``/v/<version>/...``, cacheable for a
year) and a new ``sw.js`` byte-for-byte, which is what makes the browser install the update.

Every non-API GET that asks for HTML gets ``index.html`` (the app's router reads the path),
so deep links such as ``/orders/<id>`` open the app.

The app's rules (``server/app_rules.py``) are written into ``app/rules.js`` when it is served,
the way the version is written into ``sw.js``, so the app has them offline with the rest of
the shell; ``/app-rules.json`` serves the same document on its own. Their digest is part of
the asset version, so a server with other rules (another country, other eves) gives phones a
new worker.

The app directory is the installed ``pwa`` package (the wheel carries it beside ``server``),
which in a source checkout is the ``pwa/`` folder itself.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException

from server.app_rules import app_rules_around
from server.calendar.working_days import WorkingDayCalendar
from server.clock import Clock
from server.settings import Settings


def _app_directory() -> Path:
    try:
        app = importlib.resources.files("pwa")
    except ModuleNotFoundError:  # an editable install made before the app was a package
        return Path(__file__).resolve().parent.parent / "pwa"
    if not isinstance(app, Path):
        raise RuntimeError(f"The app must be installed as files on disk, not in {app}.")
    return app


PWA_DIR = _app_directory()
RULES_DOCUMENT = "app-rules.json"
RULES_MODULE = "app/rules.js"
RULES_PLACEHOLDER = "/*__LOCKWORK_RULES__*/null"
VERSION_PLACEHOLDER = "__LOCKWORK_VERSION__"
SHELL_PLACEHOLDER = "/*__LOCKWORK_SHELL__*/[]"
# Versioned URLs never change content, so browsers may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# Unversioned files (index, sw.js, manifest) are revalidated on every use.
REVALIDATE = "no-cache"
REPLY_DIR = "reply"  # pwa/reply/: the public reply page (served at /s)
REPORT_DIR = "report"  # pwa/report/: the public fault-report page (served at /f)
# Public pages of their own, for people without an account: not part of the app the phones
# keep offline.
PUBLIC_PAGE_DIRS = (REPLY_DIR, REPORT_DIR)
# The gateway's local API (contract B) is the only other origin the app talks to. It listens
# on 8765 by default, but the fitter may give another port in the lock panel (two gateways on
# one machine, a test on a free port), so any loopback port is allowed.
GATEWAY_ORIGINS = "http://127.0.0.1:* http://localhost:*"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    f"connect-src 'self' {GATEWAY_ORIGINS}; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Files of the shell the service worker precaches (besides "/" itself).
SHELL_SUFFIXES = (".js", ".css", ".png", ".svg", ".webmanifest")
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}


@dataclass(frozen=True)
class Snapshot:
    version: str
    files: tuple[str, ...]  # paths relative to the app directory, with "/" separators


class PwaFiles:
    """The app directory: safe file lookup and the current asset version."""

    def __init__(self, directory: Path = PWA_DIR) -> None:
        self.directory = directory.resolve()

    def snapshot(self) -> Snapshot:
        # Re-read on each request of index/sw.js: a few dozen stat calls, and an edited file
        # is served at once in development without a restart.
        digest = hashlib.sha256()
        files = []
        for path in sorted(self.directory.rglob("*")):
            inside = path.relative_to(self.directory)
            # Byte code of pwa/__init__.py (the folder is a package) is no part of the app.
            if not path.is_file() or path.name.startswith(".") or "__pycache__" in inside.parts:
                continue
            rel = inside.as_posix()
            stat = path.stat()
            digest.update(f"{rel}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
            files.append(rel)
        return Snapshot(version=digest.hexdigest()[:12], files=tuple(files))

    def path(self, rel: str) -> Path:
        if "\x00" in rel:  # no file name holds NUL; resolve() would raise ValueError (a 500)
            raise NotFoundException(f"No app file {rel!r}.")
        candidate = (self.directory / rel.lstrip("/")).resolve()
        # Only the app's own kinds of file: tools and notes in the folder are not served.
        if (
            not candidate.is_relative_to(self.directory)
            or not candidate.is_file()
            or candidate.suffix not in MEDIA_TYPES
        ):
            raise NotFoundException(f"No app file {rel!r}.")
        return candidate


def _media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"


def _file(path: Path, cache: str, **extra: str) -> Response[bytes]:
    return Response(
        path.read_bytes(),
        media_type=_media_type(path),
        headers={"Cache-Control": cache, **SECURITY_HEADERS, **extra},
    )


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return "text/html" in request.headers.get("accept", "")


def rules_for(settings: Settings, clock: Clock) -> dict[str, Any]:
    """The app's rules for a server with these settings (country, eves), around today."""
    cal = WorkingDayCalendar(settings.country, settings.non_working_eve_names)
    return app_rules_around(cal, clock.today())


def _generated(body: bytes, media_type: str, cache: str) -> Response[bytes]:
    return Response(
        body, media_type=media_type, headers={"Cache-Control": cache, **SECURITY_HEADERS}
    )


def create_pwa_router(
    files: PwaFiles | None = None, rules: Mapping[str, Any] | None = None
) -> Router:
    """Routes for the app. Register after the API so that /api paths are never shadowed.

    ``rules``: the app's rules document (``server.app_rules``); by default the one of the
    default settings (Sweden, the default eves).
    """
    app_files = files or PwaFiles()
    if rules is None:
        rules = app_rules_around(WorkingDayCalendar(), Clock().today())
    rules_json = json.dumps(rules, ensure_ascii=False, separators=(",", ":"))

    def app_file(rel: str, cache: str) -> Response[bytes]:
        path = app_files.path(rel)
        if path != app_files.directory / RULES_MODULE:
            return _file(path, cache)
        module = path.read_text(encoding="utf-8").replace(RULES_PLACEHOLDER, rules_json)
        return _generated(module.encode(), MEDIA_TYPES[".js"], cache)

    def snapshot() -> Snapshot:
        files_now = app_files.snapshot()
        both = hashlib.sha256(f"{files_now.version}|{rules['version']}".encode())
        return Snapshot(version=both.hexdigest()[:12], files=files_now.files)

    def index() -> Response[bytes]:
        version = snapshot().version
        body = app_files.path("index.html").read_text(encoding="utf-8")
        return Response(
            body.replace(VERSION_PLACEHOLDER, version).encode(),
            media_type=MEDIA_TYPES[".html"],
            headers={"Cache-Control": REVALIDATE, **SECURITY_HEADERS},
        )

    @get("/", include_in_schema=False)
    async def app_root() -> Response[bytes]:
        return index()

    @get("/sw.js", include_in_schema=False)
    async def service_worker() -> Response[bytes]:
        snap = snapshot()
        prefix = f"/v/{snap.version}/"
        shell = ["/", "/manifest.webmanifest"] + [
            prefix + rel
            for rel in snap.files
            if rel.endswith(SHELL_SUFFIXES)
            and rel not in {"sw.js", "manifest.webmanifest"}
            # The reply and report pages are for residents, not part of the app the phones
            # keep offline.
            and not rel.startswith(tuple(f"{d}/" for d in PUBLIC_PAGE_DIRS))
        ]
        body = (
            app_files.path("sw.js")
            .read_text(encoding="utf-8")
            .replace(VERSION_PLACEHOLDER, snap.version)
            .replace(SHELL_PLACEHOLDER, json.dumps(shell))
        )
        return Response(
            body.encode(),
            media_type=MEDIA_TYPES[".js"],
            headers={
                "Cache-Control": REVALIDATE,
                "Service-Worker-Allowed": "/",
                **SECURITY_HEADERS,
            },
        )

    @get("/v/{version:str}/{rel:path}", include_in_schema=False)
    async def versioned(version: str, rel: str) -> Response[bytes]:
        # An old version's URL gets today's file, uncached: the old page is about to update.
        current = snapshot().version == version
        return app_file(rel, IMMUTABLE if current else REVALIDATE)

    # The public reply page of the booking letter (seed 002; server.booking): a page of its
    # own, not the app, because a resident opens it once on an old phone with no account. Its
    # QR link is /s#CODE: the code stays in the fragment, never sent to the server.
    @get(["/s", "/s/"], include_in_schema=False)
    async def reply_page() -> Response[bytes]:
        return _file(app_files.path(f"{REPLY_DIR}/index.html"), REVALIDATE)

    @get("/s/{name:str}", include_in_schema=False)
    async def reply_asset(name: str) -> Response[bytes]:
        if "/" in name or not name.endswith((".js", ".css")):
            raise NotFoundException(f"Nothing at /s/{name}.")
        return _file(app_files.path(f"{REPLY_DIR}/{name}"), REVALIDATE)

    # The public fault-report page (issue 13, seeds 003/004; server.intake): a page of its own
    # like the reply page. A QR label opens /f#t=<token>, a receipt's follow link
    # /f#follow=<secret>: both stay in the fragment, never sent in an address.
    @get(["/f", "/f/"], include_in_schema=False)
    async def report_page() -> Response[bytes]:
        return _file(app_files.path(f"{REPORT_DIR}/index.html"), REVALIDATE)

    @get("/f/{name:str}", include_in_schema=False)
    async def report_asset(name: str) -> Response[bytes]:
        if "/" in name or not name.endswith((".js", ".css")):
            raise NotFoundException(f"Nothing at /f/{name}.")
        return _file(app_files.path(f"{REPORT_DIR}/{name}"), REVALIDATE)

    @get("/{rel:path}", include_in_schema=False)
    async def fallback(request: Request[Any, Any, Any], rel: str) -> Response[bytes]:
        if rel.startswith("/api/") or rel == "/api":
            raise NotFoundException(f"No API route {rel}.")
        if rel.lstrip("/") == RULES_DOCUMENT:
            return _generated(rules_json.encode(), MEDIA_TYPES[".json"], REVALIDATE)
        candidate = app_files.directory / rel.lstrip("/")
        if candidate.suffix and not _wants_html(request):
            return app_file(rel, REVALIDATE)
        if _wants_html(request):
            return index()
        raise NotFoundException(f"Nothing at {rel}.")

    return Router(
        path="/",
        route_handlers=[
            app_root,
            service_worker,
            versioned,
            reply_page,
            reply_asset,
            report_page,
            report_asset,
            fallback,
        ],
    )
