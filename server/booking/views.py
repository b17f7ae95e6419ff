"""Rows of the booking area as wire types."""

from __future__ import annotations

from typing import Any

from server.booking import codes
from server.booking.schemas import (
    BookingSmsOut,
    LetterJobOut,
    LetterOut,
    OrderBookingOut,
    Refusal,
    ReplyOut,
)


def refusal_out(entry: dict[str, Any]) -> Refusal:
    return Refusal(
        order_id=str(entry["order_id"]),
        reference=entry.get("reference", ""),
        code=entry.get("code", ""),
        missing=list(entry.get("missing", [])),
        message=entry.get("message", ""),
        message_sv=entry.get("message_sv", ""),
    )


def job_out(row: dict[str, Any]) -> LetterJobOut:
    return LetterJobOut(
        id=row["id"],
        state=row["state"],
        total=row["total"],
        done=row["done"],
        failed=row["failed"],
        refused=[refusal_out(r) for r in row["refused"] or []],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


def letter_out(row: dict[str, Any]) -> LetterOut:
    return LetterOut(
        id=row["id"],
        order_id=row["order"],
        reference=row["reference"],
        resident_name=row["resident_name"] or "",
        street=row["street"] or "",
        town=row["town"] or "",
        planned_start=row["planned_start"],
        fitter_name=row["fitter_name"],
        booking_code=codes.format_code(row["code"]),
        language=row["language"],
        pages=row["pages"],
        created_at=row["created_at"],
        printed_at=row["printed_at"],
    )


def reply_out(row: dict[str, Any]) -> ReplyOut:
    return ReplyOut(
        id=row["id"],
        channel=row["channel"],
        received_at=row["received_at"],
        code_typed=row["code_typed"],
        text=row["text"],
        order_id=row["order"],
        reference=row.get("reference"),
        outcome=row["outcome"],
        handled_at=row["handled_at"],
        sender=row.get("sender") or "",
    )


def order_booking_out(data: dict[str, Any]) -> OrderBookingOut:
    code = data["booking_code"]
    return OrderBookingOut(
        booking_code=codes.format_code(code) if code else None,
        channel=data["channel"],
        sent_at=data["sent_at"],
        reply_text=data["reply_text"],
        letter=letter_out(data["letter"]) if data["letter"] else None,
        replies=[reply_out(r) for r in data["replies"]],
        reminders=[
            BookingSmsOut(kind=r["kind"], at=r["at"], state=r["state"]) for r in data["reminders"]
        ],
    )
