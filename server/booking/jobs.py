"""The booking area's background work: bulk letter jobs and the two reminders (seed 002).

- Letter jobs: a runner claims a job (``claim_owner`` + ``claim_expires_at``, as the outbox
  does), makes the letters of the orders not done yet one by one, each in its own transaction
  that also counts it done, and renews the claim after each. A killed server leaves a job
  with an expired claim; the next run (this instance after a restart, or another) goes on
  from the first order not done. An order's letter, its move to awaiting_response and the
  job's count commit together, so nothing is made twice or skipped.
- The booking reminder and the appointment reminder: once per order and code through the
  outbox's dedupe key, however often the job runs and in however many instances.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import timedelta
from typing import Any

from server.booking import messages, timing
from server.booking.letters import BookingChannel, LetterFacts, render_each
from server.booking.service import (
    LETTER_JOB_CLAIM_SECONDS,
    SYSTEM_ACTOR,
    BookingService,
    refusal,
)
from server.booking.tables import LetterJob
from server.clock import LOCAL_ZONE
from server.context import Services
from server.errors import LockworkError
from server.orders.lifecycle import Action, OrderStatus
from server.orders.tables import WorkOrder
from server.sync.changes import unit_of_work

logger = logging.getLogger(__name__)

# Letter jobs are looked for this often: a planner waits for the progress bar, and a job
# whose runner died is taken over within this plus the claim time.
LETTER_JOB_INTERVAL_SECONDS = 2.0
# Reminders count in hours and days; every 5 minutes finds a due one soon enough and costs
# one indexed query.
REMINDER_INTERVAL_SECONDS = 300.0
# Letters drawn together: the font is parsed and cut once per draw (about 15 ms a letter
# instead of 50 in CPU); 25 keep a draw well under a second, so progress moves smoothly and a
# change to an order meanwhile is rare.
LETTERS_PER_DRAW = 25

_RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}"
# Jobs this process is running now: a job started by a request is not also picked up by the
# periodic run in the same process while it runs (the claim stops other processes).
_running: set[str] = set()
_tasks: set[asyncio.Task[Any]] = set()


async def _claim(services: Services, job_id: Any = None) -> dict[str, Any] | None:
    now = services.clock.now()
    expires = now + timedelta(seconds=LETTER_JOB_CLAIM_SECONDS)
    async with unit_of_work(services.engine):
        query = LetterJob.select(
            LetterJob.id, LetterJob.claim_owner, LetterJob.claim_expires_at
        ).where(LetterJob.state != "done")
        if job_id is not None:
            query = query.where(LetterJob.id == job_id)
        for row in await query.order_by(LetterJob.created_at):
            if str(row["id"]) in _running:
                continue
            free = row["claim_expires_at"] is None or row["claim_expires_at"] < now
            if not free:
                continue
            # Compare-and-set on what was read: two instances taking the same job claim once.
            taken = (
                await LetterJob.update(
                    {
                        LetterJob.claim_owner: _RUNNER_ID,
                        LetterJob.claim_expires_at: expires,
                        LetterJob.state: "running",
                    }
                )
                .where(
                    (LetterJob.id == row["id"])
                    & (
                        LetterJob.claim_expires_at.is_null()
                        if row["claim_expires_at"] is None
                        else (LetterJob.claim_expires_at == row["claim_expires_at"])
                    )
                )
                .returning(LetterJob.id)
            )
            if taken:
                return (
                    await LetterJob.select()
                    .where(LetterJob.id == row["id"])
                    .output(load_json=True)
                    .first()
                )
    return None


async def _renew(services: Services, job_id: Any) -> None:
    expires = services.clock.now() + timedelta(seconds=LETTER_JOB_CLAIM_SECONDS)
    await LetterJob.update({LetterJob.claim_expires_at: expires}).where(
        (LetterJob.id == job_id) & (LetterJob.claim_owner == _RUNNER_ID)
    )


async def _refuse(services: Services, job_id: Any, order_id: Any, error: LockworkError) -> None:
    row = (
        await WorkOrder.select(WorkOrder.id, WorkOrder.reference)
        .where(WorkOrder.id == order_id)
        .first()
    )
    entry = refusal(row or {"id": order_id, "reference": ""}, error)
    async with unit_of_work(services.engine):
        job = (
            await LetterJob.select(LetterJob.refused)
            .where(LetterJob.id == job_id)
            .output(load_json=True)
            .first()
        )
        refused = list(job["refused"]) if job else []
        refused.append(entry)
        await LetterJob.update(
            {
                LetterJob.refused: refused,
                LetterJob.done: LetterJob.done + 1,
                LetterJob.failed: LetterJob.failed + 1,
            }
        ).where(LetterJob.id == job_id)


async def _run_job(services: Services, job: dict[str, Any]) -> None:
    """Make the job's letters from the first order not done, a chunk at a time: a chunk's
    letters are drawn together (render_each: the font parsed once), then each is kept in its
    own transaction, in the job's order, so ``done`` always counts a prefix of the list."""
    booking = BookingService(services)
    job_id = job["id"]
    _running.add(str(job_id))
    try:
        while True:
            current = (
                await LetterJob.select(LetterJob.done, LetterJob.order_ids)
                .where(LetterJob.id == job_id)
                .output(load_json=True)
                .first()
            )
            if current is None or current["done"] >= len(current["order_ids"]):
                break
            chunk = current["order_ids"][current["done"] : current["done"] + LETTERS_PER_DRAW]
            rows = {str(r["id"]): r for r in await booking.order_rows(chunk)}
            ready: dict[str, tuple[dict[str, Any], LetterFacts]] = {}
            refusals: dict[str, LockworkError] = {}
            for order_id in chunk:
                try:
                    facts = booking.letter_ready(rows.get(order_id), None)
                except LockworkError as error:
                    refusals[order_id] = error
                    continue
                ready[order_id] = (rows[order_id], facts)
            drawn = await asyncio.to_thread(render_each, [f for _, f in ready.values()])
            pdfs = dict(zip(ready, drawn, strict=True))
            for order_id in chunk:
                if order_id in refusals:
                    # Not ready any more (moved meanwhile) or incomplete: the job says so and
                    # goes on with the next order.
                    await _refuse(services, job_id, order_id, refusals[order_id])
                else:
                    row, facts = ready[order_id]
                    stored = await booking.store_letter(
                        row, facts, pdfs[order_id], principal=None, job_id=job_id
                    )
                    if stored is None:  # changed since the chunk was read: on its own
                        try:
                            await booking.make_letter(order_id, principal=None, job_id=job_id)
                        except LockworkError as error:
                            await _refuse(services, job_id, order_id, error)
                await _renew(services, job_id)
        await LetterJob.update(
            {
                LetterJob.state: "done",
                LetterJob.finished_at: services.clock.now(),
                LetterJob.claim_owner: None,
                LetterJob.claim_expires_at: None,
            }
        ).where(LetterJob.id == job_id)
    finally:
        _running.discard(str(job_id))


async def run_letter_jobs(services: Services, job_id: Any = None) -> int:
    """Run every letter job that is free to take (or just ``job_id``); how many were run."""
    ran = 0
    while (job := await _claim(services, job_id)) is not None:
        await _run_job(services, job)
        ran += 1
        if job_id is not None:
            break
    return ran


def start_letter_job(services: Services, job_id: Any) -> None:
    """Start a just-created job now, in this process, instead of waiting for the periodic
    run: the planner watches its progress bar."""

    async def run() -> None:
        try:
            await run_letter_jobs(services, job_id)
        except Exception:  # the periodic run takes it over when its claim expires
            logger.exception("letter job %s stopped; it resumes on the next run", job_id)

    task = asyncio.create_task(run())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def run_booking_reminders(services: Services) -> int:
    """Seed 002 "Bookingpåminnelse": no answer in time -> an SMS where there is a mobile
    number, and the order to manual follow-up. How many were reminded."""
    now = services.clock.now()
    if not timing.in_sms_hours(now, LOCAL_ZONE):
        return 0
    settings = services.settings
    after_letter = timedelta(hours=settings.booking_reminder_after_letter_hours)
    after_sms = timedelta(hours=settings.booking_reminder_after_sms_hours)
    earliest = now - min(after_letter, after_sms)
    booking = BookingService(services)
    candidates = await WorkOrder.select(WorkOrder.id).where(
        (WorkOrder.status == OrderStatus.AWAITING_RESPONSE.value)
        & WorkOrder.booking_sent_at.is_not_null()
        & (WorkOrder.booking_sent_at <= earliest)
    )
    reminded = 0
    for candidate in candidates:
        async with unit_of_work(services.engine):
            await booking.orders.lock([candidate["id"]])
            row = await booking.order_row(candidate["id"])
            if row is None or row["status"] != OrderStatus.AWAITING_RESPONSE.value:
                continue
            channel = BookingChannel(row["booking_channel"] or BookingChannel.LETTER.value)
            if not timing.booking_reminder_due(
                row["booking_sent_at"], channel, now, after_letter=after_letter, after_sms=after_sms
            ):
                continue
            letter_facts = booking.letter_facts(row)
            if messages.resident_mobile(letter_facts) is None:
                continue  # seed 002: a reminder only where the order has a phone number
            await booking.queue_sms(
                row, "booking_reminder", messages.booking_reminder_sms(letter_facts), letter_facts
            )
            await booking.move(
                row,
                Action.FOLLOW_UP_MANUALLY,
                {},
                principal=None,
                actor_name=SYSTEM_ACTOR,
                changes={"booking_reminder": True},
            )
            reminded += 1
    return reminded


async def run_appointment_reminders(services: Services) -> int:
    """Seed 002 "Avtalepåminnelse": the day before a confirmed visit booked by letter or SMS,
    an SMS where there is a mobile number. How many were queued (the outbox keeps one)."""
    now = services.clock.now()
    if not timing.in_sms_hours(now, LOCAL_ZONE):
        return 0
    booking = BookingService(services)
    tomorrow = now.astimezone(LOCAL_ZONE).date() + timedelta(days=1)
    start = now.astimezone(LOCAL_ZONE).replace(
        year=tomorrow.year,
        month=tomorrow.month,
        day=tomorrow.day,
        hour=0,
        minute=0,
        second=0,
        microsecond=0,
    )
    rows = await booking.order_rows(
        r["id"]
        for r in await WorkOrder.select(WorkOrder.id).where(
            (WorkOrder.status == OrderStatus.READY_FOR_EXECUTION.value)
            & WorkOrder.booking_code.is_not_null()
            & (WorkOrder.planned_start >= start)
            & (WorkOrder.planned_start < start + timedelta(days=1, hours=1))
        )
    )
    queued = 0
    for row in rows:
        if not timing.appointment_reminder_due(row["planned_start"], now, LOCAL_ZONE):
            continue
        letter_facts = booking.letter_facts(row)
        if messages.resident_mobile(letter_facts) is None:
            continue
        async with unit_of_work(services.engine):
            await booking.queue_sms(
                row,
                "appointment_reminder",
                messages.appointment_reminder_sms(letter_facts),
                letter_facts,
            )
        queued += 1
    return queued
