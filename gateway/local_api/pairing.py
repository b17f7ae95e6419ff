"""Pairing an app with this gateway: a 6-digit code shown on the terminal, then a bearer token.

The code proves that whoever types it can read the gateway's terminal (is standing next to
it). Wrong codes are throttled per source, a source being the connecting address and the
page's origin (`Source`): web pages on other origins never get this far (the request guard,
`gateway.local_api.guard`, refuses them), so a stranger's guesses pause only the stranger, never
the fitter's app on its own address and origin.

- One source: after `MAX_WRONG_CODES` wrong codes within `WRONG_CODE_WINDOW_S` its attempts are
  refused for `WRONG_CODE_PAUSE_S`, doubled for each further pause of the same source. A fitter
  who mistypes twice is not held up; one who mistypes five times waits a minute, as before.
- All sources together: a code takes at most `MAX_WRONG_CODES_PER_CODE` wrong guesses, then it
  is withdrawn and the fitter asks for a new one at the gateway (`lockwork-gateway
  pairing-code`). Per-source limits alone would let someone with many addresses guess without
  bound; with this bound the odds of guessing one code of a million stay about 1 in 20,000,
  however many addresses guess. One source cannot withdraw a code on its own (its doubling
  pauses allow it about 20 guesses in a code's 10 minutes); it takes several addresses, and
  then costs the fitter one command at the gateway, never the door.

App tokens are kept by `gateway.local_api.app_tokens`.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

CODE_DIGITS: Final = 6
# Contract B: a code is valid 10 minutes, long enough to walk to the phone and type it.
CODE_LIFETIME_S: Final = 600.0
MAX_WRONG_CODES: Final = 5
WRONG_CODE_WINDOW_S: Final = 60.0
WRONG_CODE_PAUSE_S: Final = 60.0
# 50 wrong guesses of 10^6 codes: the 1-in-20,000 odds above, for any number of sources.
MAX_WRONG_CODES_PER_CODE: Final = 50

# (connecting address, Origin header or "" for a program that sends none)
Source = tuple[str, str]


class PairingRefusal(Exception):
    """Why a code was not accepted; ``code`` is contract B's error code."""

    def __init__(self, code: str, retry_after_s: float = 0.0) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after_s = retry_after_s


@dataclass
class _SourceRecord:
    failures: list[float] = field(default_factory=list)
    pauses: int = 0
    paused_until: float = 0.0


@dataclass
class PairingCodeGate:
    """The current pairing code and the wrong-code throttle (pure: clock and rng injected)."""

    clock: Callable[[], float] = time.monotonic
    rng: Callable[[int], int] = secrets.randbelow
    code: str | None = None
    expires_at: float = 0.0
    withdrawn: bool = False
    _sources: dict[Source, _SourceRecord] = field(default_factory=dict)
    _wrong_for_code: int = 0

    def new_code(self) -> str:
        """A new code, with a clean slate: every source may try again (the per-code bound
        keeps the odds, and only someone at the gateway's terminal can ask for a code)."""
        self.code = f"{self.rng(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self.expires_at = self.clock() + CODE_LIFETIME_S
        self.withdrawn = False
        self._sources.clear()
        self._wrong_for_code = 0
        return self.code

    def seconds_left(self) -> float:
        return max(0.0, self.expires_at - self.clock()) if self.code else 0.0

    def check(self, offered: str, source: Source = ("", "")) -> None:
        """Accept (and use up) the code, or raise `PairingRefusal`."""
        now = self.clock()
        record = self._sources.get(source)
        if record is not None and now < record.paused_until:
            raise PairingRefusal("too_many_attempts", record.paused_until - now)
        if self.withdrawn:
            raise PairingRefusal("pairing_code_withdrawn")
        if self.code is None or now >= self.expires_at:
            raise PairingRefusal("no_pairing_code")
        if hmac.compare_digest(offered.strip().encode(), self.code.encode()):
            self.code = None  # one code pairs one app
            self._sources.clear()
            self._wrong_for_code = 0
            return
        self._wrong_for_code += 1
        if self._wrong_for_code >= MAX_WRONG_CODES_PER_CODE:
            self.code = None
            self.withdrawn = True
            raise PairingRefusal("pairing_code_withdrawn")
        record = self._sources.setdefault(source, _SourceRecord())
        record.failures = [t for t in record.failures if now - t < WRONG_CODE_WINDOW_S]
        record.failures.append(now)
        if len(record.failures) >= MAX_WRONG_CODES:
            record.pauses += 1
            pause = WRONG_CODE_PAUSE_S * 2 ** (record.pauses - 1)
            record.paused_until = now + min(pause, CODE_LIFETIME_S)
            record.failures.clear()
        raise PairingRefusal("wrong_code")
