"""The change log, the counter that numbers it in commit order, clients and their mutations."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import User


class SyncCounter(Table):
    """One row; its value is the newest change number.

    Taken with ``UPDATE ... RETURNING`` as the last statement of a writing transaction: the row
    lock (PostgreSQL) or the write lock (SQLite, ``BEGIN IMMEDIATE``) is held until commit, so
    numbers are handed out in commit order and a reader never skips a row committed late.
    """

    id = Integer(primary_key=True)
    value = BigInt(default=0)


class SyncChange(Table):
    """The newest change of one entity in one scope (compacted: one row per scope and entity).

    ``removed`` marks that the entity left this scope (or was deleted).
    """

    id = UUID(primary_key=True)
    key = Varchar(length=160, unique=True, help_text="scope|entity|entity_id")
    scope = Varchar(length=60, help_text="all | org:ID | company:ID | fitter:ID | user:ID | stock")
    entity = Varchar(length=30)
    entity_id = UUID(index=True)
    change_number = BigInt(index=True)
    removed = Boolean(default=False)


class SyncClient(Table):
    """A registered client (a PWA install or a gateway) and the last sequence it pushed."""

    id = UUID(primary_key=True)
    user = ForeignKey(User, null=False)
    device = Varchar(length=100, default="")
    last_seq = BigInt(default=0)
    schema_version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())


class SyncMutation(Table):
    """The outcome of one pushed mutation, kept so a retry gets the same answer (exactly once)."""

    id = UUID(primary_key=True, help_text="The mutation's own UUID, made on the device.")
    key = Varchar(length=60, unique=True, help_text="client_id:seq")
    # Not a foreign key: outcomes outlive a client's registration, so that a mutation re-sent
    # after the server forgot the client is still recognised by its id.
    client_id = UUID()
    user = ForeignKey(User, null=False)
    seq = BigInt()
    name = Varchar(length=40)
    args = JSON(default={})
    status = Varchar(length=12, help_text="applied | rejected | overridden")
    code = Varchar(length=60, default="")
    message = Text(default="")
    message_sv = Text(default="")
    entity_id = UUID(null=True, default=None, help_text="The order (or other row) it concerned.")
    change_number = BigInt(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())


class SyncResend(Table):
    """A sequence number taken by a mutation whose outcome is stored under another one.

    A mutation re-sent after its client registered anew (or sent twice in one batch) is
    answered with its first outcome, but it takes a sequence number of the sending client: this
    row keeps that number's answer, so a resend of the same batch finds it (never
    ``sequence_lost``).
    """

    id = UUID(primary_key=True)
    key = Varchar(length=60, unique=True, help_text="client_id:seq")
    mutation = UUID(help_text="The SyncMutation whose outcome answers this sequence number.")
    at = Timestamptz(default=TimestamptzNow())
