"""Responsibility areas, fitter groups, assignment rules, recurring schedules and the battery
rule of a fitters' company (issue 13)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Organisation, User
from server.locks.tables import Lock


class Area(Table, tablename="routing_area"):
    id = UUID(primary_key=True)
    organisation = ForeignKey(Organisation, null=False, index=True)
    name = Varchar(length=100)
    kind = Varchar(length=12, help_text="district | postcode | addresses")
    values = JSON(default=[], help_text="District names, postcode prefixes or street addresses.")


class FitterGroup(Table, tablename="routing_group"):
    id = UUID(primary_key=True)
    organisation = ForeignKey(Organisation, null=False, index=True)
    name = Varchar(length=100)
    members = JSON(default=[], help_text="The fitters' user ids.")


class AssignmentRule(Table, tablename="routing_rule"):
    """One row of the planner's ordered list (server.routing.rules)."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(Organisation, null=False, index=True)
    position = Integer(help_text="Its place in the list: the first match wins.")
    name = Varchar(length=200)
    area = UUID(null=True, default=None, help_text="A routing_area; none: anywhere.")
    kinds = JSON(default=[], help_text="Order kinds it matches; empty: every kind.")
    provider = UUID(null=True, default=None, help_text="One home-care provider; none: all.")
    fitter = UUID(null=True, default=None)
    fitter_group = UUID(null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RecurringSchedule(Table, tablename="routing_schedule"):
    """Orders made on a schedule (server.routing.recurrence) for every matching lock."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(Organisation, null=False, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, help_text="The order kind it makes: battery | inspection | service")
    lock_model = Varchar(length=60, default="", help_text="Only locks of this model; '': all.")
    first_day = Date()
    interval_months = Integer()
    lead_days = Integer(default=14)
    paused = Boolean(default=False)
    created_by = ForeignKey(User, null=False, help_text="Named as the orders' orderer.")
    created_at = Timestamptz(default=TimestamptzNow())


class ScheduleRun(Table, tablename="routing_schedule_run"):
    """One schedule's period for one lock: made once (unique key), with what came of it."""

    id = UUID(primary_key=True)
    run_key = Varchar(
        length=120, unique=True, help_text="schedule:period:lock - never two for the same."
    )
    schedule = ForeignKey(RecurringSchedule, null=False, index=True)
    period = Varchar(length=10, help_text="The period's first day.")
    lock = ForeignKey(Lock, null=False)
    order_id = UUID(null=True, default=None, help_text="The order made, if one was.")
    skipped = Text(default="", help_text="Why none was made (an open order covers it).")
    at = Timestamptz()


class BatteryRule(Table, tablename="routing_battery_rule"):
    """Automatic battery orders for the locks a fitters' company serves."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(Organisation, null=False, unique=True)
    below_percent = Integer(default=20, help_text="A verified reading under this: an order.")
    stale_after_days = Integer(
        default=90, help_text="No verified reading for this long: an order (to read it)."
    )
    active = Boolean(default=True)
    created_by = ForeignKey(User, null=False, help_text="Named as the orders' orderer.")
    updated_at = Timestamptz(default=TimestamptzNow())
