"""The apps paired with this gateway: bearer tokens with a lifetime, listed and revoked.

A token lets an app do everything the local API offers (read the gateway's status, start
lock operations for the fitter's orders, list and revoke paired apps) until it expires,
`APP_TOKEN_LIFETIME_DAYS` after pairing unless configured otherwise, or is revoked: in the
app's lock panel, through ``DELETE /api/tokens/{id}``, or with ``lockwork-gateway tokens
revoke`` on the gateway.

Tokens are stored only as SHA-256 hashes (random 256-bit tokens need no slow hash) in one
SQLite file, ``DATA_DIR/app_tokens.sqlite3``, created readable by its owner only. The running
``serve`` and the ``tokens`` command share that file: every check reads it, so a revocation
made on the command line holds from the running gateway's next request, and SQLite's locking
keeps a pairing and a revocation made at the same moment from losing either. A copy of the
file gives nobody a token.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import msgspec

TOKENS_DB: Final = "app_tokens.sqlite3"
# Before tokens could expire they were kept in this JSON file; it is imported once, with a
# lifetime counted from each token's pairing, and removed.
LEGACY_TOKENS_FILE: Final = "app_tokens.json"
TOKEN_BYTES: Final = 32
ID_BYTES: Final = 6
# A fitter pairs the phone with the gateway in their kit rarely, so a month costs one code a
# month; a phone lost or handed on stops working by itself within that month even if nobody
# revokes it.
APP_TOKEN_LIFETIME_DAYS: Final = 30
DAY_S: Final = 86_400.0
LABEL_MAX_CHARS: Final = 120
# The `tokens` command and `serve` may write at the same moment; each write takes
# milliseconds, so 5 s only turns a stuck file into a clear error.
BUSY_TIMEOUT_S: Final = 5.0

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS app_tokens (
    id         TEXT PRIMARY KEY,     -- shown in lists; what a revocation names
    sha256     TEXT NOT NULL UNIQUE, -- hex hash of the token; the token itself is never kept
    label      TEXT NOT NULL,        -- which app: what it called itself, or its user agent
    created_at REAL NOT NULL,        -- Unix time of the pairing
    expires_at REAL NOT NULL
);
"""


class AppToken(msgspec.Struct, frozen=True):
    """One paired app (never the token itself)."""

    id: str
    label: str
    created_at: float
    expires_at: float


class _LegacyToken(msgspec.Struct):
    sha256: str
    created_at: float
    label: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AppTokens:
    """Tokens of the paired apps, in the gateway's data folder (see the module's text)."""

    def __init__(
        self,
        data_dir: Path,
        lifetime_s: float = APP_TOKEN_LIFETIME_DAYS * DAY_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = data_dir / TOKENS_DB
        self.lifetime_s = lifetime_s
        self._clock = clock
        data_dir.mkdir(parents=True, exist_ok=True)
        # Created owner-only before SQLite opens it; SQLite gives its journal the same mode.
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._db() as db:
            db.executescript(_SCHEMA)
        self._import_legacy(data_dir / LEGACY_TOKENS_FILE)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection for one unit of work, in one transaction (a fresh connection each
        time, so that what another process wrote is always seen)."""
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            with db:
                yield db
        finally:
            db.close()

    def _import_legacy(self, legacy: Path) -> None:
        try:
            stored = msgspec.json.decode(legacy.read_bytes(), type=list[_LegacyToken])
        except FileNotFoundError:
            return
        except msgspec.DecodeError:
            stored = []  # unreadable: its apps pair again
        with self._db() as db:
            db.executemany(
                "INSERT OR IGNORE INTO app_tokens VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        secrets.token_hex(ID_BYTES),
                        old.sha256,
                        old.label[:LABEL_MAX_CHARS],
                        old.created_at,
                        old.created_at + self.lifetime_s,
                    )
                    for old in stored
                ],
            )
        with contextlib.suppress(FileNotFoundError):
            legacy.unlink()

    def issue(self, label: str = "") -> tuple[str, AppToken]:
        """A new token (returned once, never stored) and what is kept of it."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        record = AppToken(
            secrets.token_hex(ID_BYTES), label[:LABEL_MAX_CHARS], now, now + self.lifetime_s
        )
        with self._db() as db:
            db.execute("DELETE FROM app_tokens WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO app_tokens VALUES (?, ?, ?, ?, ?)",
                (record.id, token_hash(token), record.label, record.created_at, record.expires_at),
            )
        return token, record

    def check(self, token: str) -> AppToken | None:
        """The paired app this token belongs to, if it is neither expired nor revoked."""
        with self._db() as db:
            row = db.execute(
                "SELECT id, label, created_at, expires_at FROM app_tokens "
                "WHERE sha256 = ? AND expires_at > ?",
                (token_hash(token), self._clock()),
            ).fetchone()
        return AppToken(*row) if row else None

    def valid(self, token: str) -> bool:
        return self.check(token) is not None

    def paired(self) -> list[AppToken]:
        """The apps paired now, oldest first (expired ones are forgotten)."""
        now = self._clock()
        with self._db() as db:
            db.execute("DELETE FROM app_tokens WHERE expires_at <= ?", (now,))
            rows = db.execute(
                "SELECT id, label, created_at, expires_at FROM app_tokens ORDER BY created_at, id"
            ).fetchall()
        return [AppToken(*row) for row in rows]

    def revoke(self, token_id: str) -> bool:
        """Forget one app's token; False if no such token is paired."""
        with self._db() as db:
            return db.execute("DELETE FROM app_tokens WHERE id = ?", (token_id,)).rowcount > 0

    def revoke_all(self) -> int:
        """Forget every app's token (a lost phone nobody can tell apart); how many."""
        with self._db() as db:
            return db.execute("DELETE FROM app_tokens").rowcount
