"""46elks's SMS API, as data: the send form, its answer, and the callbacks. Pure: no I/O.

- Send: ``POST {api}/sms``, form fields ``from``, ``to``, ``message`` and ``whendelivered``
  (our delivery-receipt URL), HTTP Basic auth with the API user and password; the answer is
  JSON with the message's ``id`` and ``status`` (``created``).
- Delivery receipts: form fields ``id``, ``status`` (``sent``, ``delivered``, ``failed``) and
  ``delivered`` (UTC, only when delivered), POSTed to ``whendelivered``.
- Inbound SMS: form fields ``id``, ``from``, ``to``, ``message``, ``direction`` (``incoming``)
  and ``created`` (UTC), POSTed to the number's ``sms_url``.

46elks signs nothing; it retries a callback (at least 5 times over at least 6 hours) until it
is answered 200-204. So a callback is authenticated by a secret we put in its URL, as HTTP
Basic credentials (``https://46elks:SECRET@host/...``: sent in a header, never in access
logs), or, for setups that cannot, as ``?secret=`` in the query. And every callback is
idempotent on the provider's message id: a receipt or a reply counted twice would move an
order twice.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from server.errors import Unauthenticated, ValidationFailed

PROVIDER: Final = "46elks"
SEND_PATH: Final = "/sms"
DELIVERY_PATH: Final = "/api/sms/46elks/delivery"
INBOUND_PATH: Final = "/api/sms/46elks/inbound"
CALLBACK_USER: Final = "46elks"
# Bounds on what a callback may carry: 46elks ids are 33 characters; a long SMS is at most a
# few hundred characters, 1,600 leaves room for ten parts and refuses anything absurd.
MAX_ID_CHARS: Final = 100
MAX_NUMBER_CHARS: Final = 40
MAX_MESSAGE_CHARS: Final = 1600


class DeliveryStatus(StrEnum):
    CREATED = "created"  # the provider has it (its answer to the send)
    SENT = "sent"  # handed to the carrier
    DELIVERED = "delivered"  # the phone has it
    FAILED = "failed"  # could not be delivered


# How far along each status is; the two final ones are equal and never replaced.
_PROGRESS: Final = {
    "": 0,
    DeliveryStatus.CREATED: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.FAILED: 3,
}
FINAL_STATUSES: Final = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED})


class SmsCallbackInvalid(ValidationFailed):
    code = "sms_callback_invalid"


@dataclass(frozen=True)
class DeliveryReceipt:
    provider_message_id: str
    status: DeliveryStatus
    delivered_at: datetime | None


@dataclass(frozen=True)
class InboundMessage:
    provider_message_id: str
    sender: str
    recipient: str
    text: str
    sent_at: datetime


def send_form(sender: str, to: str, message: str, whendelivered: str) -> dict[str, str]:
    """The form fields of ``POST /sms``; ``whendelivered`` is left out when empty."""
    form = {"from": sender, "to": to, "message": message}
    if whendelivered:
        form["whendelivered"] = whendelivered
    return form


def provider_id_of(answer: object) -> tuple[str | None, str]:
    """(the message's id, its status) from the JSON answer to a send; (None, "") if absent."""
    if not isinstance(answer, dict):
        return None, ""
    raw_id = answer.get("id")
    status = answer.get("status")
    message_id = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= MAX_ID_CHARS else None
    return message_id, status if isinstance(status, str) and status in _PROGRESS else ""


def callback_url(public_url: str, path: str, secret: str) -> str:
    """Our callback URL with the secret as Basic credentials, for 46elks to call."""
    parts = urlsplit(public_url.rstrip("/"))
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{CALLBACK_USER}:{secret}@{host}", parts.path + path, "", ""))


def callback_authorised(secret: str, authorization: str, query_secret: str) -> bool:
    """True when the request presents ``secret``: as the Basic password, or as ``?secret=``.

    Compared in constant time; the Basic user name is not checked (it is no secret).
    """
    if not secret:
        return False
    presented = ""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        presented = decoded.partition(":")[2]
    if not presented:
        presented = query_secret
    return bool(presented) and hmac.compare_digest(presented.encode(), secret.encode())


def require_authorised(secret: str, authorization: str, query_secret: str) -> None:
    if not callback_authorised(secret, authorization, query_secret):
        raise Unauthenticated(
            "This callback is only for the SMS provider: it must present the callback secret "
            "(see `lockwork-server sms-callbacks`)."
        )


def single_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A form as one value per field; a field sent twice is refused rather than guessed."""
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise SmsCallbackInvalid(f"The field '{key}' was sent twice.", field=key)
        form[key] = value
    return form


def _field(form: Mapping[str, str], name: str, limit: int, *, required: bool = True) -> str:
    value = form.get(name, "")
    if required and not value.strip():
        raise SmsCallbackInvalid(f"The field '{name}' is missing.", field=name)
    if len(value) > limit:
        raise SmsCallbackInvalid(
            f"The field '{name}' is longer than {limit} characters.", field=name
        )
    return value


def parse_time(text: str, field: str) -> datetime:
    """46elks's UTC times: ``2018-07-13T13:57:23.741000`` or ``2017-03-14T09:52:10Z``."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise SmsCallbackInvalid(f"The field '{field}' is not a time.", field=field) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_delivery(form: Mapping[str, str]) -> DeliveryReceipt:
    provider_id = _field(form, "id", MAX_ID_CHARS).strip()
    raw_status = _field(form, "status", 20).strip()
    try:
        status = DeliveryStatus(raw_status)
    except ValueError as exc:
        raise SmsCallbackInvalid(
            "The field 'status' must be sent, delivered or failed.", field="status"
        ) from exc
    delivered = form.get("delivered", "").strip()
    delivered_at = parse_time(delivered, "delivered") if delivered else None
    return DeliveryReceipt(provider_id, status, delivered_at)


def parse_inbound(form: Mapping[str, str]) -> InboundMessage:
    provider_id = _field(form, "id", MAX_ID_CHARS).strip()
    direction = form.get("direction", "incoming").strip()
    if direction != "incoming":
        raise SmsCallbackInvalid("Only incoming SMS are accepted here.", field="direction")
    return InboundMessage(
        provider_message_id=provider_id,
        sender=_field(form, "from", MAX_NUMBER_CHARS).strip(),
        recipient=_field(form, "to", MAX_NUMBER_CHARS).strip(),
        # Kept exactly as written (an empty SMS is a message too).
        text=_field(form, "message", MAX_MESSAGE_CHARS, required=False),
        sent_at=parse_time(_field(form, "created", 40), "created"),
    )


def next_delivery_status(current: str, reported: DeliveryStatus) -> DeliveryStatus | None:
    """The status to store after a receipt, or None to keep the current one.

    Receipts can come late, twice or out of order: a status only moves forward and a final
    one (delivered, failed) is never replaced, so a repeated receipt changes nothing and a
    late "sent" cannot undo "delivered".
    """
    if current in FINAL_STATUSES:
        return None
    if _PROGRESS[reported] <= _PROGRESS.get(current, 0):
        return None
    return reported
