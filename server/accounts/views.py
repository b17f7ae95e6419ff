"""Wire encoders of the accounts area: rows as the API shows them."""

from __future__ import annotations

from typing import Any

from server.accounts.schemas import DeviceOut, OrganisationOut, UserOut


def user_out(row: dict[str, Any]) -> UserOut:
    return UserOut(
        id=row["id"],
        organisation_id=row["organisation"],
        username=row["username"],
        full_name=row["full_name"],
        email=row["email"],
        phone=row["phone"],
        roles=list(row["roles"]),
        areas=list(row["areas"]),
        active=row["active"],
    )


def organisation_out(row: dict[str, Any]) -> OrganisationOut:
    return OrganisationOut(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        email=row["email"],
        phone=row["phone"],
        completion_copy_email=row["completion_copy_email"],
        administration_email=row["administration_email"],
        contractor_id=row["contractor"],
    )


def device_out(row: dict[str, Any]) -> DeviceOut:
    return DeviceOut(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked=row["revoked"],
        parent_id=row["parent"],
    )
