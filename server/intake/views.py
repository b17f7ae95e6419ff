"""Rows of the intake area as wire types."""

from __future__ import annotations

from typing import Any

from server.intake.cases import CaseStatus, allowed_actions
from server.intake.schemas import (
    CaseOut,
    CaseSummaryOut,
    CustomerRef,
    LockRef,
    OrderRef,
    PhotoInfo,
    QrTokenOut,
    ReporterOut,
)


def case_summary_out(row: dict[str, Any]) -> CaseSummaryOut:
    return CaseSummaryOut(
        id=row["id"],
        number=row["number"],
        status=row["status"],
        received_at=row["received_at"],
        text=row["text"],
        reporter_name=row["reporter_name"],
        reporter_relation=row["reporter_relation"],
        has_photo=row["photo_width"] is not None,
        from_qr=row["qr_token"] is not None,
        lock_serial=row["lock_serial"],
        customer_name=row["customer_name"],
        order_reference=row["order_reference"],
    )


def case_out(row: dict[str, Any]) -> CaseOut:
    return CaseOut(
        id=row["id"],
        number=row["number"],
        status=row["status"],
        received_at=row["received_at"],
        updated_at=row["updated_at"],
        text=row["text"],
        reporter=ReporterOut(
            name=row["reporter_name"],
            phone=row["reporter_phone"],
            email=row["reporter_email"],
            relation=row["reporter_relation"],
        ),
        language=row["language"],
        photo=(
            PhotoInfo(
                width=row["photo_width"],
                height=row["photo_height"],
                url=f"/api/cases/{row['id']}/photo",
            )
            if row["photo_width"] is not None
            else None
        ),
        from_qr=row["qr_token"] is not None,
        lock=(
            LockRef(
                id=row["lock"],
                serial=row["lock_serial"] or "",
                kind=row["lock_kind"] or "door",
                state=row["lock_state"] or "",
            )
            if row["lock"] is not None
            else None
        ),
        customer=(
            CustomerRef(
                id=row["customer"],
                name=row["customer_name"] or "",
                street_address=row["customer_street"] or "",
                postal_code=row["customer_postcode"] or "",
                city=row["customer_city"] or "",
                area=row["customer_area"] or "",
            )
            if row["customer"] is not None
            else None
        ),
        customer_locks=[
            LockRef(id=r["id"], serial=r["serial"], kind=r["kind"], state=r["state"])
            for r in row.get("customer_locks", [])
        ],
        order=(
            OrderRef(id=row["order"], reference=row["order_reference"] or "")
            if row["order"] is not None
            else None
        ),
        answer=row["answer"],
        triaged_at=row["triaged_at"],
        triaged_by_name=row["triaged_by_name"],
        closed_at=row["closed_at"],
        closed_by_name=row["closed_by_name"],
        allowed_actions=[a.value for a in allowed_actions(CaseStatus(row["status"]))],
    )


def qr_token_out(row: dict[str, Any]) -> QrTokenOut:
    return QrTokenOut(
        id=row["id"],
        token=row["token"],
        url=row["url"],
        lock_id=row["lock"],
        customer_id=row["customer"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
