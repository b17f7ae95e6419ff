"""HTTP routes of the notifications area: push subscriptions and the admin outbox view."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Controller, delete, get, post
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from piccolo.query.functions.aggregate import Count

from server.accounts import permissions as perm
from server.accounts.permissions import Principal
from server.db import write_transaction
from server.errors import Forbidden, NotFound, ValidationFailed
from server.notify.keys import b64url_decode
from server.notify.schemas import (
    OutboxOut,
    OutboxSummaryOut,
    PublicKeyOut,
    SubscriptionIn,
    SubscriptionOut,
)
from server.notify.tables import OutboxMessage, PushSubscription
from server.web import Limit, Offset, Page, Services, provide_principal

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


def subscription_out(row: dict[str, Any]) -> SubscriptionOut:
    parts = urlsplit(row["endpoint"])
    return SubscriptionOut(
        id=row["id"],
        device=row["device"],
        push_service=f"{parts.scheme}://{parts.netloc}",
        created_at=row["created_at"],
        last_success_at=row["last_success_at"],
    )


class PushController(Controller):
    path = "/api/push"
    tags = ["notifications"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/public-key")
    async def public_key(self, principal: Principal, services: Services) -> PublicKeyOut:
        """The server's VAPID public key, for ``pushManager.subscribe``."""
        return PublicKeyOut(public_key=services.vapid.public_key_b64)

    @get("/subscriptions")
    async def list_subscriptions(
        self, principal: Principal, services: Services
    ) -> list[SubscriptionOut]:
        """Your devices that receive push notifications."""
        rows = (
            await PushSubscription.select()
            .where(PushSubscription.user == principal.user_id)
            .order_by(PushSubscription.created_at)
        )
        return [subscription_out(r) for r in rows]

    @post("/subscriptions")
    async def subscribe(
        self, data: SubscriptionIn, principal: Principal, services: Services
    ) -> SubscriptionOut:
        """Register this device's push subscription for you (again: it is updated).

        A browser has one subscription per server; when another person logs in on the same
        browser, the subscription moves to them.
        """
        check_subscription(data)
        async with write_transaction(services.engine):
            await PushSubscription.insert(
                PushSubscription(
                    user=principal.user_id,
                    endpoint=data.endpoint,
                    p256dh=data.keys.p256dh,
                    auth=data.keys.auth,
                    device=data.device or principal.device,
                    created_at=services.clock.now(),
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
        return subscription_out(row)

    @delete("/subscriptions/{subscription_id:uuid}", status_code=HTTP_204_NO_CONTENT)
    async def unsubscribe(
        self, subscription_id: UUID, principal: Principal, services: Services
    ) -> None:
        """Stop push notifications to one of your devices."""
        row = (
            await PushSubscription.select(PushSubscription.user)
            .where(PushSubscription.id == subscription_id)
            .first()
        )
        if row is None or not perm.can_see_push_subscription(principal, str(row["user"])):
            raise NotFound("No such push subscription.")
        await PushSubscription.delete().where(PushSubscription.id == subscription_id)


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
    )


StateName = Literal["pending", "held", "sent", "failed", "discarded"]


class AdminOutboxController(Controller):
    path = "/api/admin/outbox"
    tags = ["notifications"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def list_outbox(
        self,
        principal: Principal,
        services: Services,
        message_state: Annotated[StateName | None, QueryParameter(name="state")] = None,
        channel: Literal["email", "push"] | None = None,
        order_id: UUID | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Every notification, newest first: held e-mails (no SMTP) can be read here."""
        if not perm.can_read_outbox(principal):
            raise Forbidden("Only administrators can read the notification outbox.")
        conditions: list[Any] = []
        if message_state:
            conditions.append(OutboxMessage.state == message_state)
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
        return Page(total=total, limit=limit, offset=offset, items=[outbox_out(r) for r in rows])

    @get("/summary")
    async def summary(self, principal: Principal, services: Services) -> OutboxSummaryOut:
        """Messages per state, and how many may have gone out twice (worker died mid-send)."""
        if not perm.can_read_outbox(principal):
            raise Forbidden("Only administrators can read the notification outbox.")
        rows = await OutboxMessage.select(OutboxMessage.state, Count()).group_by(
            OutboxMessage.state
        )
        duplicates = await OutboxMessage.count().where(OutboxMessage.reclaims > 0)
        return OutboxSummaryOut(
            by_state={r["state"]: r["count"] for r in rows}, possible_duplicates=duplicates
        )
