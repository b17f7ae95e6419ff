"""Keys derived from the server's secret, and the sealed storage of personal identity numbers.

A personal identity number (Swedish personnummer, Norwegian fødselsnummer) is stored only
encrypted (AES-256-GCM, the customer's id as associated data so a ciphertext cannot be moved
to another customer) and shown only masked. It never goes into logs, URLs, push payloads or
the BLE link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.errors import ValidationFailed

_NONCE_BYTES = 12


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        self._root = secret_key.encode()
        self._pin_key = AESGCM(self.derive(b"lockwork/identity-number/v1", 32))
        self._account_key = self.derive(b"lockwork/login-throttle/v1", 32)

    def derive(self, purpose: bytes, length: int) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(
            self._root
        )

    def seal_identity_number(self, number: str, customer_id: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._pin_key.encrypt(nonce, number.encode(), customer_id.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open_identity_number(self, ciphertext: str, customer_id: str) -> str:
        raw = base64.b64decode(ciphertext)
        return self._pin_key.decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], customer_id.encode()
        ).decode()

    def account_key(self, username: str) -> str:
        """A keyed hash of a user name for the login-failure table (not reversible offline)."""
        return hmac.new(
            self._account_key, username.strip().lower().encode(), hashlib.sha256
        ).hexdigest()


_SE_PATTERN = re.compile(r"^(\d{2})?(\d{6})[-+]?(\d{4})$")
_NO_PATTERN = re.compile(r"^\d{11}$")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _norwegian_ok(digits: str) -> bool:
    weights_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    weights_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k1 = 11 - sum(int(d) * w for d, w in zip(digits[:9], weights_1, strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    k2 = 11 - sum(int(d) * w for d, w in zip(digits[:10], weights_2, strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    return k1 < 10 and k2 < 10 and int(digits[9]) == k1 and int(digits[10]) == k2


def normalise_identity_number(raw: str, country: str) -> tuple[str, str]:
    """Return (normalised number, masked form) or raise ValidationFailed.

    The message never repeats the number back: error texts end up in logs and screenshots.
    """
    value = raw.strip().replace(" ", "")
    if country == "NO":
        if not _NO_PATTERN.match(value) or not _norwegian_ok(value):
            raise ValidationFailed(
                "The Norwegian identity number (fødselsnummer) must be 11 digits with valid "
                "control digits. Check it against the customer's papers.",
                field="identity_number",
            )
        return value, value[:6] + "*****"
    match = _SE_PATTERN.match(value)
    if not match or not _luhn_ok(match.group(2) + match.group(3)):
        raise ValidationFailed(
            "The Swedish personal identity number (personnummer) must be YYYYMMDD-XXXX or "
            "YYMMDD-XXXX with a valid check digit. Check it against the customer's papers.",
            field="identity_number",
        )
    century, birth, serial = match.groups()
    normalised = f"{century or ''}{birth}-{serial}"
    return normalised, f"{century or ''}{birth}-****"
