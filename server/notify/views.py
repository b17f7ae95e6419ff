"""Wire encoders of the notifications area: rows as the API shows them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from server.notify.schemas import OutboxOut, SubscriptionOut


def subscription_out(row: dict[str, Any]) -> SubscriptionOut:
    parts = urlsplit(row["endpoint"])
    return SubscriptionOut(
        id=row["id"],
        device=row["device"],
        push_service=f"{parts.scheme}://{parts.netloc}",
        created_at=row["created_at"],
        last_success_at=row["last_success_at"],
    )


def outbox_out(row: dict[str, Any]) -> OutboxOut:
    return OutboxOut(
        id=row["id"],
        channel=row["channel"],
        state=row["state"],
        order_id=row["order_id"],
        recipients=dict(row["recipients"] or {}),
        subject=row["subject"],
        body_text=row["body_text"],
        body_html=row["body_html"],
        payload=dict(row["payload"] or {}),
        attempts=row["attempts"],
        send_attempts=row["send_attempts"],
        reclaims=row["reclaims"],
        next_attempt_at=row["next_attempt_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        provider_message_id=row["provider_message_id"],
        delivery_status=row["delivery_status"],
        delivered_at=row["delivered_at"],
    )
