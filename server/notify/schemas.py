"""Wire types of the notifications area."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec


class PublicKeyOut(msgspec.Struct, kw_only=True):
    public_key: str  # base64url uncompressed P-256 point: the PushManager applicationServerKey


class SubscriptionKeys(msgspec.Struct, kw_only=True):
    p256dh: Annotated[str, msgspec.Meta(min_length=20, max_length=200)]
    auth: Annotated[str, msgspec.Meta(min_length=8, max_length=100)]


class SubscriptionIn(msgspec.Struct, kw_only=True):
    """What ``PushSubscription.toJSON()`` gives in the browser, plus a device name."""

    endpoint: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]
    keys: SubscriptionKeys
    expirationTime: float | None = None
    device: Annotated[str, msgspec.Meta(max_length=200)] = ""


class SubscriptionOut(msgspec.Struct, kw_only=True):
    id: UUID
    device: str
    push_service: str  # the endpoint's origin; the full endpoint is a capability, not shown
    created_at: datetime
    last_success_at: datetime | None


class OutboxOut(msgspec.Struct, kw_only=True):
    id: UUID
    channel: str
    state: str
    order_id: UUID | None
    recipients: dict[str, Any]
    subject: str
    body_text: str
    body_html: str
    payload: dict[str, Any]
    attempts: int
    send_attempts: int
    reclaims: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    created_at: datetime
    # SMS: the provider's id and what its delivery receipts said.
    provider_message_id: str | None = None
    delivery_status: str = ""
    delivered_at: datetime | None = None


class OutboxSummaryOut(msgspec.Struct, kw_only=True):
    by_state: dict[str, int]
    # Messages taken over after a worker died holding them: each may have been delivered twice.
    possible_duplicates: int
