"""The booking routine of seed 002 with the database: lock, letters, SMS, replies, follow-up.

No HTTP here (``server.booking.routes`` decodes and encodes). Every change to an order runs
in a unit of work (``server.sync.changes``), moves the order through the one life cycle
(``server.orders.lifecycle``) and leaves an audit entry, so sync, the audit trail and the
rules stay in one place. What must happen after a commit (an SMS) is written to the outbox
in the same transaction.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any
from uuid import UUID

from server.accounts import permissions as perm
from server.accounts.permissions import Principal, Role
from server.booking import codes, messages, replies
from server.booking.errors import BookingError
from server.booking.letters import (
    DEFAULT_LANGUAGE,
    BookingChannel,
    Country,
    Language,
    LetterFacts,
    MissingField,
    letter_incomplete,
    merge_letters,
    missing_for_letter,
    page_count,
    render_letter,
    too_long_for_letter,
)
from server.booking.tables import BookingLetter, BookingReply, LetterJob
from server.clock import LOCAL_ZONE
from server.context import Services
from server.errors import Forbidden, LockworkError, NotFound, RateLimited, ValidationFailed
from server.notify import phones
from server.notify.outbox import enqueue_sms
from server.notify.sms import InboundMessage
from server.notify.tables import InboundSms, OutboxMessage
from server.orders.lifecycle import (
    VISIT_STATUSES,
    Action,
    OrderKind,
    OrderStatus,
    TransitionContext,
    transition,
)
from server.orders.service import ORDER_SELECT, OrderService, facts
from server.orders.tables import WorkOrder
from server.sync.changes import unit_of_work

logger = logging.getLogger(__name__)

# Who the audit trail names when a resident answers, or a job moves an order.
RESIDENT_ACTOR = "resident"
SYSTEM_ACTOR = "system"
# A fresh code that collides with a live one (2^42 codes, a few thousand live) is drawn
# again; this many collisions in a row means something is wrong with the random source.
CODE_DRAWS = 8
# The bulk job holds its claim this long without news; it renews it after every order, so
# only a runner that died (a killed server) loses it, and another instance (or the same one
# after a restart) takes the job over within this time.
LETTER_JOB_CLAIM_SECONDS = 15.0
# How many times a letter is drawn again when its order changed while it was being drawn.
LETTER_REDRAWS = 3


BOOKING_SELECT = (
    *ORDER_SELECT,
    WorkOrder.customer.postal_code.as_alias("customer_postcode"),
    WorkOrder.customer.phone.as_alias("customer_phone"),
    WorkOrder.performing_organisation.name.as_alias("performing_name"),
    WorkOrder.performing_organisation.phone.as_alias("performing_phone"),
)


@dataclass
class Outcome:
    """What a many-order operation did: the orders it moved, and those it refused, why."""

    done: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)


def refusal(row: dict[str, Any], error: LockworkError) -> dict[str, Any]:
    # An order the caller may not see is refused without its reference: nothing about it.
    return {
        "order_id": str(row["id"]),
        "reference": "" if isinstance(error, NotFound) else row["reference"],
        "code": error.code,
        "missing": list(getattr(error, "missing", [])),
        "message": str(error),
        "message_sv": getattr(error, "message_sv", None) or str(error),
    }


class BookingService:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.orders = OrderService(services)

    # -- what a letter says ------------------------------------------------------------------
    @property
    def language(self) -> Language:
        chosen = self.s.settings.letter_language
        if chosen in ("sv", "nb", "en"):
            return chosen  # type: ignore[return-value]
        return "nb" if self.s.settings.country == "NO" else DEFAULT_LANGUAGE

    @property
    def reply_url(self) -> str:
        return self.s.settings.public_url.rstrip("/") + "/s"

    @property
    def reply_number(self) -> str:
        """Our SMS number, when replies can come to it (a text sender id cannot be answered)."""
        sender = self.s.settings.sms_sender
        return sender if sender.startswith("+") else ""

    @property
    def country(self) -> Country:
        return "NO" if self.s.settings.country == "NO" else "SE"

    def letter_facts(self, row: dict[str, Any], code: str | None = None) -> LetterFacts:
        country = self.country
        return LetterFacts(
            organisation_name=row.get("performing_name") or "",
            contact_phone=row.get("performing_phone") or "",
            resident_name=row.get("customer_name") or "",
            street=row.get("customer_street") or "",
            postcode=row.get("customer_postcode") or "",
            town=row.get("customer_city") or "",
            planned_start=row["planned_start"],
            estimate_minutes=row["estimate_minutes"],
            fitter_name=row.get("assigned_fitter_name") or "",
            booking_code=code if code is not None else (row["booking_code"] or ""),
            resident_phone=row.get("customer_phone") or "",
            order_reference=row["reference"],
            reply_sms_number=self.reply_number,
            reply_url=self.reply_url,
            language=self.language,
            country=country,
        )

    def _check_complete(self, row: dict[str, Any], channel: BookingChannel) -> None:
        facts_ = self.letter_facts(row, code="")
        missing = missing_for_letter(facts_, channel)
        if missing:
            raise letter_incomplete(missing)
        too_long = too_long_for_letter(facts_)
        if too_long:
            raise BookingError(
                "Some fields are too long to print on the letter: "
                f"{', '.join(too_long)}. Shorten them and try again.",
                code="letter_field_too_long",
                message_sv="Några uppgifter är för långa för brevet: "
                f"{', '.join(too_long)}. Korta dem och försök igen.",
            )

    async def order_rows(self, order_ids: Iterable[Any]) -> list[dict[str, Any]]:
        ids = [str(i) for i in order_ids]
        if not ids:
            return []
        rows = (
            await WorkOrder.select(*BOOKING_SELECT)
            .where(WorkOrder.id.is_in(ids))
            .output(load_json=True)
        )
        by_id = {str(r["id"]): r for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def order_row(self, order_id: Any) -> dict[str, Any] | None:
        rows = await self.order_rows([order_id])
        return rows[0] if rows else None

    def _require(
        self, principal: Principal, row: dict[str, Any] | None, action: Action
    ) -> dict[str, Any]:
        if row is None or not perm.can_see_order(principal, facts(row)):
            raise NotFound("No such order.", message_sv="Ordern finns inte.")
        if not perm.can_transition(principal, facts(row), action):
            raise Forbidden(
                "Only the fitters' planner books visits by letter or SMS.",
                message_sv="Bara montörernas planerare bokar besök med brev eller sms.",
            )
        return row

    def _require_planner(self, principal: Principal) -> None:
        if not (principal.is_admin or principal.has(Role.PLANNER)):
            raise Forbidden(
                "Only the fitters' planner handles booking letters and replies.",
                message_sv="Bara montörernas planerare hanterar bokningsbrev och svar.",
            )

    def _org_filter(self, principal: Principal, column: Any) -> Any | None:
        return None if principal.is_admin else column == principal.organisation_id

    async def _new_code(self) -> str:
        for _ in range(CODE_DRAWS):
            code = codes.new_code()
            taken = await WorkOrder.exists().where(WorkOrder.booking_code == code)
            old = await BookingLetter.exists().where(BookingLetter.code == code)
            if not taken and not old:
                return code
        raise RuntimeError("No free booking code after several draws: check the random source.")

    def _context(self, row: dict[str, Any], **extra: Any) -> TransitionContext:
        return TransitionContext(
            kind=OrderKind(row["kind"]),
            today=self.s.clock.today(),
            planned_start=row["planned_start"],
            **extra,
        )

    async def move(
        self,
        row: dict[str, Any],
        action: Action,
        values: dict[Any, Any],
        *,
        principal: Principal | None,
        actor_name: str | None = None,
        reply_text: str | None = None,
        changes: dict[str, Any] | None = None,
        note: str = "",
    ) -> OrderStatus:
        """Move a locked, freshly read order with ``action`` and write ``values`` with it."""
        current = OrderStatus(row["status"])
        result = transition(current, action, self._context(row, reply_text=reply_text))
        await WorkOrder.update(
            {
                WorkOrder.status: result.status.value,
                WorkOrder.version: row["version"] + 1,
                WorkOrder.updated_at: self.s.clock.now(),
                **values,
            }
        ).where(WorkOrder.id == row["id"])
        await self.orders.log_move(
            row["id"],
            principal,
            action.value,
            current.value,
            result.status.value,
            changes,
            note=note,
            actor_name=actor_name,
        )
        if result.status not in VISIT_STATUSES and current in VISIT_STATUSES:
            await self.orders.revoke_lock_access(
                {**row, "status": result.status.value}, principal, action.value
            )
        return result.status

    # -- locking appointments (seed 002 "Låsing av avtale") ------------------------------------
    async def day_orders(self, principal: Principal, fitter_id: UUID, day: Any) -> list[Any]:
        """The fitter's scheduled orders planned on a local day, visible to the planner."""
        start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_ZONE)
        end = start + timedelta(days=1)
        query = WorkOrder.select(WorkOrder.id).where(
            (WorkOrder.assigned_fitter == fitter_id)
            & (WorkOrder.status == OrderStatus.SCHEDULED.value)
            & (WorkOrder.planned_start >= start)
            & (WorkOrder.planned_start < end)
        )
        if not principal.is_admin:
            query = query.where(WorkOrder.performing_organisation == principal.organisation_id)
        rows = await query.order_by(WorkOrder.planned_start)
        return [r["id"] for r in rows]

    async def lock(
        self, principal: Principal, order_ids: Sequence[Any], channel: BookingChannel
    ) -> Outcome:
        """Lock each order's appointment: a booking code, and scheduled -> ready_to_print.

        An order that lacks what its letter (or SMS) needs is refused with the list of what
        is missing and left as it was; the others go on (one transaction for all of them).
        """
        self._require_planner(principal)
        outcome = Outcome()
        async with unit_of_work(self.s.engine):
            await self.orders.lock(order_ids)
            for row in await self.order_rows(order_ids):
                try:
                    self._require(principal, row, Action.LOCK_APPOINTMENT)
                    current = OrderStatus(row["status"])
                    transition(current, Action.LOCK_APPOINTMENT, self._context(row))
                    self._check_complete(row, channel)
                except LockworkError as error:  # not theirs, the life cycle, or incomplete
                    outcome.refused.append(refusal(row, error))
                    continue
                code = await self._new_code()
                await self.move(
                    row,
                    Action.LOCK_APPOINTMENT,
                    {
                        WorkOrder.booking_code: code,
                        WorkOrder.booking_channel: channel.value,
                        WorkOrder.booking_sent_at: None,
                        WorkOrder.booking_reply: "",
                    },
                    principal=principal,
                    changes={"channel": channel.value},
                )
                outcome.done.append(
                    {
                        "order_id": str(row["id"]),
                        "reference": row["reference"],
                        "booking_code": codes.format_code(code),
                    }
                )
        return outcome

    # -- letters (seed 002 "Generering av brev") -----------------------------------------------
    async def start_letter_job(
        self, principal: Principal, order_ids: Sequence[Any]
    ) -> dict[str, Any]:
        """A bulk job for these orders; the letters are made in the background (jobs.py)."""
        self._require_planner(principal)
        unique = list(dict.fromkeys(str(i) for i in order_ids))
        if not unique:
            raise ValidationFailed(
                "Choose at least one order that is ready to print.",
                field="order_ids",
                message_sv="Välj minst en order som är klar för utskrift.",
            )
        job = LetterJob(
            organisation=principal.organisation_id,
            requested_by=principal.user_id,
            order_ids=unique,
            total=len(unique),
            created_at=self.s.clock.now(),
        )
        await job.save()
        return await self.job(principal, job.id)

    async def job(self, principal: Principal, job_id: Any) -> dict[str, Any]:
        self._require_planner(principal)
        query = LetterJob.select().where(LetterJob.id == job_id)
        row = await query.output(load_json=True).first()
        if row is None or not (
            principal.is_admin or str(row["organisation"]) == principal.organisation_id
        ):
            raise NotFound("No such letter job.", message_sv="Utskriftsjobbet finns inte.")
        return row

    def letter_ready(self, row: dict[str, Any] | None, principal: Principal | None) -> LetterFacts:
        """What the order's letter says, once it may have one; the refusal raises."""
        if row is None:
            raise NotFound("No such order.", message_sv="Ordern finns inte.")
        if principal is not None:
            self._require(principal, row, Action.PRINT_LETTER)
        transition(OrderStatus(row["status"]), Action.PRINT_LETTER, self._context(row))
        self._check_complete(row, BookingChannel.LETTER)
        return self.letter_facts(row)

    async def store_letter(
        self,
        row: dict[str, Any],
        letter_facts: LetterFacts,
        pdf: bytes,
        *,
        principal: Principal | None,
        job_id: Any = None,
    ) -> dict[str, Any] | None:
        """Keep a drawn letter and, in the same transaction, move its order from
        ready_to_print to awaiting_response (and count it done in its job). None when the
        order changed since ``row`` was read: the letter may say something old, so it is
        not kept and the caller draws again."""
        order_id = row["id"]
        async with unit_of_work(self.s.engine):
            await self.orders.lock([order_id])
            fresh = await self.order_row(order_id)
            if fresh is None or fresh["version"] != row["version"]:
                return None
            letter = BookingLetter(
                order=order_id,
                organisation=row["performing_organisation"],
                code=row["booking_code"],
                language=letter_facts.language,
                pdf=pdf,
                pages=page_count(pdf),
                job=job_id,
                created_at=self.s.clock.now(),
            )
            await letter.save()
            await self.move(
                fresh,
                Action.PRINT_LETTER,
                {WorkOrder.booking_sent_at: self.s.clock.now()},
                principal=principal,
                actor_name=None if principal else SYSTEM_ACTOR,
                changes={"letter": str(letter.id)},
            )
            if job_id is not None:
                await LetterJob.update({LetterJob.done: LetterJob.done + 1}).where(
                    LetterJob.id == job_id
                )
        self._write_to_folder(row, letter, pdf)
        return await self._letter(letter.id)

    async def make_letter(
        self, order_id: Any, *, principal: Principal | None, job_id: Any = None
    ) -> dict[str, Any]:
        """Draw one order's letter and keep it (``store_letter``). Refusals raise (the order
        is left as it was).

        The drawing happens outside the transaction (it takes milliseconds of CPU; the write
        lock is not held for it); the transaction then checks the order is still the one
        drawn (its version) and draws again if not.
        """
        for _ in range(LETTER_REDRAWS):
            row = await self.order_row(order_id)
            letter_facts = self.letter_ready(row, principal)
            assert row is not None
            pdf = await asyncio.to_thread(render_letter, letter_facts)
            stored = await self.store_letter(
                row, letter_facts, pdf, principal=principal, job_id=job_id
            )
            if stored is not None:
                return stored
        raise BookingError(
            "The order kept changing while its letter was made; try again.",
            code="order_changing",
            message_sv="Ordern ändrades medan brevet skapades; försök igen.",
        )

    def _write_to_folder(self, row: dict[str, Any], letter: BookingLetter, pdf: bytes) -> None:
        """The seed's print folder, when configured: written after the commit, so a letter in
        the folder is always one that went out. A failure is logged, never fatal: the letter
        is kept in the database and the tray."""
        folder = self.s.settings.letters_dir
        if not folder:
            return
        try:
            path = Path(folder)
            path.mkdir(parents=True, exist_ok=True)
            target = path / f"{row['reference']}-{letter.code}.pdf"
            partial = target.with_suffix(".part")
            partial.write_bytes(pdf)
            partial.replace(target)  # no half-written letter in the folder
        except OSError as exc:
            logger.warning("letter %s not written to LOCKWORK_LETTERS_DIR: %s", letter.id, exc)

    async def letter_for_order(self, principal: Principal, order_id: UUID) -> dict[str, Any]:
        return await self.make_letter(order_id, principal=principal)

    async def _letter(self, letter_id: Any) -> dict[str, Any]:
        rows = await self._letter_rows(BookingLetter.id == letter_id)
        if not rows:
            raise NotFound("No such letter.", message_sv="Brevet finns inte.")
        return rows[0]

    async def _letter_rows(
        self, *conditions: Any, newest_first: bool = False, limit: int | None = None
    ) -> list[dict[str, Any]]:
        # Piccolo's typing stops at one join; the order's own joins are typed Any here.
        order: Any = BookingLetter.order
        query = BookingLetter.select(
            BookingLetter.id,
            BookingLetter.order,
            BookingLetter.organisation,
            BookingLetter.code,
            BookingLetter.language,
            BookingLetter.pages,
            BookingLetter.created_at,
            BookingLetter.printed_at,
            order.reference.as_alias("reference"),
            order.customer.name.as_alias("resident_name"),
            order.customer.street_address.as_alias("street"),
            order.customer.city.as_alias("town"),
            order.planned_start.as_alias("planned_start"),
            order.assigned_fitter.full_name.as_alias("fitter_name"),
        )
        for condition in conditions:
            if condition is not None:
                query = query.where(condition)
        query = query.order_by(BookingLetter.created_at, ascending=not newest_first)
        if limit is not None:
            query = query.limit(limit)
        return await query

    async def letters(
        self, principal: Principal, *, printed: bool, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The tray: letters not printed yet, oldest first (all of them: the planner prints
        them all); or printed ones, newest first, ``limit`` of them."""
        self._require_planner(principal)
        state = (
            BookingLetter.printed_at.is_not_null()
            if printed
            else BookingLetter.printed_at.is_null()
        )
        rows = await self._letter_rows(
            state,
            self._org_filter(principal, BookingLetter.organisation),
            newest_first=printed,
            limit=limit,
        )
        return rows

    async def _visible_letters(self, principal: Principal, ids: Sequence[Any]) -> list[Any]:
        self._require_planner(principal)
        wanted = list(dict.fromkeys(str(i) for i in ids))
        if not wanted:
            return []
        query = BookingLetter.select(BookingLetter.id, BookingLetter.organisation).where(
            BookingLetter.id.is_in(wanted)
        )
        rows = {str(r["id"]): r for r in await query}
        for letter_id in wanted:
            row = rows.get(letter_id)
            if row is None or not (
                principal.is_admin or str(row["organisation"]) == principal.organisation_id
            ):
                raise NotFound(
                    f"No such letter: {letter_id}.", message_sv=f"Brevet finns inte: {letter_id}."
                )
        return wanted

    async def letter_pdf(self, principal: Principal, letter_id: UUID) -> bytes:
        await self._visible_letters(principal, [letter_id])
        row = (
            await BookingLetter.select(BookingLetter.pdf)
            .where(BookingLetter.id == letter_id)
            .first()
        )
        assert row is not None
        return bytes(row["pdf"])

    async def merged_pdf(self, principal: Principal, letter_ids: Sequence[Any]) -> bytes:
        """The chosen letters as one PDF; none chosen: every letter not printed yet (the
        seed's print folder, a day's batch however large, without a long address)."""
        if letter_ids:
            wanted = await self._visible_letters(principal, letter_ids)
        else:
            wanted = [str(r["id"]) for r in await self.letters(principal, printed=False)]
        if not wanted:
            raise ValidationFailed(
                "There is no letter to print: every letter is marked printed.",
                field="id",
                message_sv="Det finns inget brev att skriva ut: alla är markerade som utskrivna.",
            )
        rows = await BookingLetter.select(BookingLetter.id, BookingLetter.pdf).where(
            BookingLetter.id.is_in(wanted)
        )
        by_id = {str(r["id"]): bytes(r["pdf"]) for r in rows}
        return await asyncio.to_thread(merge_letters, [by_id[i] for i in wanted])

    async def mark_printed(self, principal: Principal, letter_ids: Sequence[Any]) -> int:
        wanted = await self._visible_letters(principal, letter_ids)
        if not wanted:
            return 0
        async with unit_of_work(self.s.engine):
            marked = (
                await BookingLetter.update(
                    {
                        BookingLetter.printed_at: self.s.clock.now(),
                        BookingLetter.printed_by: principal.user_id,
                    }
                )
                .where(BookingLetter.id.is_in(wanted) & BookingLetter.printed_at.is_null())
                .returning(BookingLetter.id)
            )
        return len(marked)

    # -- the SMS channel --------------------------------------------------------------------
    async def send_booking_sms(self, principal: Principal, order_ids: Sequence[Any]) -> Outcome:
        """Book by SMS instead of a letter: the booking SMS queued, the order awaiting an
        answer, in one transaction per call."""
        self._require_planner(principal)
        outcome = Outcome()
        async with unit_of_work(self.s.engine):
            await self.orders.lock(order_ids)
            for row in await self.order_rows(order_ids):
                try:
                    self._require(principal, row, Action.PRINT_LETTER)
                    transition(OrderStatus(row["status"]), Action.PRINT_LETTER, self._context(row))
                    self._check_complete(row, BookingChannel.SMS)
                except LockworkError as error:
                    outcome.refused.append(refusal(row, error))
                    continue
                letter_facts = self.letter_facts(row)
                await self.queue_sms(
                    row, "booking_sms", messages.booking_sms(letter_facts), letter_facts
                )
                await self.move(
                    row,
                    Action.PRINT_LETTER,
                    {
                        WorkOrder.booking_channel: BookingChannel.SMS.value,
                        WorkOrder.booking_sent_at: self.s.clock.now(),
                    },
                    principal=principal,
                    changes={"channel": BookingChannel.SMS.value},
                )
                outcome.done.append({"order_id": str(row["id"]), "reference": row["reference"]})
        return outcome

    async def queue_sms(
        self, row: dict[str, Any], kind: str, text: str, letter_facts: LetterFacts
    ) -> None:
        number = messages.resident_mobile(letter_facts)
        if number is None:
            raise letter_incomplete([MissingField.PHONE])
        # One message per order, code and kind (and visit day for the appointment reminder):
        # a job run twice, by two instances, or after a crash queues it once.
        suffix = (
            f":{row['planned_start'].astimezone(LOCAL_ZONE).date()}"
            if kind == "appointment_reminder"
            else ""
        )
        await enqueue_sms(
            f"booking:{row['id']}:{row['booking_code']}:{kind}{suffix}",
            number,
            text,
            now=self.s.clock.now(),
            order_id=row["id"],
            country=letter_facts.country,
        )

    # -- manual follow-up (seed 002 "Manuell oppfølging") -----------------------------------
    async def confirmation_sms(
        self, principal: Principal, order_id: UUID, expected_version: int | None
    ) -> None:
        """ "Send SMS" with "Bookingbekreftelse": the confirmation queued, manual_followup ->
        ready_for_execution, together."""
        async with unit_of_work(self.s.engine):
            await self.orders.lock([order_id])
            row = self._require(principal, await self.order_row(order_id), Action.CONFIRM)
            if not (principal.is_admin or principal.has(Role.PLANNER)):
                raise Forbidden(
                    "Only the fitters' planner sends the confirmation SMS.",
                    message_sv="Bara montörernas planerare skickar bekräftelse-sms.",
                )
            self.orders._check_version(row, expected_version)
            if row["status"] != OrderStatus.MANUAL_FOLLOWUP.value or not row["booking_code"]:
                raise BookingError(
                    "A confirmation SMS goes to an order in manual follow-up that was booked "
                    "by letter or SMS.",
                    code="not_in_followup",
                    message_sv="Bekräftelse-sms skickas för en order i manuell uppföljning som "
                    "bokats med brev eller sms.",
                )
            letter_facts = self.letter_facts(row)
            await self.queue_sms(
                row, "confirmation", messages.confirmation_sms(letter_facts), letter_facts
            )
            await self.move(
                row,
                Action.CONFIRM,
                {},
                principal=principal,
                changes={"confirmation_sms": True},
            )

    async def after_schedule(self, row_before: dict[str, Any], principal: Principal | None) -> None:
        """An order with a booking code was given a new time (it moved to scheduled).

        The old code dies with the old time (its letter named it). From manual follow-up
        (seed 002: "Foreslått tidspunkt passer ikke") the new time is locked again at once
        with a new code, and where a letter went out a new letter is made (a one-order job),
        or the booking SMS is sent again; from anywhere else the order is simply scheduled
        and the planner locks it again when it should be announced.
        Runs inside the caller's unit of work, after the schedule move.
        """
        if not row_before.get("booking_code"):
            return
        order_id = row_before["id"]
        if row_before["status"] != OrderStatus.MANUAL_FOLLOWUP.value:
            await WorkOrder.update(
                {WorkOrder.booking_code: None, WorkOrder.booking_sent_at: None}
            ).where(WorkOrder.id == order_id)
            return
        row = await self.order_row(order_id)
        assert row is not None
        channel = BookingChannel(row_before["booking_channel"] or BookingChannel.LETTER.value)
        had_letter = await BookingLetter.exists().where(BookingLetter.order == order_id)
        try:
            self._check_complete(row, channel)
        except BookingError:
            # Cannot be announced as it is now (an address went missing): scheduled without a
            # code; locking it again says what is missing.
            await WorkOrder.update(
                {WorkOrder.booking_code: None, WorkOrder.booking_sent_at: None}
            ).where(WorkOrder.id == order_id)
            return
        code = await self._new_code()
        await self.move(
            row,
            Action.LOCK_APPOINTMENT,
            {
                WorkOrder.booking_code: code,
                WorkOrder.booking_sent_at: None,
                WorkOrder.booking_reply: "",
            },
            principal=principal,
            changes={"channel": channel.value, "rebooked": True},
        )
        if channel is BookingChannel.SMS:
            row = await self.order_row(order_id)
            assert row is not None
            letter_facts = self.letter_facts(row)
            await self.queue_sms(
                row, "booking_sms", messages.booking_sms(letter_facts), letter_facts
            )
            await self.move(
                row,
                Action.PRINT_LETTER,
                {WorkOrder.booking_sent_at: self.s.clock.now()},
                principal=principal,
                changes={"channel": channel.value},
            )
        elif had_letter:
            performing = row["performing_organisation"]
            requester = principal.user_id if principal else row["ordered_by"]
            await LetterJob(
                organisation=performing,
                requested_by=requester,
                order_ids=[str(order_id)],
                total=1,
                created_at=self.s.clock.now(),
            ).save()

    # -- replies (seed 002 "Respons fra kunde") ---------------------------------------------
    def client_key(self, address: str) -> str:
        """The client's address as a keyed hash: enough to count its answers, nothing more."""
        key = self.s.box.derive(b"lockwork/booking-reply-throttle/v1", 32)
        return hmac.new(key, address.encode(), sha256).hexdigest()

    async def check_reply_rate(self, client_key: str) -> None:
        settings = self.s.settings
        window = timedelta(minutes=settings.booking_reply_window_minutes)
        since = self.s.clock.now() - window
        recent = BookingReply.count().where(
            (BookingReply.channel == "web") & (BookingReply.received_at > since)
        )
        mine = await recent.where(BookingReply.client_key == client_key)
        if mine >= settings.booking_replies_per_address:
            raise RateLimited(
                "Too many answers from this device. Wait a quarter of an hour, or call the "
                "number in your letter.",
                retry_after=int(window.total_seconds()),
                message_sv="För många svar från den här enheten. Vänta en kvart, eller ring "
                "numret i ditt brev.",
            )
        everyone = await BookingReply.count().where(
            (BookingReply.channel == "web") & (BookingReply.received_at > since)
        )
        if everyone >= settings.booking_replies_global:
            raise RateLimited(
                "The reply page is very busy right now. Try again in a while, or call the "
                "number in your letter.",
                retry_after=60,
                message_sv="Svarssidan är mycket belastad just nu. Försök igen om en stund, "
                "eller ring numret i ditt brev.",
            )

    async def web_reply(self, client_address: str, code_text: str, answer: str) -> None:
        """An answer from the public reply page. Says nothing about whether the code exists."""
        key = self.client_key(client_address)
        await self.check_reply_rate(key)
        await self.record_reply(
            "web", code_text, codes.normalise(code_text), answer, client_key=key
        )

    async def inbound_sms(self, message: InboundMessage) -> bool:
        """An SMS to our number: kept (once per provider id) and read as a booking reply, in
        one transaction, so a reply is never half handled. False when it came before."""
        async with unit_of_work(self.s.engine):
            before = await InboundSms.exists().where(
                InboundSms.provider_message_id == message.provider_message_id
            )
            if before:
                return False
            now = self.s.clock.now()
            await InboundSms.insert(
                InboundSms(
                    provider="46elks",
                    provider_message_id=message.provider_message_id,
                    sender=message.sender,
                    recipient=message.recipient,
                    message=message.text,
                    sent_at=message.sent_at,
                    received_at=now,
                    handled_at=now,
                )
            )
            parsed = replies.parse_sms(message.text)
            typed = (
                message.text[: len(message.text) - len(parsed.text)].strip() if parsed.code else ""
            )
            await self.record_reply(
                "sms",
                typed[:60],
                parsed.code,
                parsed.text,
                source_id=message.provider_message_id,
                sender=message.sender,
            )
        return True

    async def _order_by_sender(self, sender: str) -> dict[str, Any] | None:
        """The one order awaiting an answer whose resident has this mobile number, if exactly
        one: an SMS without a code (``Takk, det passer``) still reaches its planner."""
        number = phones.to_e164_or_none(sender, self.country)
        if number is None:
            return None
        rows = await WorkOrder.select(
            WorkOrder.id, WorkOrder.customer.phone.as_alias("phone")
        ).where(WorkOrder.status == OrderStatus.AWAITING_RESPONSE.value)
        matches = [
            r for r in rows if phones.to_e164_or_none(r["phone"] or "", self.country) == number
        ]
        return await self.order_row(matches[0]["id"]) if len(matches) == 1 else None

    async def record_reply(
        self,
        channel: str,
        code_typed: str,
        code: str | None,
        text: str,
        *,
        source_id: str | None = None,
        sender: str = "",
        client_key: str = "",
    ) -> str:
        """Keep a reply and apply it: awaiting_response -> ready_for_execution ("OK") or
        manual_followup (anything else), the text kept on the order. A reply whose code names
        no order awaiting an answer is kept for the planner and moves nothing. Returns the
        outcome."""
        async with unit_of_work(self.s.engine):
            if source_id is not None and await BookingReply.exists().where(
                BookingReply.source_id == source_id
            ):
                return "duplicate"
            row: dict[str, Any] | None = None
            by_code = by_sender = False
            if code is not None:
                found = (
                    await WorkOrder.select(WorkOrder.id)
                    .where(WorkOrder.booking_code == code)
                    .first()
                )
                if found is None:
                    # An old code (a letter for an earlier time): the order, but not awaiting.
                    found_letter = (
                        await BookingLetter.select(BookingLetter.order)
                        .where(BookingLetter.code == code)
                        .first()
                    )
                    found = {"id": found_letter["order"]} if found_letter else None
                if found is not None:
                    await self.orders.lock([found["id"]])
                    row = await self.order_row(found["id"])
                    by_code = row is not None and row["booking_code"] == code
            elif channel == "sms" and sender:
                row = await self._order_by_sender(sender)
                if row is not None:
                    await self.orders.lock([row["id"]])
                    row = await self.order_row(row["id"])
                    by_sender = row is not None
            outcome = "unmatched" if row is None else "not_awaiting"
            # An old code (its letter named an earlier time) is kept and moves nothing.
            awaiting = row is not None and row["status"] == OrderStatus.AWAITING_RESPONSE.value
            if row is not None and awaiting and (by_code or by_sender):
                meaning = replies.interpret(text)
                confirm = by_code and meaning.answer is replies.Answer.CONFIRM
                # Without its code a reply reaches a person, never the fitter's list.
                action = Action.RECORD_REPLY if by_code else Action.FOLLOW_UP_MANUALLY
                status = await self.move(
                    row,
                    action,
                    {WorkOrder.booking_reply: text},
                    principal=None,
                    actor_name=RESIDENT_ACTOR,
                    reply_text=text,
                    changes={"channel": channel, "by_code": by_code},
                    note=text,
                )
                outcome = (
                    "confirmed"
                    if confirm and status is OrderStatus.READY_FOR_EXECUTION
                    else "follow_up"
                )
            await BookingReply.insert(
                BookingReply(
                    channel=channel,
                    source_id=source_id,
                    sender=sender[:40],
                    client_key=client_key,
                    code_typed=code_typed[:60],
                    code=code,
                    text=text,
                    order=row["id"] if row else None,
                    organisation=row["performing_organisation"] if row else None,
                    outcome=outcome,
                    received_at=self.s.clock.now(),
                    # A plain "OK" that confirmed needs nobody to read it.
                    handled_at=self.s.clock.now() if outcome == "confirmed" else None,
                )
            )
        return outcome

    def _reply_scope(self, principal: Principal) -> Any | None:
        if principal.is_admin:
            return None
        # Replies that matched no order have no organisation: every planner may read them
        # (one of them sent the letter the resident mistyped).
        return (BookingReply.organisation == principal.organisation_id) | (
            BookingReply.organisation.is_null()
        )

    async def replies(
        self, principal: Principal, *, unhandled: bool, order_id: Any = None
    ) -> list[dict[str, Any]]:
        self._require_planner(principal)
        query = BookingReply.select(
            *BookingReply.all_columns(exclude=[BookingReply.client_key]),
            BookingReply.order.reference.as_alias("reference"),
        )
        scope = self._reply_scope(principal)
        if scope is not None:
            query = query.where(scope)
        if unhandled:
            query = query.where(BookingReply.handled_at.is_null())
        if order_id is not None:
            query = query.where(BookingReply.order == order_id)
        return await query.order_by(BookingReply.received_at, ascending=False).limit(500)

    async def mark_reply_handled(self, principal: Principal, reply_id: UUID) -> dict[str, Any]:
        self._require_planner(principal)
        query = BookingReply.select(BookingReply.id).where(BookingReply.id == reply_id)
        scope = self._reply_scope(principal)
        if scope is not None:
            query = query.where(scope)
        if await query.first() is None:
            raise NotFound("No such reply.", message_sv="Svaret finns inte.")
        await BookingReply.update(
            {
                BookingReply.handled_at: self.s.clock.now(),
                BookingReply.handled_by: principal.user_id,
            }
        ).where((BookingReply.id == reply_id) & BookingReply.handled_at.is_null())
        rows = await self.replies(principal, unhandled=False)
        return next(r for r in rows if str(r["id"]) == str(reply_id))

    async def order_booking(self, principal: Principal, order_id: UUID) -> dict[str, Any]:
        row = await self.orders.visible(principal, order_id)
        letters = await self._letter_rows(BookingLetter.order == order_id)
        result: dict[str, Any] = {
            "booking_code": row.get("booking_code"),
            "channel": row.get("booking_channel") or None,
            "sent_at": row.get("booking_sent_at"),
            "reply_text": row.get("booking_reply") or "",
            "letter": letters[-1] if letters else None,
            "replies": [],
            "reminders": [],
        }
        if principal.is_admin or principal.has(Role.PLANNER):
            result["replies"] = await self.replies(principal, unhandled=False, order_id=order_id)
            result["reminders"] = await sms_of(order_id)
        return result


async def sms_of(order_id: Any) -> list[dict[str, Any]]:
    """The booking SMS queued for an order (booking_sms, booking_reminder, confirmation,
    appointment_reminder), from the outbox, with their delivery state."""
    rows = (
        await OutboxMessage.select(
            OutboxMessage.dedupe_key, OutboxMessage.created_at, OutboxMessage.state
        )
        .where((OutboxMessage.order_id == order_id) & OutboxMessage.dedupe_key.like("booking:%"))
        .order_by(OutboxMessage.created_at)
    )
    return [
        {"kind": r["dedupe_key"].split(":")[3], "at": r["created_at"], "state": r["state"]}
        for r in rows
    ]
