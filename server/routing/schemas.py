"""Wire types of the routing area (issue 13)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.wire import Bounded, Day

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Value = Annotated[str, msgspec.Meta(max_length=200)]
KindName = Literal["installation", "service", "battery", "removal", "inspection"]


class AreaIn(msgspec.Struct, kw_only=True):
    name: Name
    kind: Literal["district", "postcode", "addresses"]
    values: Annotated[list[Value], msgspec.Meta(min_length=1, max_length=2000)]


class AreaOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: str
    values: list[str]


class GroupIn(msgspec.Struct, kw_only=True):
    name: Name
    members: Annotated[list[UUID], msgspec.Meta(max_length=200)] = []


class GroupOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    members: list[str]


class ProviderOut(msgspec.Struct, kw_only=True):
    """A home-care provider the company serves, as a rule names it."""

    id: UUID
    name: str


class RuleIn(msgspec.Struct, kw_only=True):
    name: Name
    area_id: UUID | None = None
    kinds: Annotated[list[KindName], msgspec.Meta(max_length=5)] = []
    provider_id: UUID | None = None
    fitter_id: UUID | None = None
    group_id: UUID | None = None
    active: bool = True


class RuleOut(msgspec.Struct, kw_only=True):
    id: UUID
    position: int
    name: str
    area_id: UUID | None
    kinds: list[str]
    provider_id: UUID | None
    fitter_id: UUID | None
    group_id: UUID | None
    active: bool


class RuleOrderIn(msgspec.Struct, kw_only=True):
    rule_ids: Annotated[list[UUID], msgspec.Meta(max_length=500)]


class ScheduleIn(Bounded, kw_only=True):
    name: Name
    kind: Literal["battery", "inspection", "service"]
    lock_model: Annotated[str, msgspec.Meta(max_length=60)] = ""
    first_day: Day
    interval_months: Annotated[int, msgspec.Meta(ge=1, le=120)]
    lead_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 14
    paused: bool = False


class ScheduleOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: str
    lock_model: str
    first_day: date
    interval_months: int
    lead_days: int
    paused: bool
    next_period: date | None = None


class BatteryRuleIn(msgspec.Struct, kw_only=True):
    below_percent: Annotated[int, msgspec.Meta(ge=1, le=100)]
    stale_after_days: Annotated[int, msgspec.Meta(ge=1, le=3650)]
    active: bool = True


class BatteryRuleOut(msgspec.Struct, kw_only=True):
    below_percent: int
    stale_after_days: int
    active: bool


class QueuedOrderOut(msgspec.Struct, kw_only=True):
    """An order in a group's queue, in brief: no resident's name until it is taken."""

    order_id: UUID
    reference: str
    kind: str
    status: str
    area: str
    city: str
    due_on: date | None
    group_name: str
