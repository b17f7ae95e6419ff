"""HTTP routes of the activity list (seed 001's "aktivitetslista"): decode, call the activity
service, encode."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import Parameter

from server.accounts.permissions import Principal
from server.activity.schemas import ClosedPerPerson
from server.activity.service import ActivityFilters, ActivityService
from server.activity.views import activity_item, closed_per_person_out
from server.context import Services
from server.web import Limit, Offset, Page, provide_principal
from server.wire import RANGE_TEXT, bounded_day

# A filter beyond a working month asks for what the escalation has long since caught.
MAX_DAYS_WITHOUT_CALL = 30


class ActivityController(Controller):
    path = "/api/activity"
    tags = ["activity"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def activity(
        self,
        principal: Principal,
        services: Services,
        organisation_id: Annotated[
            UUID | None, Parameter(description="Ordering or performing organisation")
        ] = None,
        fitter_id: UUID | None = None,
        kind: str | None = None,
        status: Annotated[
            list[str] | None, Parameter(description="Default: every open status")
        ] = None,
        escalated: bool | None = None,
        overdue: bool | None = None,
        at_risk: bool | None = None,
        forwarded_to_me: Annotated[
            bool | None,
            Parameter(description="Orders forwarded to you and not done yet (seed 001)"),
        ] = None,
        days_without_call: Annotated[
            int | None,
            Parameter(
                ge=1,
                le=MAX_DAYS_WITHOUT_CALL,
                description="Orders seeking contact with at least this many working days "
                "without a call attempt",
            ),
        ] = None,
        sort: Annotated[
            Literal["urgent", "newest"],
            Parameter(description="urgent: escalated first, then oldest; newest: newest first"),
        ] = "urgent",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page:
        """Orders to work on: escalated first (higher level first), then oldest ordered first
        (or, with ``sort=newest``, newest ordered first)."""
        filters = ActivityFilters(
            organisation_id=organisation_id,
            fitter_id=fitter_id,
            kind=kind,
            status=status,
            escalated=escalated,
            overdue=overdue,
            at_risk=at_risk,
            forwarded_to_me=forwarded_to_me,
            days_without_call=days_without_call,
            sort=sort,
        )
        page = await ActivityService(services).activity(principal, filters, limit, offset)
        return Page(
            total=page.total,
            limit=limit,
            offset=offset,
            items=[
                activity_item(
                    r,
                    page.today,
                    services.calendar,
                    page.forwarded_done_by.get(r["id"]),
                    page.days_without_call.get(r["id"]),
                )
                for r in page.rows
            ],
        )

    @get("/closed-per-person")
    async def closed_per_person(
        self,
        principal: Principal,
        services: Services,
        day: Annotated[
            date | None, Parameter(description=f"Local date, {RANGE_TEXT}; default today")
        ] = None,
    ) -> list[ClosedPerPerson]:
        """Per person, how many of the orders you can see they closed (done or cancelled)
        that day, in all and per shift (``LOCKWORK_SHIFTS``): the daily count of seed 001's
        follow-up."""
        counts = await ActivityService(services).closed_per_person(
            principal, bounded_day(day, "day"), services.settings.shift_list
        )
        return closed_per_person_out(counts)
