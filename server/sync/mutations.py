"""Intent mutations: each decoded and applied through the same services as the HTTP API,
so the state machine and the access rules are checked exactly as they are there."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from server.accounts.permissions import Principal
from server.errors import ValidationFailed
from server.locks.evidence_intake import EvidenceIntakeService, LockUpload
from server.orders.photos import MAX_UPLOAD_BYTES
from server.orders.schemas import (
    CompletionIn,
    ContactAttemptIn,
    MessageIn,
    OrderIn,
    TransitionIn,
)
from server.orders.service import OrderService
from server.orders.tables import WorkOrder
from server.wire import Bounded, Day, Instant


class ContactAttemptAdd(Bounded, kw_only=True, forbid_unknown_fields=True):
    order_id: UUID
    attempt_id: UUID | None = None
    to_whom: Literal["customer", "relative", "provider", "other"]
    outcome: Literal["reached", "no_answer", "busy", "wrong_number", "voicemail"]
    contact_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=40)] = ""
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    at: Instant | None = None


class ContactAttemptWithdraw(Bounded, kw_only=True, forbid_unknown_fields=True):
    """The app's undo of a call it logged: ``at`` is when it was undone, on the device."""

    order_id: UUID
    attempt_id: UUID
    at: Instant | None = None


class OrderSchedule(Bounded, kw_only=True, forbid_unknown_fields=True):
    order_id: UUID
    planned_start: Instant
    estimate_minutes: Annotated[int, msgspec.Meta(ge=5, le=24 * 60)] | None = None


class OrderOnly(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    order_id: UUID


class OrderComplete(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    order_id: UUID
    completion: CompletionIn
    override_reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class OrderPutOnHold(Bounded, kw_only=True, forbid_unknown_fields=True):
    order_id: UUID
    hold_until: Day
    reason: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class OrderPlace(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An order home-care staff placed while the phone was offline (or the server down): the
    phone checked the checklist, chose the id and queued it; the server's answer (placed, or
    refused with the reason) comes back to the person who placed it."""

    order_id: UUID
    order: OrderIn


# The base64 text of the largest photo the server takes (server.orders.photos).
PHOTO_BASE64_MAX = (MAX_UPLOAD_BYTES + 2) // 3 * 4


class PhotoAdd(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A photo the fitter took (with a completion closed without the lock's evidence), as
    base64; the server re-encodes it without metadata and keeps only that."""

    order_id: UUID
    photo_id: UUID
    purpose: Literal["evidence_override"]
    data: Annotated[str, msgspec.Meta(min_length=1, max_length=PHOTO_BASE64_MAX)]


class OrderCancel(Bounded, kw_only=True, forbid_unknown_fields=True):
    """Home-care staff cancel their own order while no visit is booked (issue 16)."""

    order_id: UUID
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class MessageAdd(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    order_id: UUID
    message_id: UUID | None = None
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class LockReportAdd(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """gateway.report_queue.QueuedReport.mutation_args(), plus the order if the client knows it."""

    kind: Annotated[str, msgspec.Meta(max_length=40)]
    serial: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    lock_id: Annotated[str, msgspec.Meta(max_length=64)]
    data: Annotated[str, msgspec.Meta(min_length=2, max_length=8192)]
    server_nonce: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    ticket: Annotated[str, msgspec.Meta(max_length=4096)] | None = None
    queued_at: float | None = None
    order_id: UUID | None = None


ARGUMENTS: dict[str, type[msgspec.Struct]] = {
    "lock_report.add": LockReportAdd,
    "message.add": MessageAdd,
    "contact_attempt.add": ContactAttemptAdd,
    "contact_attempt.withdraw": ContactAttemptWithdraw,
    "order.schedule": OrderSchedule,
    "order.confirm": OrderOnly,
    "order.start": OrderOnly,
    "order.complete": OrderComplete,
    "order.put_on_hold": OrderPutOnHold,
    "order.cancel": OrderCancel,
    "photo.add": PhotoAdd,
    "order.place": OrderPlace,
    # A draft (placed with draft=true through the API) sent as the order it describes.
    "order.send_draft": OrderOnly,
    "order.resume": OrderOnly,
}


def decode(name: str, args: dict[str, Any]) -> Any:
    """The mutation's arguments as its struct; a refusal the person can read otherwise."""
    if name not in ARGUMENTS:
        raise ValidationFailed(
            f"The server does not know the change '{name}'. Update the app; the server keeps "
            "this refusal, and the rest of your changes were saved.",
            code="unknown_mutation",
            message_sv=f"Servern känner inte till ändringen '{name}'. Uppdatera appen; övriga "
            "ändringar sparades.",
        )
    if has_nul(args):
        raise ValidationFailed(
            "The change contains a NUL character (\\u0000), which no text may hold. Enter it "
            "again without it.",
            code="invalid_arguments",
            message_sv="Ändringen innehåller ett NUL-tecken (\\u0000), som ingen text får "
            "innehålla. Gör om den utan tecknet.",
        )
    try:
        return msgspec.convert(args, ARGUMENTS[name], strict=False)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(
            f"The app sent '{name}' with arguments the server cannot use ({exc}). "
            "Update the app and make the change again.",
            code="invalid_arguments",
            message_sv=f"Appen skickade '{name}' med uppgifter som servern inte kan använda "
            f"({exc}). Uppdatera appen och gör om ändringen.",
        ) from exc


def has_nul(value: Any) -> bool:
    """Whether a NUL character is anywhere in these decoded JSON values (keys too)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def without_nul(value: Any) -> Any:
    """The same values with each NUL replaced by U+FFFD, so that a refused mutation's arguments
    can be stored (PostgreSQL text cannot hold NUL)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def stored_args(name: str, args: Any) -> Any:
    """The arguments as the mutation log keeps them: a photo's bytes are kept once, in the
    order's photos, never in the log (only their size)."""
    if name == "photo.add" and isinstance(args, dict) and isinstance(args.get("data"), str):
        args = {**args, "data": f"<{len(args['data'])} characters of base64, kept as the photo>"}
    return without_nul(args)


async def order_version(order_id: UUID | None) -> int | None:
    if order_id is None:  # lock_report.add may leave the order to its credential
        return None
    row = await WorkOrder.select(WorkOrder.version).where(WorkOrder.id == order_id).first()
    return int(row["version"]) if row else None


async def apply(service: OrderService, principal: Principal, name: str, args: Any) -> UUID:
    """Apply one decoded mutation; returns the id of the order it concerned."""
    if isinstance(args, LockReportAdd):
        upload = LockUpload(
            kind=args.kind,
            serial=args.serial,
            lock_id=args.lock_id,
            data=args.data,
            server_nonce=args.server_nonce,
            ticket=args.ticket,
            order_id=args.order_id,
        )
        return await EvidenceIntakeService(service.s).add_evidence(principal, upload)
    if isinstance(args, ContactAttemptAdd):
        data = ContactAttemptIn(
            to_whom=args.to_whom,
            outcome=args.outcome,
            contact_name=args.contact_name,
            phone=args.phone,
            note=args.note,
            at=args.at,
        )
        await service.add_contact_attempt(principal, args.order_id, data, args.attempt_id)
        return args.order_id
    if isinstance(args, ContactAttemptWithdraw):
        await service.withdraw_contact_attempt(principal, args.order_id, args.attempt_id, args.at)
        return args.order_id
    if isinstance(args, PhotoAdd):
        try:
            photo = base64.b64decode(args.data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationFailed(
                "The photo did not arrive whole. Take it again.",
                field="photo",
                message_sv="Fotot kom inte fram helt. Ta det igen.",
            ) from exc
        await service.add_photo(principal, args.order_id, photo, args.purpose, args.photo_id)
        return args.order_id
    if isinstance(args, OrderPlace):
        return await service.create(principal, args.order, args.order_id)
    if isinstance(args, MessageAdd):
        await service.add_message(
            principal, args.order_id, MessageIn(body=args.body), args.message_id
        )
        return args.order_id
    if isinstance(args, OrderSchedule):
        transition = TransitionIn(
            action="schedule",
            planned_start=args.planned_start,
            estimate_minutes=args.estimate_minutes,
        )
    elif isinstance(args, OrderComplete):
        transition = TransitionIn(
            action="complete", completion=args.completion, override_reason=args.override_reason
        )
    elif isinstance(args, OrderCancel):
        transition = TransitionIn(action="cancel", reason=args.reason)
    elif isinstance(args, OrderPutOnHold):
        transition = TransitionIn(
            action="put_on_hold", hold_until=args.hold_until, reason=args.reason
        )
    else:
        action = {
            "order.confirm": "confirm",
            "order.start": "start",
            "order.resume": "resume",
            "order.send_draft": "place",
        }[name]
        transition = TransitionIn(action=action)  # type: ignore[arg-type]
    await service.transition(principal, args.order_id, transition)
    return UUID(str(args.order_id))
