"""Fault cases from outside and the QR tokens printed on labels (issue 13; seeds 003, 004)."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import User
from server.customers.tables import Customer
from server.locks.tables import Lock
from server.orders.tables import WorkOrder


class QrToken(Table, tablename="qr_token"):
    """A QR label's token (server.intake.tokens): it points at one lock or one customer.

    The label carries only ``token_id`` and a signature over it and this row's target; no
    personal data. Revoked tokens stay (a report that came with one is refused, and the audit
    keeps who made and revoked what).
    """

    id = UUID(primary_key=True)
    token_id = Varchar(length=24, unique=True, index=True, help_text="Random, in the label.")
    lock = ForeignKey(Lock, null=True, default=None, index=True)
    customer = ForeignKey(
        Customer, null=True, default=None, index=True, help_text="A site's label (no lock)."
    )
    created_by = ForeignKey(User, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(User, null=True, default=None)


class FaultCase(Table, tablename="fault_case"):
    """A fault report from outside, without login (server.intake.cases for its life cycle).

    Never an order by itself: a planner makes one from it, or closes it with an answer that
    the reporter reads through the follow link.
    """

    id = UUID(primary_key=True)
    number = Varchar(length=16, unique=True, help_text="F-2026-000123: read out on the phone.")
    year = Integer(help_text="The local year of its number.")
    sequence = Integer(help_text="Its running number within the year.")
    status = Varchar(length=10, default="new", index=True, help_text="new | triaged | closed")
    text = Text(help_text="What happened, in the reporter's words.")
    reporter_name = Varchar(length=200, default="")
    reporter_phone = Varchar(length=40, default="")
    reporter_email = Varchar(length=254, default="")
    reporter_relation = Varchar(
        length=20, default="", help_text="resident | relative | caretaker | staff | other"
    )
    language = Varchar(length=5, default="sv", help_text="The page's language: sv | nb | en.")
    photo = Bytea(null=True, default=None, help_text="Re-encoded JPEG without metadata.")
    photo_width = Integer(null=True, default=None)
    photo_height = Integer(null=True, default=None)
    # A case outlives what it pointed at (set to null, never deleted with it).
    qr_token = ForeignKey(QrToken, null=True, default=None, on_delete=OnDelete.set_null)
    lock = ForeignKey(
        Lock,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        help_text="From the QR token, if any.",
    )
    customer = ForeignKey(
        Customer,
        null=True,
        default=None,
        index=True,
        on_delete=OnDelete.set_null,
        help_text="From the QR token (its lock's customer then); none: every planner sees it.",
    )
    follow_hash = Varchar(
        length=64, unique=True, secret=True, help_text="SHA-256 of the reporter's follow secret."
    )
    client_key = Varchar(
        length=64, default="", index=True, help_text="A keyed hash of the address: the limit."
    )
    received_at = Timestamptz(default=TimestamptzNow(), index=True)
    order = ForeignKey(
        WorkOrder,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        help_text="The order made from it.",
    )
    triaged_by = ForeignKey(User, null=True, default=None)
    triaged_at = Timestamptz(null=True, default=None)
    answer = Text(default="", help_text="The planner's answer; the reporter reads it.")
    closed_by = ForeignKey(User, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())
