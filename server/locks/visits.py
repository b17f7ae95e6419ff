"""Questions about a visit's locks that need the database: does the visit have lock evidence
(the question the completion guard asks, DESIGN.md), and may it pair this lock (asked when a
pairing ticket is issued and again when the receipt comes in)."""

from __future__ import annotations

from typing import Any

from server.locks.pairing_rules import PairingVisit, check_pairing
from server.locks.tables import Lock, LockReport
from server.orders.lifecycle import EVIDENCE_POLICY, EvidenceLock, OrderKind


async def visit_has_lock_evidence(order: dict[str, Any]) -> bool:
    """True when a lock-signed report verified for this order's visit exists: the report and
    the lock the order's kind names in ``EVIDENCE_POLICY`` (server.orders.lifecycle).

    Reports belong to an order through the server nonce issued for that order's visit, which is
    issued only while the order is booked or under way, so they are from this visit.
    """
    policy = EVIDENCE_POLICY[OrderKind(order["kind"])]
    if policy.report is None:
        return False
    condition = (LockReport.order_id == order["id"]) & (LockReport.kind == policy.report)
    if policy.lock is EvidenceLock.AT_CUSTOMER:
        condition &= LockReport.lock.customer == order["customer"]
    else:
        if order["lock"] is None:
            return False
        condition &= LockReport.lock == order["lock"]
    return bool(await LockReport.exists().where(condition))


async def check_order_pairing(order: dict[str, Any], serial: str | None) -> str | None:
    """`check_pairing` for this order and lock (server.locks.pairing_rules), asked before a
    pairing ticket is issued and again when the lock's receipt arrives; returns the serial of
    the lock the order names."""
    named = None
    if order["lock"] is not None:
        row = await Lock.select(Lock.serial).where(Lock.id == order["lock"]).first()
        named = row["serial"] if row else None
    elsewhere = False
    if serial is not None:
        lock = await Lock.select().where(Lock.serial == serial).first()
        elsewhere = (
            lock is not None
            and lock["state"] == "installed"
            and lock["customer"] is not None
            and lock["customer"] != order["customer"]
        )
    check_pairing(PairingVisit(OrderKind(order["kind"]), named), serial, elsewhere)
    return named
