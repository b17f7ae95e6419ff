"""The gateway's exception root. Every error the gateway raises on purpose derives from it."""

from __future__ import annotations


class GatewayError(Exception):
    """Root of the gateway's errors; ``message`` is written for the fitter."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(GatewayError):
    """Something the person gave the gateway (an argument, a file) is not usable as given.

    The message says what is wrong and what to give instead.
    """


class LockError(GatewayError):
    """Root of what can go wrong in a session with a lock; ``lock`` names it for the fitter."""

    def __init__(self, message: str, *, lock: str) -> None:
        super().__init__(message)
        self.lock = lock


class CodedError(GatewayError):
    """An error that names its own stable ``code`` and Swedish text (for the local API)."""

    def __init__(self, message: str, *, code: str, message_sv: str) -> None:
        super().__init__(message)
        self.code = code
        self.message_sv = message_sv
