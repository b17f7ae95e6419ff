"""Serving the PWA (``pwa/``) at ``/``: the app shell, versioned assets and the service worker.

No build step: the files are served as they are, except that ``index.html`` and ``sw.js`` get
the current asset version written in. The version is a digest of every file's name, size and
modification time, so any edit gives new asset URLs (``/v/<version>/...``, cacheable for a
year) and a new ``sw.js`` byte-for-byte, which is what makes the browser install the update.

Every non-API GET that asks for HTML gets ``index.html`` (the app's router reads the path),
so deep links such as ``/orders/<id>`` open the app.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"
VERSION_PLACEHOLDER = "__LOCKWORK_VERSION__"
SHELL_PLACEHOLDER = "/*__LOCKWORK_SHELL__*/[]"
# Versioned URLs never change content, so browsers may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# Unversioned files (index, sw.js, manifest) are revalidated on every use.
REVALIDATE = "no-cache"
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
            if not path.is_file() or path.name.startswith("."):
                continue
            rel = path.relative_to(self.directory).as_posix()
            stat = path.stat()
            digest.update(f"{rel}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
            files.append(rel)
        return Snapshot(version=digest.hexdigest()[:12], files=tuple(files))

    def path(self, rel: str) -> Path:
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


def create_pwa_router(files: PwaFiles | None = None) -> Router:
    """Routes for the app. Register after the API so that /api paths are never shadowed."""
    app_files = files or PwaFiles()

    def index() -> Response[bytes]:
        version = app_files.snapshot().version
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
        snap = app_files.snapshot()
        prefix = f"/v/{snap.version}/"
        shell = ["/", "/manifest.webmanifest"] + [
            prefix + rel
            for rel in snap.files
            if rel.endswith(SHELL_SUFFIXES) and rel not in {"sw.js", "manifest.webmanifest"}
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
        current = app_files.snapshot().version == version
        return _file(app_files.path(rel), IMMUTABLE if current else REVALIDATE)

    @get("/{rel:path}", include_in_schema=False)
    async def fallback(request: Request[Any, Any, Any], rel: str) -> Response[bytes]:
        if rel.startswith("/api/") or rel == "/api":
            raise NotFoundException(f"No API route {rel}.")
        candidate = app_files.directory / rel.lstrip("/")
        if candidate.suffix and not _wants_html(request):
            return _file(app_files.path(rel), REVALIDATE)
        if _wants_html(request):
            return index()
        raise NotFoundException(f"Nothing at {rel}.")

    return Router(path="/", route_handlers=[app_root, service_worker, versioned, fallback])
