"""Wire encoders of the locks area: rows as the API and the sync protocol show them."""

from __future__ import annotations

from typing import Any

from server.locks.schemas import LockOut, LockReportOut


def lock_out(row: dict[str, Any]) -> LockOut:
    return LockOut(
        id=row["id"],
        serial=row["serial"],
        model=row["model"],
        kind=row["kind"],
        firmware=row["firmware"],
        state=row["state"],
        battery_percent=row["battery_percent"],
        battery_millivolts=row["battery_millivolts"],
        battery_verified_at=row["battery_verified_at"],
        last_seen_at=row["last_seen_at"],
        customer_id=row["customer"],
        installed_at=row["installed_at"],
        # Only a verified lock-signed report sets the counter (server.locks.evidence_intake), so the
        # battery and firmware shown come from the lock itself, not from a person or an import.
        verified_by_lock=row["report_counter"] is not None,
    )


def lock_report_out(r: dict[str, Any]) -> LockReportOut:
    return LockReportOut(
        id=r["id"],
        lock_id=r["lock"],
        kind=r["kind"],
        counter=r["counter"],
        lock_time=r["lock_time"],
        values=r["values"] or {},
        order_id=r["order_id"],
        verified_at=r["verified_at"],
        received_via=r["received_via"],
    )
