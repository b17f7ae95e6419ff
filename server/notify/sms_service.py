"""Storing what the SMS provider calls back with: delivery receipts and inbound messages.

No HTTP here: the routes authenticate and parse (``server.notify.sms``), then call these.
Both are idempotent on the provider's message id, because the provider retries a callback
until it is acknowledged and may deliver it more than once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import write_transaction
from server.errors import NotFound
from server.notify import sms
from server.notify.outbox import Channel
from server.notify.tables import InboundSms, OutboxMessage


async def record_delivery(engine: Any, receipt: sms.DeliveryReceipt, now: datetime) -> bool:
    """Store a delivery receipt on its outbox message; True when it changed the status.

    A receipt for an id we have not stored (yet) is refused as not found: the provider then
    retries it, and by then the worker has recorded the id it was given when sending.
    """
    async with write_transaction(engine):
        row = (
            await OutboxMessage.select(OutboxMessage.id, OutboxMessage.delivery_status)
            .where(
                (OutboxMessage.provider_message_id == receipt.provider_message_id)
                & (OutboxMessage.channel == Channel.SMS.value)
            )
            .first()
        )
        if row is None:
            raise NotFound("No SMS with this id was sent from here (yet).")
        status = sms.next_delivery_status(row["delivery_status"], receipt.status)
        if status is None:
            return False
        values: dict[Any, Any] = {
            OutboxMessage.delivery_status: status.value,
            OutboxMessage.delivery_updated_at: now,
        }
        if receipt.delivered_at is not None and status is sms.DeliveryStatus.DELIVERED:
            values[OutboxMessage.delivered_at] = receipt.delivered_at
        # Compare-and-set on the status read above: two copies of a receipt handled at once
        # by two instances change it once.
        await OutboxMessage.update(values).where(
            (OutboxMessage.id == row["id"])
            & (OutboxMessage.delivery_status == row["delivery_status"])
        )
    return True


async def store_inbound(engine: Any, message: sms.InboundMessage, now: datetime) -> bool:
    """Keep an inbound SMS; True when it is new, False when this id was stored before."""
    async with write_transaction(engine):
        before = await InboundSms.count().where(
            InboundSms.provider_message_id == message.provider_message_id
        )
        await InboundSms.insert(
            InboundSms(
                provider=sms.PROVIDER,
                provider_message_id=message.provider_message_id,
                sender=message.sender,
                recipient=message.recipient,
                message=message.text,
                sent_at=message.sent_at,
                received_at=now,
            )
        ).on_conflict(target=InboundSms.provider_message_id, action="DO NOTHING")
    return bool(before == 0)
