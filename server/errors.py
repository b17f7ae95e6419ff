"""The server's exception root and the domain errors every area raises.

Pure: no HTTP here. ``server.http_errors`` is the one place that maps these to status codes,
so a service or a pure module never decides an HTTP status itself.
"""

from __future__ import annotations


class LockworkError(Exception):
    """Root of every error the server raises on purpose.

    ``message`` is written for a person: it says what went wrong and what to do next.
    ``code`` is a stable machine-readable identifier (snake_case) for clients.
    ``message_sv`` is the Swedish text, where the refusal reaches a person in the app.
    """

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        message_sv: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        if message_sv is not None:
            self.message_sv = message_sv


class ValidationFailed(LockworkError):
    """The request is well-formed but its content breaks a rule (400)."""

    code = "validation_failed"


class NotFound(LockworkError):
    """The object does not exist, or the caller may not know that it exists (404)."""

    code = "not_found"


class Unauthenticated(LockworkError):
    """No valid session or device token (401)."""

    code = "unauthenticated"


class Forbidden(LockworkError):
    """The caller can see the object but may not do this to it (403)."""

    code = "forbidden"


class Conflict(LockworkError):
    """The object's current state does not allow the request (409)."""

    code = "conflict"


class TransitionRefused(Conflict):
    """The order's state machine refuses the requested move, or one of its guards fails."""

    code = "transition_refused"


class ChecklistRefused(ValidationFailed):
    """The pre-order checklist of seed 000 is incomplete or points away from the lock unit."""

    code = "checklist_refused"


class RateLimited(LockworkError):
    """Too many attempts; ``retry_after`` seconds until the next one is allowed (429)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, message_sv: str | None = None) -> None:
        super().__init__(message, message_sv=message_sv)
        self.retry_after = retry_after


class Unavailable(LockworkError):
    """The server cannot do it now but may shortly; ``retry_after`` seconds until then (503)."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int, message_sv: str | None = None) -> None:
        super().__init__(message, message_sv=message_sv)
        self.retry_after = retry_after


class ConfigurationError(LockworkError):
    """A setting is missing or wrong; raised at start-up, before serving."""

    code = "configuration_error"


class DatabaseUnavailable(ConfigurationError):
    """The database cannot be reached at start-up."""

    code = "database_unavailable"
