"""The protocol's exceptions: one root of its own, `ProtocolError`.

Callers catch `ProtocolError` and nothing else; any other exception escaping this package is a
bug. The root derives from no other package's errors: the gateway, the simulator and the server
each catch it and turn it into their own. Rejections that the lock reports back over the air
carry a `StatusCode`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lock_protocol.codes import StatusCode


class ProtocolError(Exception):
    """Root of every error raised on purpose by `lock_protocol`; ``message`` says what failed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedError(ProtocolError):
    """Bytes that do not decode: wrong length, trailing data, bad field, bad framing."""


class UnknownCodeError(MalformedError):
    """A code byte (opcode, status, fault ...) with no member in its enum."""


class FrameTooLargeError(MalformedError):
    """A frame or a reassembly that would exceed the size bound."""


class CryptoError(ProtocolError):
    """A signature, MAC or AEAD tag did not verify, or a key is unusable."""


class SessionClosedError(ProtocolError):
    """The encrypted session failed once and refuses everything from then on."""


class RejectedError(ProtocolError):
    """A check failed; `status` says which, in the code the lock sends over the air."""

    def __init__(self, status: StatusCode, message: str) -> None:
        super().__init__(message)
        self.status = status


class CommandRejectedError(RejectedError):
    """The lock refused a command (nothing was authorised, nothing actuated)."""


class PairingRejectedError(RejectedError):
    """A pairing step was refused (by the lock, or by the client/server checking the lock)."""


class ReportRejectedError(RejectedError):
    """The server-side verifier refused a lock report or pairing receipt."""


class ReceiptRejectedError(RejectedError):
    """The client refused a lock receipt (signature, nonces or lock identity do not match)."""
