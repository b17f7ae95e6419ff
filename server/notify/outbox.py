"""The transactional outbox: enqueue inside the caller's transaction; claim, mark, retry.

A change and the notification it causes commit together or not at all: ``enqueue_email``,
``enqueue_push`` and ``enqueue_sms`` only insert rows and must be awaited inside the caller's
``write_transaction``. A worker later claims due rows, sends them and marks the outcome.

Delivery is at least once with a counted, bounded duplicate window: a message is sent twice
only when a worker dies after sending and before marking it sent; the claim then expires, a
second worker takes it over and ``reclaims`` counts the takeover.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.db import write_transaction
from server.notify import phones
from server.notify.tables import OutboxMessage, PushSubscription


class Channel(StrEnum):
    EMAIL = "email"
    PUSH = "push"
    SMS = "sms"


class State(StrEnum):
    PENDING = "pending"
    HELD = "held"  # no SMTP server or SMS provider configured: kept for an admin to read
    SENT = "sent"
    FAILED = "failed"  # gave up: retries exhausted or refused for good (visible to admins)
    DISCARDED = "discarded"  # nobody to deliver to any more (push subscription gone)


# Backoff after a failed attempt: 30 s, 1 min, 2 min, ... capped at 1 h. A mail server or push
# service that is briefly down recovers in seconds to minutes; doubling keeps a long outage
# from costing more than a request an hour per message.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
# Up to +10 % random spread, so messages that failed together do not all retry together.
RETRY_JITTER_FRACTION = 0.1
# Give up after this many failed attempts: with the backoff above that is about 8 hours of
# trying, long enough for a night's outage of the mail server, short enough that an
# administrator sees the failure the same working day.
MAX_ATTEMPTS = 15
# How long a claim lasts. A batch is sent one message at a time, each bounded by its
# transport's timeout (10 s for SMTP and push), so a batch of BATCH_SIZE finishes well inside
# it; a worker that dies leaves its messages to others after this long.
CLAIM_SECONDS = 300.0
BATCH_SIZE = 20


def backoff_seconds(attempts: int, rng: random.Random | None = None) -> float:
    """The delay before the next try, after ``attempts`` failed attempts (1, 2, ...)."""
    base = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    spread = (rng or random).random() * RETRY_JITTER_FRACTION
    return float(base * (1 + spread))


@dataclass(frozen=True)
class Email:
    to: Sequence[str]
    subject: str
    text: str
    html: str
    cc: Sequence[str] = ()


@dataclass
class Message:
    """A claimed outbox row, as the transports see it."""

    id: UUID
    channel: Channel
    order_id: UUID | None
    recipients: dict[str, Any]
    subject: str
    body_text: str
    body_html: str
    payload: dict[str, Any]
    attempts: int
    send_attempts: int
    reclaims: int


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for address in addresses:
        address = address.strip()
        if address and address.lower() not in {s.lower() for s in seen}:
            seen.append(address)
    return seen


async def enqueue_email(
    dedupe_key: str, email: Email, *, now: datetime, order_id: Any = None
) -> bool:
    """Queue an e-mail. Call inside the caller's transaction. False when nobody to send to.

    A second call with the same ``dedupe_key`` keeps the first message (no duplicate).
    """
    to = _unique(email.to)
    cc = [a for a in _unique(email.cc) if a.lower() not in {t.lower() for t in to}]
    if not to and not cc:
        return False
    if not to:
        to, cc = cc, []
    await OutboxMessage.insert(
        OutboxMessage(
            channel=Channel.EMAIL.value,
            dedupe_key=dedupe_key,
            order_id=order_id,
            recipients={"to": to, "cc": cc},
            subject=email.subject,
            body_text=email.text,
            body_html=email.html,
            next_attempt_at=now,
            created_at=now,
        )
    ).on_conflict(target=OutboxMessage.dedupe_key, action="DO NOTHING")
    return True


async def enqueue_push(
    dedupe_key: str,
    user_ids: Iterable[Any],
    payload: dict[str, Any],
    *,
    now: datetime,
    order_id: Any = None,
) -> int:
    """Queue one push message per subscription of each user. Call inside the transaction.

    One row per subscription, so a device that is gone or slow does not hold back the others
    and each is retried on its own. Returns how many rows were queued.
    """
    users = list({str(u) for u in user_ids})
    if not users:
        return 0
    subscriptions = await PushSubscription.select(PushSubscription.id, PushSubscription.user).where(
        PushSubscription.user.is_in(users)
    )
    for sub in subscriptions:
        await OutboxMessage.insert(
            OutboxMessage(
                channel=Channel.PUSH.value,
                dedupe_key=f"{dedupe_key}:{sub['id']}",
                order_id=order_id,
                recipients={"user_id": str(sub["user"]), "subscription_id": str(sub["id"])},
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
        ).on_conflict(target=OutboxMessage.dedupe_key, action="DO NOTHING")
    return len(subscriptions)


async def enqueue_sms(
    dedupe_key: str,
    to: str,
    text: str,
    *,
    now: datetime,
    order_id: Any = None,
    country: phones.Country = "SE",
) -> str:
    """Queue an SMS to ``to`` (written any way a person writes it). Call inside the transaction.

    The number is stored in E.164, so the provider gets one form and a reply from it can be
    matched; an invalid number raises :class:`~server.notify.phones.PhoneNumberInvalid` and
    the caller's change rolls back with it. A second call with the same ``dedupe_key`` keeps
    the first message. Returns the E.164 number.
    """
    number = phones.to_e164(to, country)
    await OutboxMessage.insert(
        OutboxMessage(
            channel=Channel.SMS.value,
            dedupe_key=dedupe_key,
            order_id=order_id,
            recipients={"to": number},
            body_text=text,
            next_attempt_at=now,
            created_at=now,
        )
    ).on_conflict(target=OutboxMessage.dedupe_key, action="DO NOTHING")
    return number


# -- the worker's side --------------------------------------------------------------------------

_CLAIM_SQL = """
UPDATE notify_outbox
SET claim_owner = {{}},
    claim_expires_at = {{}},
    send_attempts = send_attempts + 1,
    reclaims = reclaims + CASE WHEN claim_owner IS NULL THEN 0 ELSE 1 END
WHERE id IN (
    SELECT id FROM notify_outbox
    WHERE state = 'pending'
      AND next_attempt_at <= {{}}
      AND (claim_expires_at IS NULL OR claim_expires_at < {{}})
    ORDER BY next_attempt_at
    LIMIT {{}}
    {lock}
)
RETURNING id, channel, order_id, recipients, subject, body_text, body_html, payload,
          attempts, send_attempts, reclaims
"""
# PostgreSQL: rows another worker is claiming right now are skipped, not waited for, so
# several instances claim disjoint batches in parallel. SQLite has one writer at a time
# (the claim runs inside BEGIN IMMEDIATE), so it needs no row locks.
_CLAIM_SQL_POSTGRES = _CLAIM_SQL.format(lock="FOR UPDATE SKIP LOCKED")
_CLAIM_SQL_SQLITE = _CLAIM_SQL.format(lock="")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _uuid(value: Any) -> UUID | None:
    if value is None:
        return None
    return value if isinstance(value, UUID) else UUID(str(value))


async def claim_batch(
    engine: Engine[Any],
    owner: str,
    now: datetime,
    *,
    limit: int = BATCH_SIZE,
    claim_seconds: float = CLAIM_SECONDS,
) -> list[Message]:
    """Claim up to ``limit`` due messages for ``owner`` until ``now + claim_seconds``."""
    sql = _CLAIM_SQL_POSTGRES if isinstance(engine, PostgresEngine) else _CLAIM_SQL_SQLITE
    expires = now + timedelta(seconds=claim_seconds)
    async with write_transaction(engine):
        rows = await OutboxMessage.raw(sql, owner, expires, now, now, limit)
    messages = [
        Message(
            id=_uuid(r["id"]),  # type: ignore[arg-type]
            channel=Channel(r["channel"]),
            order_id=_uuid(r["order_id"]),
            recipients=_json(r["recipients"]) or {},
            subject=r["subject"],
            body_text=r["body_text"],
            body_html=r["body_html"],
            payload=_json(r["payload"]) or {},
            attempts=r["attempts"],
            send_attempts=r["send_attempts"],
            reclaims=r["reclaims"],
        )
        for r in rows
    ]
    return messages


def _mine(message_id: UUID, owner: str) -> Any:
    # Only the current claim holder may record an outcome: a worker whose claim expired and
    # was taken over must not overwrite the new holder's result.
    return (OutboxMessage.id == message_id) & (OutboxMessage.claim_owner == owner)


_RELEASE: dict[Any, Any] = {OutboxMessage.claim_owner: None, OutboxMessage.claim_expires_at: None}


async def mark_sent(
    message_id: UUID,
    owner: str,
    now: datetime,
    *,
    provider_message_id: str | None = None,
    provider_status: str = "",
) -> None:
    """Sent. An SMS also records the provider's id, which its delivery receipts name."""
    values: dict[Any, Any] = {
        OutboxMessage.state: State.SENT.value,
        OutboxMessage.sent_at: now,
        **_RELEASE,
    }
    if provider_message_id:
        values[OutboxMessage.provider_message_id] = provider_message_id
        values[OutboxMessage.delivery_status] = provider_status
        values[OutboxMessage.delivery_updated_at] = now
    await OutboxMessage.update(values).where(_mine(message_id, owner))


async def mark_final(message_id: UUID, owner: str, state: State, error: str) -> None:
    """Held, failed or discarded: no more attempts."""
    await OutboxMessage.update(
        {OutboxMessage.state: state.value, OutboxMessage.last_error: error[:2000], **_RELEASE}
    ).where(_mine(message_id, owner))


async def mark_retry(
    message: Message, owner: str, now: datetime, error: str, *, after: float | None = None
) -> State:
    """Schedule another attempt (``after`` seconds, or the backoff), or give up at the bound."""
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await OutboxMessage.update(
            {
                OutboxMessage.state: State.FAILED.value,
                OutboxMessage.attempts: attempts,
                OutboxMessage.last_error: f"gave up after {attempts} attempts: {error}"[:2000],
                **_RELEASE,
            }
        ).where(_mine(message.id, owner))
        return State.FAILED
    delay = backoff_seconds(attempts) if after is None else max(after, 0.0)
    await OutboxMessage.update(
        {
            OutboxMessage.attempts: attempts,
            OutboxMessage.next_attempt_at: now + timedelta(seconds=delay),
            OutboxMessage.last_error: error[:2000],
            **_RELEASE,
        }
    ).where(_mine(message.id, owner))
    return State.PENDING
