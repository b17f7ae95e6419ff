"""A fitter's private iCalendar feed of their planned visits (issue 11).

The feed's address carries a random secret, the only credential a calendar program can
present; only its SHA-256 is stored (on the user), so a database read gives no working feed
address. The fitter makes it (again: the old address stops working) and revokes it. The feed
answers for an active fitter's secret only, with the visits of orders assigned to that fitter
now: a reassigned order leaves the feed at the calendar's next poll.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from server.accounts import permissions as perm
from server.accounts.permissions import Principal, Role
from server.accounts.service import token_hash
from server.accounts.tables import User
from server.calendar.ical import VisitFact, feed_ics
from server.context import Services
from server.db import write_transaction
from server.errors import Forbidden, NotFound
from server.orders.lifecycle import OPEN_STATUSES, OrderStatus
from server.orders.tables import WorkOrder

logger = logging.getLogger(__name__)

FEED_SECRET_BYTES = 32
# Visits shown: from a month back (what was done lately) on; every planned visit ahead.
FEED_PAST_DAYS = 30
# Planned visits: an open order with a planned start, not paused.
FEED_STATUSES = sorted(s.value for s in OPEN_STATUSES - {OrderStatus.ON_HOLD, OrderStatus.DRAFT})


def feed_path(secret: str) -> str:
    return f"/api/calendar/{secret}.ics"


class CalendarFeedService:
    def __init__(self, services: Services) -> None:
        self.s = services

    @staticmethod
    def _refuse_unless_fitter(principal: Principal) -> None:
        if not perm.can_have_calendar_feed(principal):
            raise Forbidden(
                "Only fitters have a calendar feed of their visits.",
                message_sv="Bara montörer har ett kalenderflöde med sina besök.",
            )

    async def issue(self, principal: Principal) -> tuple[str, str]:
        """A new secret for the principal's feed (the old one stops working); the secret and
        the feed's full address. Shown once: only the hash is kept."""
        self._refuse_unless_fitter(principal)
        secret = secrets.token_urlsafe(FEED_SECRET_BYTES)
        async with write_transaction(self.s.engine):
            await User.update({User.calendar_feed_hash: token_hash(secret)}).where(
                User.id == principal.user_id
            )
        logger.info("user %s made a new calendar feed address", principal.user_id)
        return secret, self.s.settings.public_url.rstrip("/") + feed_path(secret)

    async def revoke(self, principal: Principal) -> None:
        self._refuse_unless_fitter(principal)
        async with write_transaction(self.s.engine):
            await User.update({User.calendar_feed_hash: None}).where(User.id == principal.user_id)
        logger.info("user %s revoked their calendar feed", principal.user_id)

    async def feed(self, secret: str) -> bytes:
        """The feed of the active fitter whose secret this is; NotFound for any other."""
        user = (
            await User.select(User.id, User.roles, User.active)
            .where(User.calendar_feed_hash == token_hash(secret))
            .output(load_json=True)
            .first()
        )
        if user is None or not user["active"] or Role.FITTER.value not in user["roles"]:
            raise NotFound("No such calendar feed.")
        since = self.s.clock.now() - timedelta(days=FEED_PAST_DAYS)
        rows = (
            await WorkOrder.select(
                WorkOrder.id,
                WorkOrder.reference,
                WorkOrder.kind,
                WorkOrder.version,
                WorkOrder.planned_start,
                WorkOrder.estimate_minutes,
                WorkOrder.customer.street_address.as_alias("street"),
                WorkOrder.customer.postal_code.as_alias("postal_code"),
                WorkOrder.customer.city.as_alias("city"),
            )
            .where(
                (WorkOrder.assigned_fitter == user["id"])
                & WorkOrder.status.is_in(FEED_STATUSES)
                & WorkOrder.planned_start.is_not_null()
                & (WorkOrder.planned_start >= since)
            )
            .order_by(WorkOrder.planned_start)
        )
        base = self.s.settings.public_url.rstrip("/")
        return feed_ics((self._visit(row, base) for row in rows), self.s.clock.now())

    @staticmethod
    def _visit(row: dict[str, Any], base: str) -> VisitFact:
        return VisitFact(
            order_id=str(row["id"]),
            reference=row["reference"],
            kind=row["kind"],
            version=row["version"],
            street_address=row["street"] or "",
            postal_code=row["postal_code"] or "",
            city=row["city"] or "",
            planned_start=row["planned_start"],
            estimate_minutes=row["estimate_minutes"],
            link=f"{base}/orders/{row['id']}",
        )
