"""Request plumbing shared by every area: who is calling, paging, and providing the app's
services (``server.context``) to the routes."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import SerializationException
from litestar.params import Parameter

from server.accounts.permissions import Principal
from server.client_address import client_address
from server.context import Services
from server.errors import Forbidden, Unauthenticated, ValidationFailed
from server.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix pins the cookie to this exact host over HTTPS, path /, no Domain.
    return "__Host-lockwork_session" if settings.secure_cookies else "lockwork_session"


def request_client_address(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The client's address, through the trusted proxies only (server.client_address)."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.getall("x-forwarded-for", []),
        settings.trusted_proxy_networks,
    )


def services_from(state: State) -> Services:
    return state["services"]  # type: ignore[no-any-return]


async def provide_services(state: State) -> Services:
    return services_from(state)


async def provide_principal(request: Request[Any, Any, Any], state: State) -> Principal:
    """Authenticate every protected route: a device's bearer token or a session cookie.

    Cookie-authenticated unsafe requests must echo the session's CSRF token in a header; a
    bearer token is not sent automatically by browsers, so it needs none.
    """
    services = services_from(state)
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return await services.accounts.principal_for_device_token(authorization[7:].strip())
    token = request.cookies.get(session_cookie_name(services.settings))
    if not token:
        raise Unauthenticated("You are not logged in. Log in and try again.")
    principal, csrf_token = await services.accounts.principal_for_session(token)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not secrets.compare_digest(sent, csrf_token):
            raise Forbidden(
                "The request was missing its security token. Reload the page and try again.",
                code="csrf_failed",
            )
    return principal


class Page(msgspec.Struct, kw_only=True):
    total: int
    limit: int
    offset: int
    items: list[Any]


Limit = Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
# Bounded so that a huge offset is a 400, not a database integer overflow.
MAX_OFFSET = 10_000_000
Offset = Annotated[int, Parameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]


class LockworkRequest(Request[Any, Any, Any]):
    """Every failure of the JSON decoder becomes Litestar's ``SerializationException``, which
    ``server.http_errors`` answers with 400. msgspec reports a malformed document that way
    itself, but a body nested too deeply as ``RecursionError`` and invalid UTF-8 in a string as
    ``UnicodeDecodeError``, which would otherwise be 500s."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError as exc:
            raise SerializationException("it is nested too deeply") from exc
        except UnicodeDecodeError as exc:
            raise SerializationException("it is not valid UTF-8") from exc


# A sync push refuses a NUL mutation by mutation (``server.sync.mutations.decode``), so that
# one mutation never blocks the rest of its batch; its other fields are ids and numbers.
NUL_REFUSED_PER_MUTATION = frozenset({"/api/sync/push"})


async def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """PostgreSQL text cannot hold NUL, nor can a file name; refuse it up front on every
    route, on both engines.

    Checked on the raw request so that no field, present or future, can let one through to a
    500 from the driver or the file system.
    """
    if "\x00" in request.scope.get("path", ""):
        raise ValidationFailed("The address contains a NUL character (%00). Remove it and retry.")
    query = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        raise ValidationFailed("The address contains a NUL character (%00). Remove it and retry.")
    if request.method in SAFE_METHODS or request.scope["path"] in NUL_REFUSED_PER_MUTATION:
        return
    body = await request.body()
    if b"\x00" in body or b"\\u0000" in body:
        raise ValidationFailed(
            "The request contains a NUL character (\\u0000), which no text field may hold. "
            "Remove it and send the request again."
        )
