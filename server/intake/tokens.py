"""The intake's tokens (pure: no I/O; the keys and the time come in).

**QR tokens** (seed 003: a QR code on site that carries the assignment's details). The label's
code carries no personal data and no lock serial: only a random token id and a signature,
``<token id>.<mac>``. The token's row says what it points at (a lock or a customer); the
signature is an HMAC over the token id *and* that target, with a key derived from the server's
secret, so an altered token id fails, and so does a row that was made to point elsewhere.
Revoking is a mark on the row (a label that was torn off, a lock that was replaced).

**Form tokens** (the anti-automation measure of the public form). The page fetches one when it
opens; a report must carry one that the server signed at least ``min_seconds`` and at most
``max_seconds`` earlier. Together with a honeypot field it stops the blind and the hasty
machines: scripts that post without loading the page, and form-fillers that submit within a
second. It costs a person nothing (writing a fault takes longer than a few seconds) and needs
no third party, no JavaScript computation on an old phone, and no storage on the server.

**Follow secrets**: the reporter's link to the case (``/f#follow=<secret>``), 256 random bits;
the server keeps only its SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final

from server.intake.errors import FormTokenRefused, QrTokenInvalid

# Purposes for SecretBox.derive: one key per use.
QR_KEY_PURPOSE: Final = b"lockwork/intake-qr-token/v1"
FORM_KEY_PURPOSE: Final = b"lockwork/intake-form-token/v1"
CLIENT_KEY_PURPOSE: Final = b"lockwork/intake-throttle/v1"

# 96 random bits name a token (no two labels collide, none is guessed); 128 bits of MAC. As
# base64url: 16 + 1 + 22 = 39 characters, a small QR code (version 4 with the address).
TOKEN_ID_BYTES: Final = 12
MAC_BYTES: Final = 16
FORM_NONCE_BYTES: Final = 9
FOLLOW_SECRET_BYTES: Final = 32

_B64URL: Final = "[A-Za-z0-9_-]"
_QR_TOKEN = re.compile(rf"({_B64URL}{{16}})\.({_B64URL}{{22}})")
_FORM_TOKEN = re.compile(rf"(\d{{1,12}})\.({_B64URL}{{12}})\.({_B64URL}{{22}})")
_FOLLOW_SECRET = re.compile(rf"{_B64URL}{{43}}")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _mac(key: bytes, *parts: str) -> str:
    message = "|".join(parts).encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES])


# -- QR tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrTarget:
    """What a token points at: ``kind`` is "lock" or "customer", ``target_id`` its id."""

    kind: str
    target_id: str


def new_token_id() -> str:
    return _b64(secrets.token_bytes(TOKEN_ID_BYTES))


def qr_token(key: bytes, token_id: str, target: QrTarget) -> str:
    """The text in the label's QR code (after ``/f#t=``)."""
    return f"{token_id}.{_mac(key, 'qr/v1', token_id, target.kind, target.target_id)}"


def qr_token_id(text: str) -> str:
    """The token id of a token as sent, checked for form only; :class:`QrTokenInvalid` else."""
    match = _QR_TOKEN.fullmatch(text.strip())
    if match is None:
        raise invalid_qr_token()
    return match.group(1)


def qr_token_valid(key: bytes, text: str, target: QrTarget) -> bool:
    """Whether ``text`` is the token the server made for this target (constant time)."""
    return hmac.compare_digest(text.strip(), qr_token(key, qr_token_id(text), target))


def invalid_qr_token() -> QrTokenInvalid:
    return QrTokenInvalid(
        "The code from the label is not valid (it may have been replaced). Send the report "
        "without it and say where the lock is, or call us.",
        field="qr_token",
        message_sv="Koden från etiketten gäller inte (den kan ha bytts ut). Skicka "
        "felanmälan utan den och skriv var låset sitter, eller ring oss.",
    )


# -- form tokens ----------------------------------------------------------------------------


def form_token(key: bytes, issued_at: int) -> str:
    """A form token signed now (``issued_at``: Unix seconds)."""
    nonce = _b64(secrets.token_bytes(FORM_NONCE_BYTES))
    return f"{issued_at}.{nonce}.{_mac(key, 'form/v1', str(issued_at), nonce)}"


def check_form_token(
    key: bytes, text: str, *, now: int, min_seconds: int, max_seconds: int
) -> None:
    """Accept a form token that the server signed between ``max_seconds`` and ``min_seconds``
    ago; :class:`FormTokenRefused` (with the code saying why) otherwise."""
    match = _FORM_TOKEN.fullmatch(text.strip())
    if match is None or not hmac.compare_digest(
        match.group(3), _mac(key, "form/v1", match.group(1), match.group(2))
    ):
        raise FormTokenRefused(
            "The form could not be checked. Reload the page and send the report again.",
            code="form_invalid",
            message_sv="Formuläret kunde inte kontrolleras. Ladda om sidan och skicka igen.",
        )
    age = now - int(match.group(1))
    if age < min_seconds:
        raise FormTokenRefused(
            "The report came too fast after the page was opened. Wait a moment and send it again.",
            code="form_too_fast",
            message_sv="Felanmälan skickades för snabbt efter att sidan öppnades. Vänta en "
            "stund och skicka igen.",
            retry_after=max(1, min_seconds - age),
        )
    if age > max_seconds:
        raise FormTokenRefused(
            "The page was open too long. Send the report again; what you wrote is kept.",
            code="form_expired",
            message_sv="Sidan har varit öppen för länge. Skicka felanmälan igen; det du skrev "
            "finns kvar.",
        )


# -- follow secrets -------------------------------------------------------------------------


def new_follow_secret() -> str:
    return _b64(secrets.token_bytes(FOLLOW_SECRET_BYTES))


def follow_hash(secret: str) -> str | None:
    """The stored form of a follow secret (SHA-256, hex); None for text that is no secret."""
    secret = secret.strip()
    if not _FOLLOW_SECRET.fullmatch(secret):
        return None
    return hashlib.sha256(secret.encode()).hexdigest()
