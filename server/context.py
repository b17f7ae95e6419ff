"""What services and background jobs are given: the app's parts, with no web framework.

The routes get the same ``Services`` through the web layer's providers; services, jobs and
the sync engine import it from here, so that none of them imports Litestar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine

from server.accounts.service import AccountService
from server.calendar.working_days import WorkingDayCalendar
from server.clock import Clock
from server.errors import NotFound
from server.locks.authority import LockAuthority
from server.notify.keys import VapidKeys
from server.secrets_box import SecretBox
from server.settings import Settings


@dataclass
class Services:
    """The running app's parts, made once at start-up (``server.app.create_app``)."""

    settings: Settings
    clock: Clock
    box: SecretBox
    calendar: WorkingDayCalendar
    accounts: AccountService
    engine: Engine[Any]
    # The server's VAPID key pair, loaded at start-up.
    vapid: VapidKeys
    # The lock authority: signing key, operator certificate, trusted factories.
    lock_authority: LockAuthority


def found(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """The row, or NotFound naming what was looked for."""
    if row is None:
        raise NotFound(f"No such {what}.")
    return row
