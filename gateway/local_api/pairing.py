"""Pairing an app with this gateway: a 6-digit code shown on the terminal, then a bearer token.

The code proves that whoever types it can read the gateway's terminal (is standing next to
it). Wrong codes are throttled: after `MAX_WRONG_CODES` within `WRONG_CODE_WINDOW_S` every
attempt is refused for `WRONG_CODE_PAUSE_S`, so guessing one code of a million within its
10-minute life succeeds with odds of about 1 in 20,000, while a fitter who mistypes twice is
not held up. The throttle is for the gateway as a whole, not per address: the local API is on
loopback or a LAN, where addresses say little, and a locked-out fitter can restart the gateway.

Tokens are stored only as SHA-256 hashes (random 256-bit tokens need no slow hash), in
``DATA_DIR/app_tokens.json``, so a paired app stays paired across restarts and a copy of the
file does not give anyone a token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import msgspec

CODE_DIGITS: Final = 6
# Contract B: a code is valid 10 minutes, long enough to walk to the phone and type it.
CODE_LIFETIME_S: Final = 600.0
MAX_WRONG_CODES: Final = 5
WRONG_CODE_WINDOW_S: Final = 60.0
WRONG_CODE_PAUSE_S: Final = 60.0
TOKEN_BYTES: Final = 32
TOKENS_FILE: Final = "app_tokens.json"


class PairingRefusal(Exception):
    """Why a code was not accepted; ``code`` is contract B's error code."""

    def __init__(self, code: str, retry_after_s: float = 0.0) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after_s = retry_after_s


@dataclass
class PairingCodeGate:
    """The current pairing code and the wrong-code throttle (pure: clock and rng injected)."""

    clock: Callable[[], float] = time.monotonic
    rng: Callable[[int], int] = secrets.randbelow
    code: str | None = None
    expires_at: float = 0.0
    _failures: list[float] = field(default_factory=list)
    _paused_until: float = 0.0

    def new_code(self) -> str:
        self.code = f"{self.rng(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self.expires_at = self.clock() + CODE_LIFETIME_S
        return self.code

    def seconds_left(self) -> float:
        return max(0.0, self.expires_at - self.clock()) if self.code else 0.0

    def check(self, offered: str) -> None:
        """Accept (and use up) the code, or raise `PairingRefusal`."""
        now = self.clock()
        if now < self._paused_until:
            raise PairingRefusal("too_many_attempts", self._paused_until - now)
        if self.code is None or now >= self.expires_at:
            raise PairingRefusal("no_pairing_code")
        if hmac.compare_digest(offered.strip().encode(), self.code.encode()):
            self.code = None  # one code pairs one app
            self._failures.clear()
            return
        self._failures = [t for t in self._failures if now - t < WRONG_CODE_WINDOW_S]
        self._failures.append(now)
        if len(self._failures) >= MAX_WRONG_CODES:
            self._paused_until = now + WRONG_CODE_PAUSE_S
            self._failures.clear()
        raise PairingRefusal("wrong_code")


class _StoredToken(msgspec.Struct):
    sha256: str
    created_at: float
    label: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AppTokens:
    """Tokens of the paired apps, stored hashed in the gateway's data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / TOKENS_FILE
        self._hashes = {stored.sha256 for stored in self._load()}

    def _load(self) -> list[_StoredToken]:
        try:
            return msgspec.json.decode(self.path.read_bytes(), type=list[_StoredToken])
        except FileNotFoundError:
            return []

    def issue(self, label: str = "") -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        stored = [*self._load(), _StoredToken(token_hash(token), time.time(), label)]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msgspec.json.encode(stored))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)
        self._hashes.add(token_hash(token))
        return token

    def valid(self, token: str) -> bool:
        return token_hash(token) in self._hashes
