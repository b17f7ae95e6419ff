"""Revoking what a visit was issued once the visit is no longer what it was issued for.

A cancelled, completed, rebooked, paused or reassigned order, and a lock replaced during a
service visit, call `revoke_for_order` in the same transaction as the change. It marks the
order's issuances revoked (evidence the lock signs after that moment is refused: see
``server.locks.evidence``) and raises the credential epoch of every lock that had a staff
credential from the order that a lock could still accept.

How a lock learns of it: every staff or hub credential the server signs carries the lock's
current epoch and comes with a server-signed `EpochUpdate` naming it as the minimum; the
gateway keeps the newest one per lock and pushes it (SET_MIN_EPOCH) at every contact with the
lock, online or offline, before its command. From then on the lock refuses every credential
signed below it. Until some gateway (the next fitter's, or a hub's scheduled reading) reaches
the lock, an offline gateway that cached a revoked credential can still use it within the
credential's visit window: the window is what bounds that case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lock_protocol.timing import CLOCK_SKEW_SECONDS
from server.locks.evidence import PURPOSE_STAFF_CREDENTIAL
from server.locks.tables import Lock, LockIssuance


async def revoke_for_order(order_id: Any, now: datetime, *, serial: str | None = None) -> list[str]:
    """Revoke the order's live issuances (``serial``: only those for that lock) and raise the
    epoch of the locks whose credentials a lock could still accept; returns their serials."""
    condition = (LockIssuance.order_id == order_id) & LockIssuance.revoked_at.is_null()
    if serial is not None:
        condition &= LockIssuance.lock_serial == serial
    revoked = await (
        LockIssuance.update({LockIssuance.revoked_at: now})
        .where(condition)
        .returning(LockIssuance.purpose, LockIssuance.lock_serial, LockIssuance.expires_at)
    )
    # A lock accepts a credential until its end plus the clock skew it tolerates.
    still_accepted = now - timedelta(seconds=CLOCK_SKEW_SECONDS)
    serials = sorted(
        {
            row["lock_serial"]
            for row in revoked
            if row["purpose"] == PURPOSE_STAFF_CREDENTIAL
            and row["lock_serial"]
            and row["expires_at"] >= still_accepted
        }
    )
    if serial is not None and serial not in serials:
        serials.append(serial)  # a replaced lock: nothing issued for it is accepted any more
    if serials:
        await Lock.update({Lock.credential_epoch: Lock.credential_epoch + 1}).where(
            Lock.serial.is_in(serials)
        )
    return serials
