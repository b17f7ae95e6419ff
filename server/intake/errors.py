"""The intake area's errors.

Each is a domain error of ``server.errors``, so ``server.http_errors`` maps it to HTTP like
any other; nothing here knows HTTP. Pure.
"""

from __future__ import annotations

from server.errors import Conflict, ValidationFailed


class ReportRefused(ValidationFailed):
    """A public fault report the intake's defences refuse (400). The message says what to do
    instead (call), never anything about a customer or a lock."""

    code = "report_refused"


class FormTokenRefused(ReportRefused):
    """The report's form token is missing, forged, too fresh or too old (400).

    ``code`` says which: ``form_invalid``, ``form_too_fast`` (``retry_after`` seconds until it
    is old enough) or ``form_expired`` (fetch a new one).
    """

    code = "form_invalid"

    def __init__(
        self, message: str, *, code: str, message_sv: str, retry_after: int | None = None
    ) -> None:
        super().__init__(message, code=code, field="form_token", message_sv=message_sv)
        self.retry_after = retry_after


class QrTokenInvalid(ReportRefused):
    """The QR label's token is not one the server made, was altered, or was revoked (400).

    One answer for all three, so a label says nothing about other labels.
    """

    code = "qr_token_invalid"


class CaseRefused(Conflict):
    """The case's state does not allow the request (409), e.g. an order from a closed case."""

    code = "case_refused"
