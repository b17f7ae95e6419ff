"""Locks. Battery, firmware and last-seen come from lock reports, never typed in by a person."""

from __future__ import annotations

from piccolo.columns import UUID, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.customers.tables import Customer


class Lock(Table):
    id = UUID(primary_key=True)
    serial = Varchar(length=40, unique=True, index=True)
    model = Varchar(length=60)
    kind = Varchar(length=20, default="door", help_text="door | entrance")
    firmware = Varchar(length=40, default="")
    state = Varchar(
        length=20, default="in_stock", help_text="in_stock | installed | removed | faulty"
    )
    battery_percent = Integer(null=True, default=None)
    battery_millivolts = Integer(null=True, default=None)
    battery_verified_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
    customer = ForeignKey(Customer, null=True, default=None)
    installed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
