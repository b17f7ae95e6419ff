"""The one place that maps errors to HTTP responses.

Domain errors carry a message for a person; this module only chooses the status code and the
JSON shape ``{"code", "message", "field"}``. Unexpected errors are logged with their traceback
(never the request body: it may hold a personal identity number) and answered with a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException

from server.db import busy, lost_a_conflict
from server.errors import (
    Conflict,
    Forbidden,
    LockworkError,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[LockworkError], int], ...] = (
    (ValidationFailed, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (Unavailable, 503),
)


def _body(
    code: str, message: str, field: str | None = None, message_sv: str | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"code": code, "message": message, "field": field}
    if message_sv:
        body["message_sv"] = message_sv  # the Swedish text, where the domain has one
    return body


def lockwork_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, LockworkError)
    status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 500)
    headers = (
        {"Retry-After": str(exc.retry_after)}
        if isinstance(exc, RateLimited | Unavailable)
        else None
    )
    if status == 500:
        logger.error(
            "Unmapped domain error %s on %s %s",
            type(exc).__name__,
            request.method,
            request.url.path,
        )
    body = _body(exc.code, exc.message, exc.field, getattr(exc, "message_sv", None))
    missing = getattr(exc, "missing", None)
    if missing:
        body["missing"] = list(missing)  # what a booking lacks (server.booking.errors)
    return Response(
        body,
        status_code=status,
        headers=headers,
        media_type=MediaType.JSON,
    )


def validation_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)
    details = []
    field = None
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            details.append(str(item.get("message", "")))
            field = field or item.get("key")
    message = "; ".join(d for d in details if d) or str(exc.detail)
    return Response(
        _body(
            "invalid_request",
            f"The request is not valid: {message}. Correct it and send it again.",
            field,
        ),
        status_code=400,
        media_type=MediaType.JSON,
    )


def decode_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The body could not be decoded (not JSON, truncated, not UTF-8, nested too deeply):
    ``server.web.LockworkRequest`` turns each of the decoder's failures into one exception."""
    return Response(
        _body(
            "invalid_json",
            f"The request body is not valid JSON ({exc}). Send UTF-8 JSON of the shape the "
            "API schema (/schema) describes.",
        ),
        status_code=400,
        media_type=MediaType.JSON,
    )


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    if isinstance(exc.__cause__, SerializationException):  # Litestar wraps it in a 400
        return decode_error_handler(request, exc.__cause__)
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}.get(
        exc.status_code, "http_error"
    )
    message = str(exc.detail)
    if exc.status_code == 404:
        message = "Nothing is here. Check the address."
    if exc.status_code >= 500:
        logger.error(
            "HTTP %s on %s %s: %s", exc.status_code, request.method, request.url.path, exc.detail
        )
        message = (
            "Something went wrong on the server. Try again; if it persists, tell your "
            "administrator."
        )
    return Response(
        _body(code, message),
        status_code=exc.status_code,
        headers=exc.headers or None,
        media_type=MediaType.JSON,
    )


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if lost_a_conflict(exc):
        # PostgreSQL rolled the transaction back to settle a conflict (a deadlock): nothing was
        # saved, and the same request will most likely pass in a moment.
        return lockwork_error_handler(request, busy())
    logger.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return Response(
        _body(
            "internal_error",
            "Something went wrong on the server; nothing was saved. Try again; if it "
            "persists, tell your administrator.",
        ),
        status_code=500,
        media_type=MediaType.JSON,
    )


EXCEPTION_HANDLERS = {
    LockworkError: lockwork_error_handler,
    ValidationException: validation_error_handler,
    SerializationException: decode_error_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}
