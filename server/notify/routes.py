"""HTTP routes of the notifications area: push subscriptions and the admin outbox view."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.accounts.permissions import Principal
from server.context import Services
from server.notify.schemas import (
    OutboxOut,
    OutboxSummaryOut,
    PublicKeyOut,
    SubscriptionIn,
    SubscriptionOut,
)
from server.notify.service import NotifyService
from server.notify.views import outbox_out, subscription_out
from server.web import Limit, Offset, Page, provide_principal


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
        return [subscription_out(r) for r in await NotifyService(services).subscriptions(principal)]

    @post("/subscriptions")
    async def subscribe(
        self, data: SubscriptionIn, principal: Principal, services: Services
    ) -> SubscriptionOut:
        """Register this device's push subscription for you (again: it is updated).

        A browser has one subscription per server; when another person logs in on the same
        browser, the subscription moves to them.
        """
        return subscription_out(await NotifyService(services).subscribe(principal, data))

    @delete("/subscriptions/{subscription_id:uuid}", status_code=HTTP_204_NO_CONTENT)
    async def unsubscribe(
        self, subscription_id: UUID, principal: Principal, services: Services
    ) -> None:
        """Stop push notifications to one of your devices."""
        await NotifyService(services).unsubscribe(principal, subscription_id)


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
        channel: Literal["email", "push", "sms"] | None = None,
        order_id: UUID | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Every notification, newest first: held e-mails and SMS can be read here."""
        total, rows = await NotifyService(services).outbox(
            principal, message_state, channel, order_id, limit, offset
        )
        return Page(total=total, limit=limit, offset=offset, items=[outbox_out(r) for r in rows])

    @get("/summary")
    async def summary(self, principal: Principal, services: Services) -> OutboxSummaryOut:
        """Messages per state, and how many may have gone out twice (worker died mid-send)."""
        by_state, duplicates = await NotifyService(services).outbox_summary(principal)
        return OutboxSummaryOut(by_state=by_state, possible_duplicates=duplicates)

    @post("/{message_id:uuid}/resend", status_code=HTTP_200_OK)
    async def resend(self, message_id: UUID, principal: Principal, services: Services) -> OutboxOut:
        """Send a held or failed message again (back to pending, attempts reset). Admins only."""
        return outbox_out(await NotifyService(services).resend(principal, message_id))
