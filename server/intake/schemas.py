"""Wire types of the intake area: the public fault report, the planners' cases, QR tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

# A photo the page has drawn again at most 1600 px as a JPEG is a few hundred kB; a phone that
# could not scale it sends its camera's file, which this still admits. Decoded bytes.
MAX_PHOTO_BYTES = 4 * 1024 * 1024
# The whole request: the photo as base64 (4/3 of it) and the text, with room to spare.
MAX_REPORT_BODY_BYTES = 6 * 1024 * 1024
MAX_TEXT = 4000
MAX_ANSWER = 2000

Relation = Literal["", "resident", "relative", "caretaker", "staff", "other"]
Language = Literal["sv", "nb", "en"]
Kind = Literal["installation", "service", "battery", "removal", "inspection"]


class FormTokenOut(msgspec.Struct, kw_only=True):
    """The report form's token, and how many seconds it must be old before a report with it
    is accepted (the page waits that long at most, which a person never notices)."""

    form_token: str
    wait_seconds: int


class FaultReportIn(msgspec.Struct, kw_only=True):
    """A fault report from the public page /f, as JSON (the photo as base64, see README)."""

    form_token: Annotated[str, msgspec.Meta(max_length=80)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT)]
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=40)] = ""
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    relation: Relation = ""
    language: Language = "sv"
    # The label's token, from the page address's fragment (/f#t=...), if the page came from one.
    qr_token: Annotated[str, msgspec.Meta(max_length=80)] | None = None
    photo: Annotated[bytes, msgspec.Meta(max_length=MAX_PHOTO_BYTES)] | None = None
    # The honeypot: a field people never see nor fill; a machine filling every field does.
    homepage: Annotated[str, msgspec.Meta(max_length=200)] = ""


class ReceiptOut(msgspec.Struct, kw_only=True):
    """What the reporter keeps: the case number and the secret of the follow link."""

    number: str
    follow_secret: str
    follow_path: str


class FollowOut(msgspec.Struct, kw_only=True):
    """What the follow link shows: the status and the planner's answer, nothing else."""

    number: str
    status: str
    answer: str


class ReporterOut(msgspec.Struct, kw_only=True):
    name: str
    phone: str
    email: str
    relation: str


class LockRef(msgspec.Struct, kw_only=True):
    id: UUID
    serial: str
    kind: str = "door"
    state: str = ""


class CustomerRef(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    street_address: str
    postal_code: str
    city: str
    area: str


class OrderRef(msgspec.Struct, kw_only=True):
    id: UUID
    reference: str


class CaseSummaryOut(msgspec.Struct, kw_only=True):
    id: UUID
    number: str
    status: str
    received_at: datetime
    text: str
    reporter_name: str
    reporter_relation: str
    has_photo: bool
    from_qr: bool
    lock_serial: str | None
    customer_name: str | None
    order_reference: str | None


class CasePage(msgspec.Struct, kw_only=True):
    total: int
    limit: int
    offset: int
    items: list[CaseSummaryOut]


class PhotoInfo(msgspec.Struct, kw_only=True):
    width: int
    height: int
    url: str


class CaseOut(msgspec.Struct, kw_only=True):
    id: UUID
    number: str
    status: str
    received_at: datetime
    updated_at: datetime
    text: str
    reporter: ReporterOut
    language: str
    photo: PhotoInfo | None
    from_qr: bool
    lock: LockRef | None
    customer: CustomerRef | None
    # The customer's locks, to choose from when an order is made (the token's lock first).
    customer_locks: list[LockRef]
    order: OrderRef | None
    answer: str
    triaged_at: datetime | None
    triaged_by_name: str | None
    closed_at: datetime | None
    closed_by_name: str | None
    allowed_actions: list[str]


class CloseIn(msgspec.Struct, kw_only=True):
    """The answer the reporter reads through the follow link."""

    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ANSWER)]


class MakeOrderIn(msgspec.Struct, kw_only=True):
    kind: Kind
    customer_id: UUID
    lock_id: UUID | None = None
    # Empty: the reporter's text with the case number and how to reach them.
    description: Annotated[str, msgspec.Meta(max_length=MAX_TEXT)] = ""
    # Optional word to the reporter now ("A fitter will call you"); they see it when following.
    answer: Annotated[str, msgspec.Meta(max_length=MAX_ANSWER)] = ""


class MadeOrderOut(msgspec.Struct, kw_only=True):
    case: CaseOut
    order_id: UUID
    order_reference: str


class QrTokenIn(msgspec.Struct, kw_only=True):
    """A label for one lock, or for one customer's site (a lock or a customer, not both)."""

    lock_id: UUID | None = None
    customer_id: UUID | None = None


class QrTokenOut(msgspec.Struct, kw_only=True):
    id: UUID
    token: str
    url: str
    lock_id: UUID | None
    customer_id: UUID | None
    created_at: datetime
    revoked_at: datetime | None
