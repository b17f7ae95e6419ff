"""Wire types of the booking area (seed 002)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.wire import Bounded, Day

# A fitter's day is at most a few dozen visits; a bulk letter run a few hundred, rarely more
# than a thousand (bench/letters.py measures 1,000).
MAX_ORDERS_PER_LOCK = 200
MAX_ORDERS_PER_JOB = 2000
MAX_LETTERS_PER_REQUEST = 2000

OrderIds = Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=MAX_ORDERS_PER_JOB)]


class LockIn(Bounded, kw_only=True):
    """Lock one or more orders, or all of a fitter's scheduled orders on a day."""

    order_ids: Annotated[list[UUID], msgspec.Meta(max_length=MAX_ORDERS_PER_LOCK)] = []
    fitter_id: UUID | None = None
    day: Day | None = None
    channel: Literal["letter", "sms"] = "letter"


class OrdersIn(msgspec.Struct, kw_only=True):
    order_ids: OrderIds


class LettersIn(msgspec.Struct, kw_only=True):
    letter_ids: Annotated[
        list[UUID], msgspec.Meta(min_length=1, max_length=MAX_LETTERS_PER_REQUEST)
    ]


class VersionIn(msgspec.Struct, kw_only=True):
    expected_version: int | None = None


class PublicReplyIn(msgspec.Struct, kw_only=True):
    """The reply page's form: the code as typed and the answer (seed 002: code + text)."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class Refusal(msgspec.Struct, kw_only=True):
    order_id: str
    reference: str
    code: str
    missing: list[str]
    message: str
    message_sv: str


class Locked(msgspec.Struct, kw_only=True):
    order_id: str
    reference: str
    booking_code: str


class LockOut(msgspec.Struct, kw_only=True):
    locked: list[Locked]
    refused: list[Refusal]


class SentOut(msgspec.Struct, kw_only=True):
    order_id: str
    reference: str


class SmsBookingOut(msgspec.Struct, kw_only=True):
    sent: list[SentOut]
    refused: list[Refusal]


class LetterJobOut(msgspec.Struct, kw_only=True):
    id: UUID
    state: str
    total: int
    done: int
    failed: int
    refused: list[Refusal]
    created_at: datetime
    finished_at: datetime | None


class LetterOut(msgspec.Struct, kw_only=True):
    id: UUID
    order_id: UUID
    reference: str
    resident_name: str
    street: str
    town: str
    planned_start: datetime | None
    fitter_name: str | None
    booking_code: str
    language: str
    pages: int
    created_at: datetime
    printed_at: datetime | None


class MarkedOut(msgspec.Struct, kw_only=True):
    marked: int


class ReplyOut(msgspec.Struct, kw_only=True):
    id: UUID
    channel: str
    received_at: datetime
    code_typed: str
    text: str
    order_id: UUID | None
    reference: str | None
    outcome: str
    handled_at: datetime | None
    sender: str = ""


class BookingSmsOut(msgspec.Struct, kw_only=True):
    kind: str  # booking_sms | booking_reminder | confirmation | appointment_reminder
    at: datetime
    state: str


class OrderBookingOut(msgspec.Struct, kw_only=True):
    booking_code: str | None
    channel: str | None
    sent_at: datetime | None
    reply_text: str
    letter: LetterOut | None
    replies: list[ReplyOut]
    reminders: list[BookingSmsOut]


class ReceivedOut(msgspec.Struct, kw_only=True):
    received: bool = True
