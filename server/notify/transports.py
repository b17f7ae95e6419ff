"""How a claimed outbox message leaves the server: SMTP for e-mail, Web Push for push.

A transport never raises for a delivery problem; it answers with an :class:`Outcome` that
the worker records (sent, retry later, failed for good, discarded, or held).
"""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

import aiohttp
from py_vapid import Vapid02
from pywebpush import WebPusher

from server.notify.keys import VapidKeys
from server.notify.outbox import Message
from server.notify.tables import PushSubscription
from server.settings import Settings

logger = logging.getLogger(__name__)

# One SMTP conversation or push request may take this long before it counts as failed and is
# retried; kept well under the claim time (outbox.CLAIM_SECONDS) times the batch size.
SMTP_TIMEOUT_SECONDS = 10.0
PUSH_TIMEOUT_SECONDS = 10.0
# How long a push service keeps an undelivered notification for an offline phone: a day, so
# a fitter who is out of signal all afternoon still hears about it in the evening.
PUSH_TTL_SECONDS = 24 * 3600
# Without a Retry-After on a 429, wait this long (a minute is what push services suggest).
DEFAULT_RETRY_AFTER_SECONDS = 60.0
# The VAPID token is valid for this long (RFC 8292 allows at most 24 h).
VAPID_TOKEN_SECONDS = 12 * 3600


class Result(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    DISCARDED = "discarded"
    HELD = "held"


@dataclass(frozen=True)
class Outcome:
    result: Result
    error: str = ""
    retry_after: float | None = None
    # SMS: the provider's id of the message and the status it gave (its receipts name the id).
    provider_id: str | None = None
    provider_status: str = ""


SENT = Outcome(Result.SENT)


class Transport(Protocol):
    async def send(self, message: Message) -> Outcome: ...


# -- e-mail -------------------------------------------------------------------------------------


def build_email(message: Message, mail_from: str, *, date: datetime | None = None) -> EmailMessage:
    """The MIME message: multipart/alternative, plain text first, then HTML."""
    mime = EmailMessage()
    mime["From"] = mail_from
    mime["To"] = ", ".join(message.recipients.get("to", []))
    if message.recipients.get("cc"):
        mime["Cc"] = ", ".join(message.recipients["cc"])
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(date.timestamp() if date else None, localtime=False)
    # The same Message-ID on every attempt: a receiver that sees a duplicate (the window the
    # outbox counts) can recognise it.
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "lockwork.invalid"
    mime["Message-ID"] = f"<{message.id}@{domain}>"
    mime.set_content(message.body_text, charset="utf-8")
    mime.add_alternative(message.body_html, subtype="html", charset="utf-8")
    return mime


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> Outcome:
        if not self.settings.smtp_host:
            return Outcome(Result.HELD, "no SMTP server configured (LOCKWORK_SMTP_HOST)")
        mime = build_email(message, self.settings.mail_from)
        recipients = [*message.recipients.get("to", []), *message.recipients.get("cc", [])]
        try:
            await asyncio.to_thread(self._send, mime, recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            permanent = all(500 <= code < 600 for code in codes)
            return Outcome(
                Result.FAILED if permanent else Result.RETRY,
                f"recipients refused: {sorted(set(codes))}",
            )
        except smtplib.SMTPResponseException as exc:
            # 5xx is a permanent refusal (bad address, policy); 4xx is "try again later".
            permanent = 500 <= exc.smtp_code < 600
            return Outcome(Result.FAILED if permanent else Result.RETRY, f"SMTP {exc.smtp_code}")
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(Result.RETRY, f"SMTP unreachable: {type(exc).__name__}: {exc}")
        return SENT

    def _send(self, mime: EmailMessage, recipients: list[str]) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(mime, to_addrs=recipients)


# -- Web Push -----------------------------------------------------------------------------------


def vapid_subject(settings: Settings) -> str:
    """The VAPID ``sub`` claim: how a push service reaches the operator (RFC 8292, 2.1)."""
    address = parseaddr(settings.mail_from)[1]
    if address and "@" in address:
        return f"mailto:{Address(addr_spec=address).addr_spec}"
    return settings.public_url


class HttpTransport:
    """A transport that talks HTTP: one connection pool, made on first use, closed at stop."""

    _session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class WebPushTransport(HttpTransport):
    def __init__(self, settings: Settings, keys: VapidKeys) -> None:
        self.vapid = Vapid02(private_key=keys.private_key)
        self.subject = vapid_subject(settings)

    async def send(self, message: Message) -> Outcome:
        sub_id = message.recipients.get("subscription_id")
        sub = (
            await PushSubscription.select().where(PushSubscription.id == UUID(str(sub_id))).first()
            if sub_id
            else None
        )
        if sub is None:
            return Outcome(Result.DISCARDED, "the push subscription no longer exists")
        endpoint = sub["endpoint"]
        info: dict[str, Any] = {
            "endpoint": endpoint,
            "keys": {"p256dh": sub["p256dh"], "auth": sub["auth"]},
        }
        claims: dict[str, Any] = {
            "sub": self.subject,
            "aud": _origin(endpoint),
            "exp": int(datetime.now().timestamp()) + VAPID_TOKEN_SECONDS,
        }
        headers = self.vapid.sign(claims)
        try:
            response = await WebPusher(info, aiohttp_session=self.session()).send_async(
                json.dumps(message.payload, ensure_ascii=False),
                headers,
                ttl=PUSH_TTL_SECONDS,
                content_encoding="aes128gcm",
                timeout=aiohttp.ClientTimeout(total=PUSH_TIMEOUT_SECONDS),
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Outcome(Result.RETRY, f"push service unreachable: {type(exc).__name__}")
        assert not isinstance(response, str)
        status = response.status
        if status in {200, 201, 202}:
            await PushSubscription.update(
                {PushSubscription.last_success_at: datetime.now().astimezone()}
            ).where(PushSubscription.id == sub["id"])
            return SENT
        if status in {404, 410}:
            # RFC 8030, 7.3: the subscription has expired or was removed; never use it again.
            await PushSubscription.delete().where(PushSubscription.id == sub["id"])
            return Outcome(Result.DISCARDED, f"push subscription gone ({status}); deleted")
        if status == 413:
            return Outcome(Result.FAILED, "push payload too large (413)")
        if status == 429:
            return Outcome(
                Result.RETRY,
                "push service rate limit (429)",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status >= 500:
            return Outcome(Result.RETRY, f"push service error ({status})")
        return Outcome(Result.FAILED, f"push service refused the message ({status})")


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def retry_after_seconds(value: str | None) -> float:
    """Retry-After in seconds (RFC 9110 also allows an HTTP date)."""
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER_SECONDS
        return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())
