"""Wire types of the customers area."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.accounts.schemas import Name, Phone

Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text1000 = Annotated[str, msgspec.Meta(max_length=1000)]
Relation = Literal["relative", "neighbour", "staff", "guardian", "other"]


class ContactIn(msgspec.Struct, kw_only=True):
    name: Name
    relation: Relation
    phone: Annotated[str, msgspec.Meta(min_length=3, max_length=40, pattern=r"^[0-9+()\- ]+$")]
    best_times: Text1000 = ""


class ContactOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    relation: str
    phone: str
    best_times: str


class CustomerIn(msgspec.Struct, kw_only=True):
    name: Name
    street_address: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    postal_code: Annotated[str, msgspec.Meta(max_length=10)] = ""
    city: Annotated[str, msgspec.Meta(max_length=100)] = ""
    area: Annotated[str, msgspec.Meta(max_length=100)] = ""
    phone: Phone = ""
    best_times: Text1000 = ""
    identity_number: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    contacts: Annotated[list[ContactIn], msgspec.Meta(max_length=20)] = []
    provider_id: UUID | None = None


class CustomerPatch(msgspec.Struct, kw_only=True):
    name: Name | None = None
    street_address: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    postal_code: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    city: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    area: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    phone: Phone | None = None
    best_times: Text1000 | None = None
    identity_number: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    contacts: Annotated[list[ContactIn], msgspec.Meta(max_length=20)] | None = None


class CustomerOut(msgspec.Struct, kw_only=True):
    id: UUID
    provider_id: UUID
    name: str
    street_address: str
    postal_code: str
    city: str
    area: str
    phone: str
    best_times: str
    identity_number_masked: str
    contacts: list[ContactOut]
    updated_at: datetime
