"""The notifications area's queries and transactions: push subscriptions and the outbox as
administrators read it. (The SMS provider's callbacks: ``server.notify.sms_service``.)"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric import ec
from piccolo.query.functions.aggregate import Count

from server.accounts import permissions as perm
from server.accounts.permissions import Principal
from server.context import Services
from server.db import write_transaction
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.notify.keys import b64url_decode
from server.notify.outbox import State
from server.notify.schemas import SubscriptionIn
from server.notify.tables import OutboxMessage, PushSubscription

logger = logging.getLogger(__name__)

# What an administrator may send again: a message kept for lack of a transport, or given up on.
RESENDABLE_STATES = (State.HELD.value, State.FAILED.value)
AUTH_SECRET_BYTES = 16  # RFC 8291, 3.2: the authentication secret is 16 octets
LOOPBACK_NAMES = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_subscription(data: SubscriptionIn) -> None:
    """Refuse what the sender could never use, before storing it."""
    parts = urlsplit(data.endpoint)
    host = parts.hostname or ""
    # Push services are HTTPS; plain HTTP only to this machine (development, tests).
    if not host or not (parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host))):
        raise ValidationFailed(
            "The push endpoint must be an https:// address of a push service.", field="endpoint"
        )
    try:
        point = b64url_decode(data.keys.p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise ValidationFailed(
            "keys.p256dh is not a P-256 public key (base64url, uncompressed point).",
            field="keys.p256dh",
        ) from exc
    try:
        auth = b64url_decode(data.keys.auth)
    except ValueError as exc:
        raise ValidationFailed("keys.auth is not base64url.", field="keys.auth") from exc
    if len(auth) != AUTH_SECRET_BYTES:
        raise ValidationFailed("keys.auth must be 16 bytes (base64url).", field="keys.auth")


def _refuse_unless_outbox_reader(principal: Principal) -> None:
    if not perm.can_read_outbox(principal):
        raise Forbidden("Only administrators can read the notification outbox.")


class NotifyService:
    def __init__(self, services: Services) -> None:
        self.s = services

    # -- push subscriptions -----------------------------------------------------------------
    async def subscriptions(self, principal: Principal) -> list[dict[str, Any]]:
        """The principal's devices that receive push notifications, oldest first."""
        return await (
            PushSubscription.select()
            .where(PushSubscription.user == principal.user_id)
            .order_by(PushSubscription.created_at)
        )

    async def subscribe(self, principal: Principal, data: SubscriptionIn) -> dict[str, Any]:
        """Store the device's subscription for the principal (again: it is updated, and moves
        to the principal if another person had it); the stored row."""
        check_subscription(data)
        async with write_transaction(self.s.engine):
            await PushSubscription.insert(
                PushSubscription(
                    user=principal.user_id,
                    endpoint=data.endpoint,
                    p256dh=data.keys.p256dh,
                    auth=data.keys.auth,
                    device=data.device or principal.device,
                    created_at=self.s.clock.now(),
                )
            ).on_conflict(
                target=PushSubscription.endpoint,
                action="DO UPDATE",
                values=[
                    PushSubscription.user,
                    PushSubscription.p256dh,
                    PushSubscription.auth,
                    PushSubscription.device,
                ],
            )
            row = (
                await PushSubscription.select()
                .where(PushSubscription.endpoint == data.endpoint)
                .first()
            )
        assert row is not None
        return row

    async def unsubscribe(self, principal: Principal, subscription_id: UUID) -> None:
        row = (
            await PushSubscription.select(PushSubscription.user)
            .where(PushSubscription.id == subscription_id)
            .first()
        )
        if row is None or not perm.can_see_push_subscription(principal, str(row["user"])):
            raise NotFound("No such push subscription.")
        await PushSubscription.delete().where(PushSubscription.id == subscription_id)

    # -- the outbox, for administrators -----------------------------------------------------
    async def outbox(
        self,
        principal: Principal,
        state: str | None,
        channel: str | None,
        order_id: UUID | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total and one page of the outbox, newest first."""
        _refuse_unless_outbox_reader(principal)
        conditions: list[Any] = []
        if state:
            conditions.append(OutboxMessage.state == state)
        if channel:
            conditions.append(OutboxMessage.channel == channel)
        if order_id:
            conditions.append(OutboxMessage.order_id == order_id)
        rows = (
            await OutboxMessage.select()
            .where(*conditions)
            .order_by(OutboxMessage.created_at, ascending=False)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .offset(offset)
            .output(load_json=True)
        )
        total = await OutboxMessage.count().where(*conditions)
        return total, rows

    async def outbox_summary(self, principal: Principal) -> tuple[dict[str, int], int]:
        """Messages per state, and how many may have gone out twice (reclaimed mid-send)."""
        _refuse_unless_outbox_reader(principal)
        rows = await OutboxMessage.select(OutboxMessage.state, Count()).group_by(
            OutboxMessage.state
        )
        duplicates = await OutboxMessage.count().where(OutboxMessage.reclaims > 0)
        return {r["state"]: r["count"] for r in rows}, duplicates

    async def resend(self, principal: Principal, message_id: UUID) -> dict[str, Any]:
        """Send a held or failed message again: back to pending, due now, its attempts reset
        (so it gets the whole backoff again). Sent, pending and discarded messages are
        refused: a sent one would go out twice. The message's row after the change."""
        _refuse_unless_outbox_reader(principal)
        async with write_transaction(self.s.engine):
            row = (
                await OutboxMessage.select(OutboxMessage.state)
                .where(OutboxMessage.id == message_id)
                .first()
            )
            if row is None:
                raise NotFound("No such message.")
            if row["state"] not in RESENDABLE_STATES:
                raise Conflict(
                    f"Only held or failed messages can be sent again; this one is {row['state']}.",
                    code="not_resendable",
                    message_sv="Bara meddelanden som hålls kvar eller har misslyckats kan "
                    f"skickas igen; det här är {row['state']}.",
                )
            await OutboxMessage.update(
                {
                    OutboxMessage.state: State.PENDING.value,
                    OutboxMessage.attempts: 0,
                    OutboxMessage.next_attempt_at: self.s.clock.now(),
                    OutboxMessage.last_error: "",
                    OutboxMessage.claim_owner: None,
                    OutboxMessage.claim_expires_at: None,
                }
            ).where(
                (OutboxMessage.id == message_id)
                & OutboxMessage.state.is_in(list(RESENDABLE_STATES))
            )
        logger.info(
            "admin %s sent outbox message %s again (was %s)",
            principal.user_id,
            message_id,
            row["state"],
        )
        updated = (
            await OutboxMessage.select()
            .where(OutboxMessage.id == message_id)
            .output(load_json=True)
            .first()
        )
        assert updated is not None
        return updated
