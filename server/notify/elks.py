"""The SMS transport: 46elks's HTTP API (``POST /a1/sms``), and the callback secret.

Like the other transports it never raises for a delivery problem; it answers with an
:class:`~server.notify.transports.Outcome`. Without ``LOCKWORK_SMS_USERNAME`` every SMS is
held in the outbox for an administrator to read, as e-mail is without an SMTP server.
"""

from __future__ import annotations

import base64
import json
import logging

import aiohttp

from server.notify import sms
from server.notify.outbox import Message
from server.notify.transports import HttpTransport, Outcome, Result, retry_after_seconds
from server.secrets_box import SecretBox
from server.settings import Settings

logger = logging.getLogger(__name__)

# One request to the provider may take this long before it counts as failed and is retried;
# kept well under the outbox's claim time, like SMTP's and push's.
SMS_TIMEOUT_SECONDS = 10.0
_CALLBACK_SECRET_PURPOSE = b"lockwork/sms-callback-secret/v1"
_CALLBACK_SECRET_BYTES = 24  # 192 bits, 32 URL-safe characters
# An answer that says the account cannot send now (wrong credentials, no credit, a sender
# not allowed): an administrator can fix it, so the message waits and retries within the
# outbox's bound instead of failing at once.
_ACCOUNT_PROBLEMS = frozenset({401, 402, 403})


def callback_secret(settings: Settings, box: SecretBox) -> str:
    """The secret 46elks presents on its callbacks: the setting, or derived from the key."""
    if settings.sms_callback_secret:
        return settings.sms_callback_secret
    raw = box.derive(_CALLBACK_SECRET_PURPOSE, _CALLBACK_SECRET_BYTES)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def callback_urls(settings: Settings, box: SecretBox) -> dict[str, str]:
    """The two URLs to give 46elks: delivery receipts and the number's ``sms_url``."""
    secret = callback_secret(settings, box)
    return {
        "delivery": sms.callback_url(settings.public_url, sms.DELIVERY_PATH, secret),
        "inbound": sms.callback_url(settings.public_url, sms.INBOUND_PATH, secret),
    }


class ElksTransport(HttpTransport):
    def __init__(self, settings: Settings, box: SecretBox) -> None:
        self.settings = settings
        self.whendelivered = callback_urls(settings, box)["delivery"]

    async def send(self, message: Message) -> Outcome:
        s = self.settings
        if not s.sms_username:
            return Outcome(Result.HELD, "no SMS provider configured (LOCKWORK_SMS_USERNAME)")
        to = str(message.recipients.get("to", ""))
        if not to:
            return Outcome(Result.FAILED, "the SMS has no recipient")
        form = sms.send_form(s.sms_sender, to, message.body_text, self.whendelivered)
        try:
            async with self.session().post(
                s.sms_api_url.rstrip("/") + sms.SEND_PATH,
                data=form,
                headers={
                    "Authorization": aiohttp.encode_basic_auth(s.sms_username, s.sms_password)
                },
                timeout=aiohttp.ClientTimeout(total=SMS_TIMEOUT_SECONDS),
            ) as response:
                status = response.status
                body = await response.text()
                retry_after = response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Outcome(Result.RETRY, f"SMS provider unreachable: {type(exc).__name__}")
        if status == 200:
            try:
                answer = json.loads(body)
            except ValueError:
                answer = None
            provider_id, provider_status = sms.provider_id_of(answer)
            if provider_id is None:
                # Taken, but without an id its receipts cannot be matched. Sending again
                # would text the resident twice, so it counts as sent.
                logger.warning("SMS provider took message %s without an id", message.id)
            return Outcome(Result.SENT, provider_id=provider_id, provider_status=provider_status)
        # The provider's error text says what is wrong ("Invalid to number"); it is kept
        # for the administrator, bounded, and never logged (it may name the number).
        error = f"SMS provider answered {status}: {body.strip()[:200]}"
        if status == 429:
            return Outcome(Result.RETRY, error, retry_after=retry_after_seconds(retry_after))
        if status >= 500 or status in _ACCOUNT_PROBLEMS:
            return Outcome(Result.RETRY, error)
        return Outcome(Result.FAILED, error)
