"""The booking area's exception root.

Each error is a domain error of ``server.errors``, so ``server.http_errors`` maps it to HTTP
like any other; nothing here knows HTTP.
"""

from __future__ import annotations

from server.errors import ValidationFailed


class BookingError(ValidationFailed):
    """Root of the booking area's errors: a request the booking rules refuse (400)."""

    code = "booking_refused"


class LetterIncomplete(BookingError):
    """A letter cannot be made: the order lacks what the letter must say.

    ``missing`` holds stable field names (``server.booking.letters.MissingField``) for clients;
    the messages name them for a person.
    """

    code = "letter_incomplete"

    def __init__(self, missing: list[str], *, message: str, message_sv: str) -> None:
        self.missing = list(missing)
        super().__init__(message, message_sv=message_sv)
