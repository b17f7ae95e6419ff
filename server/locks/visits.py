"""Does a visit have lock evidence? The question the completion guard asks (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from server.locks.evidence import LOCK_REPORT, PAIRING_RECEIPT
from server.locks.tables import LockReport
from server.orders.lifecycle import OrderKind


async def visit_has_lock_evidence(order: dict[str, Any]) -> bool:
    """True when a lock-signed report verified for this order's visit exists: for an
    installation, the new lock's pairing receipt at the order's customer; for service and
    battery orders, a report (battery read) from the order's lock.

    Reports belong to an order through the server nonce issued for that order's visit, which is
    issued only while the order is booked or under way, so they are from this visit.
    """
    kind = OrderKind(order["kind"])
    condition = LockReport.order_id == order["id"]
    if kind is OrderKind.INSTALLATION:
        condition &= (LockReport.kind == PAIRING_RECEIPT) & (
            LockReport.lock.customer == order["customer"]
        )
    elif kind in (OrderKind.SERVICE, OrderKind.BATTERY):
        if order["lock"] is None:
            return False
        condition &= (LockReport.kind == LOCK_REPORT) & (LockReport.lock == order["lock"])
    else:
        return False
    return bool(await LockReport.exists().where(condition))
