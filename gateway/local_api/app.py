"""The gateway's local HTTP API (contract B) as a Litestar app.

Litestar, like the server: typed msgspec bodies, CORS, guards and exception handlers come with
it, and it runs under uvicorn inside the gateway's own event loop, next to the Bumble radio
(the stdlib's http.server is threaded and would have to hop between threads for every call).

Routes (all JSON):
    POST /api/pair             {"code", "label"?} -> {"token", "gateway_id", "token_id",
                               "expires_at"}; wrong codes throttled per source
    POST /api/pairing-code     the `pairing-code` command on the gateway's own computer only
                               (loopback, no browser): print a new code on its terminal
    GET  /api/status           -> {"gateway_id", "version", "radio", "server_reachable",
                                   "queued_reports"}
    POST /api/operations       {"kind", "serial", "order_id"} -> 202 {"id", "kind", "state"}
    POST /api/orders/{id}/prepare   (beyond contract B) fetch the visit's ticket and
                               credential now, so that the visit works offline
    GET  /api/operations/{id}  -> the operation with progress, result, error
    GET  /api/tokens           -> {"tokens": [{"id", "label", "created_at", "expires_at",
                                               "current"}]}: the apps paired now
    DELETE /api/tokens/{id}    revoke one app's token (204); its next request is refused
Every route but the first two needs ``Authorization: Bearer <token>``. Errors are
``{"code", "message_sv", "message_en"}``. Every request passes `gateway.local_api.guard` first
(Host, Origin, JSON only, bounded bodies).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Final
from uuid import UUID

import msgspec
from litestar import Litestar, Request, Response, delete, get, post
from litestar.config.cors import CORSConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from gateway.error_codes import ErrorBody, describe
from gateway.errors import GatewayError
from gateway.local_api.app_tokens import LABEL_MAX_CHARS, AppToken, AppTokens
from gateway.local_api.guard import MAX_BODY_BYTES, RequestGuard
from gateway.local_api.pairing import PairingCodeGate, PairingRefusal
from gateway.local_api.runner import OperationKind, OperationRecord, OperationRunner
from gateway.lock_access import LockAccess, Prepared
from gateway.operations import SERIAL_MAX_CHARS, SERIAL_PATTERN
from gateway.report_queue import ReportQueue
from gateway.server_client import ServerAccessError
from lock_protocol.errors import ProtocolError

BEARER: Final = "bearer "
# Where `require_token` leaves the caller's token id for the routes (``connection.state``).
TOKEN_ID_KEY: Final = "app_token_id"  # noqa: S105 (a key name)
# A pairing code as typed, spaces around it allowed (the gate strips them).
CODE_PATTERN: Final = r"^\s*[0-9]{6}\s*$"
TOKEN_ID_PATTERN: Final = r"^[0-9a-f]{12}$"  # noqa: S105 (an id's form)
# The server's refusals the app gets as they are (the order is unknown, or not this fitter's,
# or not in a state for this); any other failure of the server is the gateway's problem (502).
PASSED_THROUGH_STATUSES: Final = frozenset({403, 404, 409})
# Browsers cache a successful preflight this long; the API's shape does not change at runtime.
PREFLIGHT_MAX_AGE_S: Final = 600

_PAIRING_TEXT: Final[dict[str, tuple[int, str, str]]] = {
    "wrong_code": (
        401,
        "Fel kod. Skriv koden som visas i gatewayens terminal.",
        "Wrong code. Type the code shown in the gateway's terminal.",
    ),
    "too_many_attempts": (
        429,
        "För många felaktiga koder. Vänta en minut och försök igen.",
        "Too many wrong codes. Wait a minute and try again.",
    ),
    "pairing_code_withdrawn": (
        409,
        "Koden togs bort efter för många felaktiga försök. Kör lockwork-gateway pairing-code "
        "på gatewayen för att få en ny kod.",
        "The code was withdrawn after too many wrong guesses. Run lockwork-gateway "
        "pairing-code on the gateway for a new one.",
    ),
    "no_pairing_code": (
        409,
        "Gatewayen visar ingen giltig kod just nu. Starta om gatewayen, eller kör "
        "lockwork-gateway pairing-code på den, för att få en ny kod.",
        "The gateway shows no valid code right now. Restart the gateway, or run "
        "lockwork-gateway pairing-code on it, to get a new code.",
    ),
}

NOT_PAIRED: Final = ErrorBody(
    "not_paired",
    "Appen är inte parkopplad med gatewayen. Parkoppla med koden från gatewayens terminal.",
    "The app is not paired with this gateway. Pair it with the code from the gateway's terminal.",
)
NOT_FOUND: Final = ErrorBody(
    "operation_not_found",
    "Åtgärden finns inte (gatewayen kan ha startats om för länge sedan). Starta den igen.",
    "No such operation (the gateway may have restarted long ago). Start it again.",
)
LOOPBACK_ONLY: Final = ErrorBody(
    "loopback_only",
    "En ny kod kan bara begäras på gatewayens egen dator, med lockwork-gateway pairing-code.",
    "A new code can only be requested on the gateway's own computer, with lockwork-gateway "
    "pairing-code.",
)
TOKEN_NOT_FOUND: Final = ErrorBody(
    "token_not_found",
    "Appen är inte (längre) ihopkopplad med gatewayen. Uppdatera listan.",
    "No app is paired with that id (any more). Refresh the list.",
)


class ApiRefusal(Exception):
    """Ends a request with ``status`` and a typed error body."""

    def __init__(self, status: int, body: ErrorBody, headers: dict[str, str] | None = None):
        super().__init__(body.code)
        self.status = status
        self.body = body
        self.headers = headers or {}


class PairIn(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(pattern=CODE_PATTERN)]
    # How the app names itself in the list of paired apps (else its user agent).
    label: Annotated[str, msgspec.Meta(max_length=LABEL_MAX_CHARS)] = ""


class PairOut(msgspec.Struct):
    token: str
    gateway_id: str
    token_id: str
    expires_at: str


class PairedApp(msgspec.Struct):
    id: str
    label: str
    created_at: str
    expires_at: str
    current: bool


class PairedApps(msgspec.Struct):
    tokens: list[PairedApp]


class PairingCodeOut(msgspec.Struct):
    expires_in_s: int
    shown_on: str = "the gateway's terminal"


class StatusOut(msgspec.Struct):
    gateway_id: str
    version: str
    radio: str
    server_reachable: bool
    queued_reports: int
    access: str


Serial = Annotated[str, msgspec.Meta(max_length=SERIAL_MAX_CHARS, pattern=SERIAL_PATTERN)]


class OperationIn(msgspec.Struct):
    kind: OperationKind
    serial: Serial | None = None
    order_id: UUID | None = None


class OperationStarted(msgspec.Struct):
    id: str
    kind: OperationKind
    state: str


@dataclass
class LocalApiState:
    """Everything the routes use; built by `gateway.serve`."""

    gateway_id: str
    version: str
    radio: str
    access: LockAccess
    gate: PairingCodeGate
    tokens: AppTokens
    runner: OperationRunner
    queue: ReportQueue
    server_reachable: Callable[[], bool]
    announce_code: Callable[[str], None]
    echo: Callable[[str], None] = lambda _line: None


def _error_response(
    status: int, body: ErrorBody, headers: dict[str, str] | None = None
) -> Response[ErrorBody]:
    return Response(content=body, status_code=status, headers=headers)


def _refusal_handler(_request: Request[Any, Any, Any], exc: ApiRefusal) -> Response[ErrorBody]:
    return _error_response(exc.status, exc.body, exc.headers)


def _validation_handler(
    _request: Request[Any, Any, Any], exc: ValidationException
) -> Response[ErrorBody]:
    return _error_response(
        400,
        ErrorBody(
            "bad_request",
            "Begäran kunde inte läsas. Kontrollera fälten (kind, serial, order_id, code).",
            f"The request could not be read: {exc.detail}. Check the fields "
            "(kind, serial, order_id, code).",
        ),
    )


def _http_handler(_request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    return _error_response(
        exc.status_code,
        ErrorBody(
            "http_" + str(exc.status_code),
            "Begäran kunde inte utföras.",
            str(exc.detail),
        ),
    )


def _is_loopback(request: Request[Any, Any, Any]) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _from_browser(request: Request[Any, Any, Any]) -> bool:
    """Browsers name the page (Origin) or the fetch (Sec-Fetch-*); programs send neither."""
    return "origin" in request.headers or "sec-fetch-mode" in request.headers


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def _server_status(exc: ServerAccessError) -> int:
    """What the app is told when the server refused: its 403/404/409 as they are, else 502."""
    return exc.status if exc.status in PASSED_THROUGH_STATUSES else 502


def _paired_app(token: AppToken, current_id: str | None) -> PairedApp:
    created, expires = _iso(token.created_at), _iso(token.expires_at)
    return PairedApp(token.id, token.label, created, expires, token.id == current_id)


def create_local_api(
    state: LocalApiState, allow_origins: Sequence[str], allowed_hosts: Sequence[str] = ()
) -> ASGIApp:
    """The ASGI app: Litestar routes, behind the request guard, answering Chrome's
    private-network preflight."""

    def require_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        header = connection.headers.get("authorization", "")
        paired = (
            state.tokens.check(header[len(BEARER) :].strip())
            if header.lower().startswith(BEARER)
            else None
        )
        if paired is None:
            raise ApiRefusal(401, NOT_PAIRED, {"WWW-Authenticate": "Bearer"})
        connection.state[TOKEN_ID_KEY] = paired.id

    @post("/api/pair", status_code=200)
    async def pair(data: PairIn, request: Request[Any, Any, Any]) -> PairOut:
        source = (request.client.host if request.client else "", request.headers.get("origin", ""))
        was_withdrawn = state.gate.withdrawn
        try:
            state.gate.check(data.code, source)
        except PairingRefusal as refusal:
            if state.gate.withdrawn and not was_withdrawn:
                state.echo(
                    "pairing code withdrawn after too many wrong guesses; run "
                    "`lockwork-gateway pairing-code` for a new one"
                )
            status, swedish, english = _PAIRING_TEXT[refusal.code]
            headers = {}
            if refusal.retry_after_s:
                headers["Retry-After"] = str(int(refusal.retry_after_s) + 1)
            raise ApiRefusal(status, ErrorBody(refusal.code, swedish, english), headers) from None
        token, record = state.tokens.issue(data.label or request.headers.get("user-agent", ""))
        return PairOut(
            token=token,
            gateway_id=state.gateway_id,
            token_id=record.id,
            expires_at=_iso(record.expires_at),
        )

    @post("/api/pairing-code", status_code=202)
    async def pairing_code(request: Request[Any, Any, Any]) -> PairingCodeOut:
        # A web page open on the gateway's computer is on loopback too: only the command may
        # replace the code the fitter may be typing.
        if not _is_loopback(request) or _from_browser(request):
            raise ApiRefusal(403, LOOPBACK_ONLY)
        state.announce_code(state.gate.new_code())
        return PairingCodeOut(expires_in_s=int(state.gate.seconds_left()))

    @get("/api/tokens", guards=[require_token])
    async def list_tokens(request: Request[Any, Any, Any]) -> PairedApps:
        current = request.state.get(TOKEN_ID_KEY)
        return PairedApps([_paired_app(token, current) for token in state.tokens.paired()])

    @delete(
        "/api/tokens/{token_id:str}",
        status_code=204,
        guards=[require_token],
    )
    async def revoke_token(token_id: str) -> None:
        if not re.fullmatch(TOKEN_ID_PATTERN, token_id) or not state.tokens.revoke(token_id):
            raise ApiRefusal(404, TOKEN_NOT_FOUND)
        state.echo(f"app token {token_id} revoked")

    @get("/api/status", guards=[require_token])
    async def status() -> StatusOut:
        return StatusOut(
            gateway_id=state.gateway_id,
            version=state.version,
            radio=state.radio,
            server_reachable=state.server_reachable(),
            queued_reports=len(await state.queue.pending()),
            access=state.access.description,
        )

    @post("/api/operations", status_code=202, guards=[require_token])
    async def start_operation(data: OperationIn) -> OperationStarted:
        try:
            record = state.runner.start(
                data.kind, data.serial, str(data.order_id) if data.order_id else None
            )
        except (GatewayError, ProtocolError) as exc:
            raise ApiRefusal(400, describe(exc)) from exc
        return OperationStarted(id=record.id, kind=record.kind, state=record.state.value)

    @post("/api/orders/{order_id:uuid}/prepare", status_code=200, guards=[require_token])
    async def prepare(order_id: UUID) -> Prepared:
        """Beyond contract B: fetch now, while online, what the order's visit needs offline."""
        try:
            return await state.access.prepare(str(order_id))
        except ServerAccessError as exc:
            raise ApiRefusal(_server_status(exc), describe(exc)) from exc
        except (GatewayError, ProtocolError) as exc:
            raise ApiRefusal(400, describe(exc)) from exc

    @get("/api/operations/{operation_id:str}", guards=[require_token])
    async def get_operation(operation_id: str) -> OperationRecord:
        record = state.runner.get(operation_id)
        if record is None:
            raise ApiRefusal(404, NOT_FOUND)
        return record

    app = Litestar(
        route_handlers=[
            pair,
            pairing_code,
            status,
            start_operation,
            get_operation,
            prepare,
            list_tokens,
            revoke_token,
        ],
        cors_config=CORSConfig(
            allow_origins=list(allow_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["authorization", "content-type"],
            max_age=PREFLIGHT_MAX_AGE_S,
        )
        if allow_origins
        else None,
        exception_handlers={
            ApiRefusal: _refusal_handler,
            ValidationException: _validation_handler,
            HTTPException: _http_handler,
        },
        openapi_config=None,
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
    )
    return RequestGuard(private_network_preflight(app), allow_origins, allowed_hosts)


def private_network_preflight(app: ASGIApp) -> ASGIApp:
    """Answer Chrome's Private Network Access preflight for origins CORS already allowed.

    A page served from a public or LAN address that calls this API on 127.0.0.1 makes Chrome
    send ``Access-Control-Request-Private-Network: true``; the preflight must answer
    ``Access-Control-Allow-Private-Network: true``. Only a preflight that CORS accepted (it
    carries ``Access-Control-Allow-Origin``) gets it, so the origin list stays the one gate.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "OPTIONS":
            await app(scope, receive, send)
            return
        asked = any(
            name == b"access-control-request-private-network" and value.lower() == b"true"
            for name, value in scope["headers"]
        )

        async def send_with_pna(message: Message) -> None:
            if asked and message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if "access-control-allow-origin" in headers:
                    headers["Access-Control-Allow-Private-Network"] = "true"
            await send(message)

        await app(scope, receive, send_with_pna)

    return wrapped
