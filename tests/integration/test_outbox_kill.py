"""The outbox under worker crashes and competing workers.

- A worker process sending to a real SMTP server on loopback is SIGKILLed at random moments
  while it sends, again and again; a last worker finishes. Every message arrives (0 missing);
  a message arrives twice only when a worker died between sending it and marking it sent, and
  each such message carries a counted reclaim.
- Two worker processes on one PostgreSQL database share 10,000 messages: none is claimed
  twice (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import _truncate_postgres, require_postgres
from tests.integration.notify_helpers import smtp_server

pytestmark = pytest.mark.asyncio

MESSAGES = 120
KILLS = 6
# Each run is killed this long after it has visibly started sending: long enough to deliver
# some messages, short enough that it never finishes the lot.
KILL_AFTER_SECONDS = (0.05, 0.4)
# Between sending a message and marking it sent the worker pauses this long (a slow commit),
# so that random kills land inside the duplicate window often enough to exercise it.
PAUSE_AFTER_SEND_SECONDS = 0.01
FINISH_TIMEOUT_SECONDS = 60


def worker_process(database_url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.outbox_worker_proc", database_url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def enqueue_many(count: int, now) -> None:
    from server.notify.outbox import Email, enqueue_email

    for i in range(count):
        await enqueue_email(
            f"test:kill:{i}",
            Email(
                to=[f"person{i}@example.org"], subject=f"Test {i}", text="Hej", html="<p>Hej</p>"
            ),
            now=now,
        )


async def test_killed_workers_lose_nothing_and_count_their_duplicates(database_url) -> None:
    from server import db
    from server.clock import Clock
    from server.notify.tables import OutboxMessage

    async with db.connected(database_url) as engine:
        await db.migrate()
        async with db.write_transaction(engine):
            await enqueue_many(MESSAGES, Clock().now())
        rng = random.Random(6)
        with smtp_server() as sink:
            kills = 0
            while kills < KILLS:
                before = len(sink.messages)
                process = worker_process(
                    database_url,
                    "--smtp-port",
                    str(sink.port),
                    "--pause-after-send",
                    str(PAUSE_AFTER_SEND_SECONDS),
                )
                deadline = time.monotonic() + 20
                while len(sink.messages) == before and process.poll() is None:
                    assert time.monotonic() < deadline, "the worker never started sending"
                    await asyncio.sleep(0.01)
                await asyncio.sleep(rng.uniform(*KILL_AFTER_SECONDS))
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
            assert len(set(sink.message_ids())) < MESSAGES, "the kills came too late"
            last = worker_process(database_url, "--smtp-port", str(sink.port), "--exit-when-idle")
            _, stderr = last.communicate(timeout=FINISH_TIMEOUT_SECONDS)
            assert last.returncode == 0, stderr
            delivered = Counter(sink.message_ids())
        rows = await OutboxMessage.select(
            OutboxMessage.id, OutboxMessage.state, OutboxMessage.reclaims
        )
    assert {r["state"] for r in rows} == {"sent"}
    domain = "kommun.example.se"
    expected = {f"<{r['id']}@{domain}>" for r in rows}
    assert set(delivered) == expected  # 0 missing, nothing foreign
    reclaims = {f"<{r['id']}@{domain}>": r["reclaims"] for r in rows}
    duplicates = {mid: n - 1 for mid, n in delivered.items() if n > 1}
    # A message went out twice only if its claim was taken over after a worker died.
    for mid, extra in duplicates.items():
        assert extra <= reclaims[mid], (mid, extra, reclaims[mid])
    # At most one message per killed worker can be inside the send/mark window.
    assert sum(duplicates.values()) <= KILLS
    print(f"kills={KILLS} duplicates={sum(duplicates.values())} reclaims={sum(reclaims.values())}")


TWO_WORKER_MESSAGES = 10_000


@pytest.fixture
def postgres_url(postgres_database) -> str:
    """The emptied scratch PostgreSQL database (this test is about PostgreSQL's row locks)."""
    database = require_postgres(postgres_database)
    _truncate_postgres(database.url)
    return database.url


async def test_two_postgres_workers_never_claim_the_same_message(
    postgres_url: str, tmp_path: Path
) -> None:
    from server import db
    from server.notify.tables import OutboxMessage

    async with db.connected(postgres_url):
        await db.migrate()
        # Literal SQL (a constant count, no parameters): Piccolo's raw() reads braces as
        # placeholders, so the JSON values are built with json_build_object.
        await OutboxMessage.raw(
            "INSERT INTO notify_outbox (id, channel, dedupe_key, recipients, subject, body_text,"
            " body_html, payload, state, attempts, send_attempts, reclaims, next_attempt_at,"
            " last_error, created_at)"
            " SELECT gen_random_uuid(), 'email', 'test:two:' || n,"
            " json_build_object('to', json_build_array('a@example.org')),"
            " 'Test', 'Hej', '<p>Hej</p>', json_build_object(), 'pending', 0, 0, 0, now(), '',"
            f" now() FROM generate_series(1, {TWO_WORKER_MESSAGES}) AS n"
        )
        records = [tmp_path / "worker-1.txt", tmp_path / "worker-2.txt"]
        processes = [
            worker_process(
                postgres_url,
                "--record",
                str(path),
                "--batch",
                "200",
                "--claim-seconds",
                "60",
                "--exit-when-idle",
            )
            for path in records
        ]
        for process in processes:
            _, stderr = process.communicate(timeout=FINISH_TIMEOUT_SECONDS)
            assert process.returncode == 0, stderr
        rows = await OutboxMessage.select(
            OutboxMessage.state, OutboxMessage.send_attempts, OutboxMessage.reclaims
        )
    sent = [set(path.read_text().split()) for path in records]
    lines = [len(path.read_text().split()) for path in records]
    assert lines == [len(s) for s in sent]  # nobody sent one message twice
    assert not sent[0] & sent[1]  # no message claimed by both
    assert len(sent[0] | sent[1]) == TWO_WORKER_MESSAGES
    assert all(lines), f"one worker did all the work: {lines}"
    assert len(rows) == TWO_WORKER_MESSAGES
    assert {(r["state"], r["send_attempts"], r["reclaims"]) for r in rows} == {("sent", 1, 0)}
    print(f"worker shares: {lines}")
