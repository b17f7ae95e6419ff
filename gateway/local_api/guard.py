"""The local API's gate, in front of every route: who may talk to the gateway, and in what form.

The API listens on loopback (or a LAN), where every web page the fitter opens can send it
requests. Before any route runs, this ASGI wrapper refuses:

- a ``Host`` that is not the gateway's own (421): its loopback names (127.0.0.1, [::1],
  localhost) or the address the request came in on, with the port it listens on, or a name
  it was given (``--allowed-host``). A DNS-rebinding page (evil.example made to resolve to
  127.0.0.1) is same-origin with whatever it reaches, so only its ``Host: evil.example`` tells
  it apart;
- a state-changing request (anything but GET, HEAD and OPTIONS) whose ``Origin`` is not one
  of the app's (403). Programs (the ``pairing-code`` command, curl) send no Origin; browsers
  always send one with such requests;
- a body that is not ``application/json`` (415): a page may send text/plain or a form with
  no CORS preflight, JSON only after a preflight, which is answered for the app's origins
  alone;
- a body over `MAX_BODY_BYTES` (413), not UTF-8, nested deeper than `MAX_JSON_DEPTH` or not
  JSON at all (400): checked here once, so that no route meets bytes it cannot decode.

A refusal is the API's usual error object; for the app's own origin it carries the CORS
header, so that the app can show the reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Final

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from gateway.error_codes import ErrorBody
from gateway.errors import InputError

LOOPBACK_NAMES: Final = frozenset({"127.0.0.1", "[::1]", "localhost"})
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_MEDIA_TYPE: Final = "application/json"
# The largest body the API takes is a pairing (a code and a label): well under 1 KiB.
MAX_BODY_BYTES: Final = 4096
# Every body is one flat object; a little room for a future field, none for a decoder's stack.
MAX_JSON_DEPTH: Final = 8
HTTP_DEFAULT_PORT: Final = 80
# Attacker-chosen text (an Origin, a Host) is echoed in messages only this long.
ECHO_CHARS: Final = 80

_QUOTE, _BACKSLASH = 0x22, 0x5C
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")


def _refusal(status: int, code: str, message_sv: str, message_en: str) -> tuple[int, ErrorBody]:
    return status, ErrorBody(code, message_sv, message_en)


def host_not_allowed(host: str) -> tuple[int, ErrorBody]:
    return _refusal(
        421,
        "host_not_allowed",
        "Gatewayen svarar inte på den här adressen. Använd adressen den skriver ut när den "
        "startar (t.ex. http://127.0.0.1:8765), eller starta den med --allowed-host för "
        "namnet du vill använda.",
        f"The gateway does not answer to the address {host[:ECHO_CHARS]!r}. Use the address it "
        "prints when it starts (e.g. http://127.0.0.1:8765), or start it with --allowed-host "
        "for the name you want to use.",
    )


def origin_not_allowed(origin: str) -> tuple[int, ErrorBody]:
    return _refusal(
        403,
        "origin_not_allowed",
        "Den här webbsidan får inte styra gatewayen. Öppna Lockwork-appen på dess vanliga "
        "adress; används en annan adress startas gatewayen med --allow-origin för den.",
        f"This web page ({origin[:ECHO_CHARS]}) may not use the gateway. Open the Lockwork "
        "app at its usual address; for another address start the gateway with --allow-origin.",
    )


NOT_JSON: Final = _refusal(
    415,
    "json_only",
    "Gatewayen tar bara emot JSON (Content-Type: application/json).",
    "The gateway takes JSON only: send the body with Content-Type: application/json.",
)
TOO_LARGE: Final = _refusal(
    413,
    "body_too_large",
    f"Begäran är för stor (högst {MAX_BODY_BYTES} byte).",
    f"The request body is too large: the gateway takes at most {MAX_BODY_BYTES} bytes.",
)
NOT_UTF8: Final = _refusal(
    400,
    "bad_json",
    "Begäran kunde inte läsas: texten är inte UTF-8.",
    "The request body is not UTF-8 text. Send JSON encoded as UTF-8.",
)
TOO_DEEP: Final = _refusal(
    400,
    "bad_json",
    "Begäran kunde inte läsas: JSON är för djupt nästlad.",
    f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep; the API's bodies are "
    "flat objects.",
)
MALFORMED: Final = _refusal(
    400,
    "bad_json",
    "Begäran kunde inte läsas: det är inte giltig JSON.",
    "The request body is not valid JSON.",
)


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), without decoding."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSE:
            depth -= 1
    return deepest


def body_problem(body: bytes) -> tuple[int, ErrorBody] | None:
    """Why a JSON body cannot be handed to a route, or None (an empty body is no problem)."""
    if not body:
        return None
    if len(body) > MAX_BODY_BYTES:
        return TOO_LARGE
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8
    if json_depth(body) > MAX_JSON_DEPTH:
        return TOO_DEEP
    try:
        msgspec.json.decode(body)
    except msgspec.DecodeError:
        return MALFORMED
    return None


def _host_key(value: str) -> tuple[str, int] | None:
    """``name[:port]`` or ``[v6][:port]`` as (lower-case name, port); None if unreadable."""
    text = value.strip().lower()
    if not text:
        return None
    if text.startswith("["):
        name, _, rest = text.partition("]")
        name += "]"
        port_text = rest[1:] if rest.startswith(":") else rest
    else:
        name, _, port_text = text.partition(":")
    if not port_text:
        return name, HTTP_DEFAULT_PORT
    if not port_text.isdigit():
        return None
    return name, int(port_text)


def _address_name(address: str) -> str:
    """An address as it appears in a Host header (IPv6 in brackets)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address.lower()
    return f"[{parsed.compressed}]" if parsed.version == 6 else parsed.compressed


class RequestGuard:
    """The gate described in the module's text, around the Litestar app."""

    def __init__(
        self, app: ASGIApp, allowed_origins: Iterable[str], allowed_hosts: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.origins = frozenset(allowed_origins)
        # Configured names: "name" (on the port the gateway listens on) or "name:port".
        self.names: set[str] = set(LOOPBACK_NAMES)
        self.name_ports: set[tuple[str, int]] = set()
        for entry in allowed_hosts:
            text = entry.strip().lower()
            key = _host_key(text)
            if key is None:
                raise InputError(
                    f"--allowed-host {entry!r} is not a host name or name:port (an IPv6 "
                    "address in brackets: [fd00::1]:8765)."
                )
            if ":" in text.rpartition("]")[2]:
                self.name_ports.add(key)
            else:
                self.names.add(key[0])

    def host_allowed(self, host: str, scope: Scope) -> bool:
        key = _host_key(host)
        if key is None:
            return False
        if key in self.name_ports:
            return True
        server = scope.get("server")
        if not server or key[1] != server[1]:
            return False
        # The address this request came in on is the gateway's own (a phone on the LAN uses
        # it); a rebinding page's Host is its own domain name, never an address of ours.
        own_address = server[0] is not None and key[0] == _address_name(server[0])
        return key[0] in self.names or own_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"]
        origin = headers.get("origin")
        app_origin = origin if origin in self.origins else None
        preflight = method == "OPTIONS" and "access-control-request-method" in headers

        async def refuse(refusal: tuple[int, ErrorBody]) -> None:
            await _send_refusal(send, refusal, app_origin)

        # The app's own preflight passes whatever the Host, so that the refusal that follows
        # reaches the app with its reason (a preflight changes nothing).
        if not (preflight and app_origin) and not self.host_allowed(headers.get("host", ""), scope):
            await refuse(host_not_allowed(headers.get("host", "")))
            return
        if method in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if origin is not None and app_origin is None:
            await refuse(origin_not_allowed(origin))
            return
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        length = headers.get("content-length", "")
        declared = int(length) if length.isdigit() else None
        has_body = "transfer-encoding" in headers or bool(declared)
        if has_body and media_type != JSON_MEDIA_TYPE:
            await refuse(NOT_JSON)
            return
        if declared is not None and declared > MAX_BODY_BYTES:
            await refuse(TOO_LARGE)
            return
        body, complete = await _read_body(receive)
        if not complete:
            return  # the client went away
        problem = body_problem(body)
        if problem is not None:
            await refuse(problem)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, read until it ends or passes the limit; (body, client still there)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES or not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, once, then whatever the client sends next (its disconnect)."""
    sent = False

    async def replayed() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            event: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
            return event
        return await receive()

    return replayed


async def _send_refusal(send: Send, refusal: tuple[int, ErrorBody], origin: str | None) -> None:
    status, body = refusal
    content = msgspec.json.encode(body)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
    ]
    if origin is not None:
        headers += [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
        ]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": headers,
    }
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": content, "more_body": False}
    await send(start)
    await send(end)
