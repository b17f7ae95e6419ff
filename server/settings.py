"""Server settings, read from ``LOCKWORK_*`` environment variables.

Every field is documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from server.errors import ConfigurationError

ENV_PREFIX = "LOCKWORK_"
DEFAULT_DATA_DIR = "var"
SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name, not a secret
# 32 bytes of entropy, hex-encoded: enough for HKDF-derived sub-keys (AES-256, HMAC-SHA256).
MIN_SECRET_KEY_CHARS = 32


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    data_dir: str = DEFAULT_DATA_DIR
    database_url: str = ""
    secret_key: str = ""
    public_url: str = "http://127.0.0.1:8000"
    country: str = "SE"
    non_working_eves: str = "midsummer_eve,christmas_eve,new_years_eve"
    session_hours: int = 12
    log_level: str = "INFO"
    migrate_on_start: bool = True
    # Login throttling: failures per (client address, user name) and per client address alone.
    login_failures_per_account_and_address: int = 5
    login_failures_per_address: int = 50
    login_failure_window_minutes: int = 15
    # Outgoing e-mail (SMTP). With no host, e-mails are kept in the outbox as 'held' for an
    # administrator to read (GET /api/admin/outbox) instead of being sent.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "Lockwork <noreply@lockwork.invalid>"
    # The notification worker and the escalation job run inside the server; several instances
    # may all run them (claims keep each job done once). Off: this instance only serves HTTP.
    background_jobs: bool = True
    # The lock authority (server.locks.authority): the factory authorities whose locks this
    # server believes (comma-separated), and the operator certificate in which one of them
    # vouches for this server's signing key. Each value is hex, or the path of a file of hex.
    lock_factory_authorities: str = ""
    lock_operator_certificate: str = ""
    # The PWA's folder; empty: pwa/ next to the server package. A test serves a copy it can
    # change, to publish a new version of the app while a phone is offline.
    pwa_dir: str = ""

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir) / 'lockwork.sqlite3'}"

    @property
    def database_engine(self) -> str:
        """'sqlite' or 'postgresql', from the URL scheme."""
        scheme = urlsplit(self.resolved_database_url).scheme
        if scheme == "sqlite":
            return "sqlite"
        if scheme in {"postgresql", "postgres"}:
            return "postgresql"
        raise ConfigurationError(
            f"LOCKWORK_DATABASE_URL has the scheme '{scheme}', which is not supported. "
            "Use sqlite:///PATH for a SQLite file or postgresql://USER@HOST:PORT/DB."
        )

    @property
    def secure_cookies(self) -> bool:
        """Cookies get the ``Secure`` flag and the ``__Host-`` prefix when served over HTTPS."""
        return urlsplit(self.public_url).scheme == "https"

    @property
    def non_working_eve_names(self) -> frozenset[str]:
        return frozenset(name.strip() for name in self.non_working_eves.split(",") if name.strip())


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from the environment (``LOCKWORK_DATA_DIR`` -> ``data_dir``), then ``overrides``.

    The secret key is never silently randomised per process: when unset, it is created once
    in ``DATA_DIR/secret.key`` and reused, so sessions and encrypted fields survive a restart.
    Several server instances must share ``LOCKWORK_SECRET_KEY`` explicitly.
    """
    environ = os.environ if environ is None else environ
    raw: dict[str, object] = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX)
    }
    raw.update(overrides)
    known = set(Settings.__struct_fields__)
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        names = ", ".join(ENV_PREFIX + k.upper() for k in unknown)
        raise ConfigurationError(f"Unknown setting(s): {names}. See the README's table.")
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigurationError(f"Invalid setting: {exc}. See the README's table.") from exc
    if settings.country not in {"SE", "NO"}:
        raise ConfigurationError("LOCKWORK_COUNTRY must be SE (Sweden) or NO (Norway).")
    settings.database_engine  # noqa: B018 - validates the URL scheme early
    if not settings.secret_key:
        settings = msgspec.structs.replace(settings, secret_key=_stored_secret_key(settings))
    if len(settings.secret_key) < MIN_SECRET_KEY_CHARS:
        raise ConfigurationError(
            f"LOCKWORK_SECRET_KEY must be at least {MIN_SECRET_KEY_CHARS} characters; "
            "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return settings


def _stored_secret_key(settings: Settings) -> str:
    path = Path(settings.data_dir) / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created with owner-only permissions: it protects personal identity numbers at rest.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
