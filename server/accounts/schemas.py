"""Wire types of the accounts area."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Username = Annotated[str, msgspec.Meta(min_length=3, max_length=100, pattern=r"^[a-zA-Z0-9._@-]+$")]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[0-9+()\- ]*$")]
RoleName = Literal["orderer", "planner", "fitter", "admin"]
OrganisationKindName = Literal["home_care_provider", "fitters_company", "administration"]


class LoginRequest(msgspec.Struct, kw_only=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class UserOut(msgspec.Struct, kw_only=True):
    id: UUID
    organisation_id: UUID
    username: str
    full_name: str
    email: str
    phone: str
    roles: list[str]
    areas: list[str]
    active: bool


class LoginResponse(msgspec.Struct, kw_only=True):
    user: UserOut
    csrf_token: str
    expires_at: datetime


class OrganisationIn(msgspec.Struct, kw_only=True):
    name: Name
    kind: OrganisationKindName
    email: Email = ""
    phone: Phone = ""
    completion_copy_email: Email = ""
    administration_email: Email = ""
    contractor_id: UUID | None = None


class OrganisationOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: str
    email: str
    phone: str
    completion_copy_email: str
    administration_email: str
    contractor_id: UUID | None


class UserIn(msgspec.Struct, kw_only=True):
    organisation_id: UUID
    username: Username
    full_name: Name
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]
    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=4)]
    email: Email = ""
    phone: Phone = ""
    areas: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]],
        msgspec.Meta(max_length=50),
    ] = []


class DeviceIn(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class DeviceOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    # The device token that made this one (tokens made before devices were refused that).
    parent_id: UUID | None = None


class DeviceCreated(msgspec.Struct, kw_only=True):
    device: DeviceOut
    token: str


class OrganisationPatch(msgspec.Struct, kw_only=True):
    """What an administrator may change of an organisation; a field left out stays."""

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    completion_copy_email: Email | None = None
    administration_email: Email | None = None


Area = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class UserPatch(msgspec.Struct, kw_only=True):
    """What an administrator may change of a user; a field left out stays. ``active: false``
    disables the user: their sessions end and their device tokens stop working at once."""

    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=4)] | None = None
    areas: Annotated[list[Area], msgspec.Meta(max_length=50)] | None = None
    active: bool | None = None


class PasswordReset(msgspec.Struct, kw_only=True):
    """The new password an administrator sets (the password rules: at least 10 characters)."""

    password: Annotated[str, msgspec.Meta(min_length=10, max_length=1000)]
