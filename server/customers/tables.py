"""Customers and their contacts (relatives, neighbours, staff)."""

from __future__ import annotations

from piccolo.columns import UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Organisation


class Customer(Table):
    id = UUID(primary_key=True)
    provider = ForeignKey(
        Organisation, null=False, help_text="The home-care provider the customer belongs to."
    )
    name = Varchar(length=200)
    street_address = Varchar(length=200)
    postal_code = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    area = Varchar(length=100, default="", index=True)
    phone = Varchar(length=40, default="")
    best_times = Text(default="", help_text="When the customer is best reached.")
    identity_number_ciphertext = Text(
        default="",
        secret=True,
        help_text="Personal identity number, AES-GCM encrypted; never logged or sent clear.",
    )
    identity_number_masked = Varchar(length=20, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CustomerContact(Table):
    id = UUID(primary_key=True)
    customer = ForeignKey(Customer, null=False)
    name = Varchar(length=200)
    relation = Varchar(length=40, help_text="relative | neighbour | staff | guardian | other")
    phone = Varchar(length=40)
    best_times = Text(default="")
