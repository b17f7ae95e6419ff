"""Server settings, read from ``LOCKWORK_*`` environment variables.

Every field is documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from server.activity.shifts import DEFAULT_SHIFTS, Shift, ShiftsInvalid, parse_shifts
from server.client_address import Network, TrustedProxiesInvalid, parse_trusted_proxies
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
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated;
    # server.client_address). None by default: the TCP peer is the client.
    trusted_proxies: str = ""
    # Outgoing e-mail (SMTP). With no host, e-mails are kept in the outbox as 'held' for an
    # administrator to read (GET /api/admin/outbox) instead of being sent.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "Lockwork <noreply@lockwork.invalid>"
    # Outgoing SMS through 46elks (server.notify.elks). With no API user name, SMS messages
    # are kept in the outbox as 'held' for an administrator to read, like e-mail without SMTP.
    sms_api_url: str = "https://api.46elks.com/a1"
    sms_username: str = ""
    sms_password: str = ""
    # The sender residents see and answer: an E.164 number of the account (replies need one),
    # or a text sender id of at most 11 letters and digits (no replies possible).
    sms_sender: str = ""
    # The secret 46elks presents on its callbacks (delivery receipts, inbound SMS); empty:
    # derived from the secret key. `lockwork-server sms-callbacks` prints the URLs to set.
    sms_callback_secret: str = ""
    # Booking letters and replies (seed 002, server.booking). The letters' language: sv, nb
    # or en; empty: the country's (sv in SE, nb in NO).
    letter_language: str = ""
    # A folder every generated letter is also written to (the seed's print folder); empty:
    # letters are only kept in the database and downloaded from the letters tray.
    letters_dir: str = ""
    # The booking reminder (seed 002 "Bookingpåminnelse"): an SMS when no answer came within
    # this many hours after the letter was made or the booking SMS sent. A letter takes days
    # by post and is read by someone who may wait for a relative; an SMS is read the same day.
    booking_reminder_after_letter_hours: int = 168
    booking_reminder_after_sms_hours: int = 48
    # The public reply page: answers per client address, and from everyone, per window.
    # A resident answers once or twice; a guesser of codes is cut off after a few tries.
    booking_replies_per_address: int = 10
    booking_replies_global: int = 1000
    booking_reply_window_minutes: int = 15
    # Fault reports without login (server.intake, the page /f): reports per client address,
    # and from everyone, per window. A caretaker reports a few locks of a building from one
    # connection; a flood from one address is cut off without holding back the others.
    fault_reports_per_address: int = 10
    fault_reports_global: int = 300
    fault_report_window_minutes: int = 60
    # The report form's token (the anti-automation check, server.intake.tokens): a report is
    # accepted from this many seconds after the page was opened, for this many hours.
    fault_report_min_seconds: int = 3
    fault_report_form_hours: int = 24
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
    # The back office's shifts, for the closed-per-person count (server.activity.shifts):
    # "Name HH:MM-HH:MM", comma-separated; one ending before it starts runs over midnight.
    shifts: str = DEFAULT_SHIFTS

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
    def trusted_proxy_networks(self) -> tuple[Network, ...]:
        return parse_trusted_proxies(self.trusted_proxies)

    @property
    def shift_list(self) -> tuple[Shift, ...]:
        return parse_shifts(self.shifts)

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
    try:
        settings.trusted_proxy_networks  # noqa: B018 - validated before serving
    except TrustedProxiesInvalid as exc:
        raise ConfigurationError(str(exc)) from exc
    try:
        settings.shift_list  # noqa: B018 - validated before serving
    except ShiftsInvalid as exc:
        raise ConfigurationError(f"LOCKWORK_SHIFTS: {exc}") from exc
    _check_sms(settings)
    _check_booking(settings)
    _check_intake(settings)
    if not settings.secret_key:
        settings = msgspec.structs.replace(settings, secret_key=_stored_secret_key(settings))
    if len(settings.secret_key) < MIN_SECRET_KEY_CHARS:
        raise ConfigurationError(
            f"LOCKWORK_SECRET_KEY must be at least {MIN_SECRET_KEY_CHARS} characters; "
            "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return settings


# A text sender id: 46elks (like the GSM standard) allows 3-11 letters and digits.
_TEXT_SENDER = re.compile(r"[A-Za-z][A-Za-z0-9]{2,10}")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# A callback secret travels in a URL: URL-safe characters only, and long enough to guess never.
_CALLBACK_SECRET = re.compile(r"[A-Za-z0-9_-]{32,128}")


def _check_booking(settings: Settings) -> None:
    if settings.letter_language not in {"", "sv", "nb", "en"}:
        raise ConfigurationError(
            f"LOCKWORK_LETTER_LANGUAGE={settings.letter_language!r}: write sv, nb or en, or "
            "leave it empty for the country's language."
        )
    for name in (
        "booking_reminder_after_letter_hours",
        "booking_reminder_after_sms_hours",
        "booking_replies_per_address",
        "booking_replies_global",
        "booking_reply_window_minutes",
    ):
        if getattr(settings, name) < 1:
            raise ConfigurationError(f"LOCKWORK_{name.upper()} must be 1 or more.")


def _check_intake(settings: Settings) -> None:
    for name in (
        "fault_reports_per_address",
        "fault_reports_global",
        "fault_report_window_minutes",
        "fault_report_form_hours",
    ):
        if getattr(settings, name) < 1:
            raise ConfigurationError(f"LOCKWORK_{name.upper()} must be 1 or more.")
    if not 0 <= settings.fault_report_min_seconds < settings.fault_report_form_hours * 3600:
        raise ConfigurationError(
            "LOCKWORK_FAULT_REPORT_MIN_SECONDS must be 0 or more and less than "
            "LOCKWORK_FAULT_REPORT_FORM_HOURS in seconds."
        )


def _check_sms(settings: Settings) -> None:
    if settings.sms_username and not settings.sms_sender:
        raise ConfigurationError(
            "LOCKWORK_SMS_SENDER is empty: set it to the SMS number of the 46elks account "
            "(+46..., so residents can answer) or a text sender id of 3-11 letters and digits."
        )
    sender = settings.sms_sender
    if sender and not (_E164.fullmatch(sender) or _TEXT_SENDER.fullmatch(sender)):
        raise ConfigurationError(
            "LOCKWORK_SMS_SENDER must be a phone number in E.164 form (+46766861004) or a text "
            "sender id of 3-11 letters and digits starting with a letter."
        )
    if settings.sms_callback_secret and not _CALLBACK_SECRET.fullmatch(
        settings.sms_callback_secret
    ):
        raise ConfigurationError(
            "LOCKWORK_SMS_CALLBACK_SECRET must be 32-128 letters, digits, '-' or '_'; generate "
            "one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if urlsplit(settings.sms_api_url).scheme not in {"https", "http"}:
        raise ConfigurationError("LOCKWORK_SMS_API_URL must be an https:// address.")


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
