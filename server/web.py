"""Request plumbing shared by every area: who is calling, paging, and the app's services."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.params import Parameter

from server.accounts.permissions import Principal
from server.accounts.service import AccountService
from server.calendar.working_days import WorkingDayCalendar
from server.clock import Clock
from server.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from server.secrets_box import SecretBox
from server.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix pins the cookie to this exact host over HTTPS, path /, no Domain.
    return "__Host-lockwork_session" if settings.secure_cookies else "lockwork_session"


@dataclass
class Services:
    settings: Settings
    clock: Clock
    box: SecretBox
    calendar: WorkingDayCalendar
    accounts: AccountService
    engine: Any
    # The server's VAPID key pair (server.notify.keys.VapidKeys), loaded at start-up.
    vapid: Any = None
    # The lock authority (server.locks.authority.LockAuthority): signing key, trusted factories.
    lock_authority: Any = None


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


def found(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """The row, or NotFound naming what was looked for."""
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


async def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """PostgreSQL text cannot hold NUL; refuse it up front on every route, on both engines.

    Checked on the raw request so that no field, present or future, can let one through to a
    500 from the driver.
    """
    query = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        raise ValidationFailed("The address contains a NUL character (%00). Remove it and retry.")
    if request.method in SAFE_METHODS:
        return
    body = await request.body()
    if b"\x00" in body or b"\\u0000" in body:
        raise ValidationFailed(
            "The request contains a NUL character (\\u0000), which no text field may hold. "
            "Remove it and send the request again."
        )
