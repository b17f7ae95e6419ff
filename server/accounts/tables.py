"""Organisations, users, login sessions, device tokens and login failures."""

from __future__ import annotations

from typing import Any

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Organisation(Table):
    id = UUID(primary_key=True)
    name = Varchar(length=200, unique=True)
    kind = Varchar(
        length=20,
        help_text="home_care_provider | fitters_company | administration",
    )
    email = Varchar(length=254, default="")
    phone = Varchar(length=40, default="")
    completion_copy_email = Varchar(
        length=254,
        default="",
        help_text="Copy of every completion e-mail (seed 000: Seniorguide).",
    )
    administration_email = Varchar(
        length=254,
        default="",
        help_text=(
            "For a home-care provider: the municipality's system administration, which gets "
            "level-2 escalations (seed 000 'Steg 2': KLK-IT). Empty: the e-mail of the "
            "administration organisation(s)."
        ),
    )
    contractor: ForeignKey[Any] = ForeignKey(
        "self",
        null=True,
        default=None,
        help_text="For a home-care provider: the fitters' company that does its jobs.",
    )
    created_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="lockwork_user"):
    id = UUID(primary_key=True)
    organisation = ForeignKey(Organisation, null=False)
    username = Varchar(length=100, unique=True, index=True, index_method=IndexMethod.btree)
    full_name = Varchar(length=200)
    email = Varchar(length=254, default="")
    phone = Varchar(length=40, default="")
    roles = JSON(default=[], help_text="List of orderer, planner, fitter, admin.")
    areas = JSON(default=[], help_text="Geographic areas the user works in.")
    password_hash = Text(default="", secret=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    calendar_feed_hash = Varchar(
        length=64,
        null=True,
        default=None,
        index=True,
        secret=True,
        help_text="SHA-256 of the fitter's calendar feed secret (the only credential of "
        "GET /api/calendar/{secret}.ics); empty: no feed.",
    )


class LoginSession(Table):
    """A browser session: the cookie carries a random token; only its hash is stored."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(User, null=False)
    csrf_token = Varchar(length=64, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    user_agent = Varchar(length=300, default="")


class DeviceToken(Table):
    """A bearer token for a device (a gateway) acting for a user; only its hash is stored."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(User, null=False)
    name = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked = Boolean(default=False)
    parent = UUID(
        null=True,
        default=None,
        index=True,
        help_text="The device token that made this one, if one did; revoking it revokes this.",
    )


class LoginFailure(Table):
    """One failed login, kept for the throttling window.

    ``account_key`` is a keyed hash of the user name, so a probe for many names stores none.
    """

    id = UUID(primary_key=True)
    client_address = Varchar(length=64, index=True)
    account_key = Varchar(length=64, index=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
