"""Wire types of the locks area."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec


class LockIn(msgspec.Struct, kw_only=True):
    serial: Annotated[str, msgspec.Meta(min_length=4, max_length=40, pattern=r"^[A-Z0-9-]+$")]
    model: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    kind: Literal["door", "entrance"] = "door"
    customer_id: UUID | None = None


class LockOut(msgspec.Struct, kw_only=True):
    id: UUID
    serial: str
    model: str
    kind: str
    firmware: str
    state: str
    battery_percent: int | None
    battery_millivolts: int | None
    battery_verified_at: datetime | None
    last_seen_at: datetime | None
    customer_id: UUID | None
    installed_at: datetime | None
    verified_by_lock: bool = False


class LockReportOut(msgspec.Struct, kw_only=True):
    """One piece of lock-signed evidence, as verified (read-only: there is no way to write one
    except the lock's own signature through lock_report.add)."""

    id: UUID
    lock_id: UUID
    kind: str
    counter: int | None
    lock_time: datetime
    values: dict[str, Any]
    order_id: UUID | None
    verified_at: datetime
    received_via: str


# A building's hub reaches the locks within radio range; a few hundred is far beyond that.
MAX_SERVED_LOCKS = 500


class ServedLocksIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    lock_ids: Annotated[list[UUID], msgspec.Meta(max_length=MAX_SERVED_LOCKS)]


class ServedLocksOut(msgspec.Struct, kw_only=True):
    device_id: UUID
    lock_ids: list[UUID]


class HubCredentialIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    staff_public_key: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-fA-F]{64}$")]
    serial: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    lock_certificate: (
        Annotated[str, msgspec.Meta(max_length=2048, pattern=r"^[0-9a-fA-F]+$")] | None
    ) = None
