"""The fitter's private calendar feed: the feed itself (the secret in its address is the only
credential) and the routes the fitter makes and revokes it with."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.accounts.permissions import Principal
from server.context import Services
from server.errors import NotFound
from server.orders.calendar_feed import CalendarFeedService
from server.orders.schemas import CalendarFeedOut
from server.web import provide_principal

FEED_SUFFIX = ".ics"
# The secret is token_urlsafe(32): 43 characters of A-Z a-z 0-9 - _.
SECRET_LENGTH = 43


class CalendarFeedController(Controller):
    path = "/api/calendar"
    tags = ["calendar"]

    @get("/{feed:str}", media_type="text/calendar; charset=utf-8")
    async def feed(self, feed: str, services: Services) -> Response[bytes]:
        """The fitter's planned visits as iCalendar. No login: the secret is the credential;
        an unknown, rotated or revoked secret (or a disabled fitter's) is 404."""
        secret = feed.removesuffix(FEED_SUFFIX)
        if not feed.endswith(FEED_SUFFIX) or len(secret) != SECRET_LENGTH:
            raise NotFound("No such calendar feed.")
        body = await CalendarFeedService(services).feed(secret)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
        )


class CalendarFeedAdminController(Controller):
    path = "/api/calendar-feed"
    tags = ["calendar"]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/")
    async def make(self, principal: Principal, services: Services) -> CalendarFeedOut:
        """A new private feed address for your visits (fitters); the old one stops working.
        Shown once."""
        secret, url = await CalendarFeedService(services).issue(principal)
        return CalendarFeedOut(url=url, secret=secret)

    @delete("/", status_code=HTTP_204_NO_CONTENT)
    async def revoke(self, principal: Principal, services: Services) -> None:
        """Revoke your feed: its address answers 404 from now on."""
        await CalendarFeedService(services).revoke(principal)
