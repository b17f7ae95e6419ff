"""SMS through the outbox to a fake 46elks on loopback, and its callbacks to a real server.

The server runs under uvicorn on a loopback port in the test's event loop, so the fake
provider calls it back over HTTP exactly as 46elks would, and the test reads the database
directly. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import _truncate_postgres, api_client
from tests.integration.sms_provider import FakeElks, configured, elks_time
from tests.live_server import free_port

# A loopback server starts in well under a second; this only bounds a broken start.
START_TIMEOUT_SECONDS = 30.0
TEXT = "Hej! Montören Jørgen kommer tisdag 10 mars kl. 10.00–11.00. Svara K7R HM3 XPR OK."


@contextlib.asynccontextmanager
async def serving(app: Any, port: int) -> AsyncIterator[str]:
    """The app under uvicorn on 127.0.0.1:port, in this event loop (lifespan included)."""
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT_SECONDS
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
            raise RuntimeError("the server stopped before it started")
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the server did not start in time")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def fake_elks() -> AsyncIterator[FakeElks]:
    fake = FakeElks()
    await fake.start()
    yield fake
    await fake.stop()


@contextlib.asynccontextmanager
async def live(settings: Any, clock: Any, fake: FakeElks) -> AsyncIterator[Any]:
    """A running server configured for the fake provider; yields its services."""
    from server.app import create_app

    port = free_port()
    app_settings = configured(settings, fake, f"http://127.0.0.1:{port}")
    app = create_app(app_settings, clock=clock)
    async with serving(app, port):
        yield app.state["services"]


def sms_worker(services: Any) -> Any:
    from server.notify.elks import ElksTransport
    from server.notify.outbox import Channel
    from server.notify.worker import NotificationWorker

    return NotificationWorker(
        services.engine,
        services.clock,
        {Channel.SMS: ElksTransport(services.settings, services.box)},
    )


async def enqueue(services: Any, key: str, to: str = "070-123 45 67") -> str:
    from server.db import write_transaction
    from server.notify.outbox import enqueue_sms

    async with write_transaction(services.engine):
        return await enqueue_sms(key, to, TEXT, now=services.clock.now())


async def outbox_row(key: str) -> dict[str, Any]:
    from server.notify.tables import OutboxMessage

    row = await OutboxMessage.select().where(OutboxMessage.dedupe_key == key).first()
    assert row is not None
    return row


async def test_an_sms_is_sent_once_and_its_receipts_are_stored_once(
    settings, clock, fake_elks
) -> None:
    async with live(settings, clock, fake_elks) as services:
        assert await enqueue(services, "test:sms:1") == "+46701234567"
        worker = sms_worker(services)
        assert await worker.drain() == 1
        assert await worker.drain() == 0
        assert fake_elks.rejected == []
        assert len(fake_elks.sent) == 1
        form = fake_elks.sent[0].form
        assert form["to"] == "+46701234567"
        assert form["from"] == fake_elks.sender
        assert form["message"] == TEXT
        # Receipts come back to us, carrying the callback secret as Basic credentials.
        receipt_url = httpx.URL(form["whendelivered"])
        assert receipt_url.path == "/api/sms/46elks/delivery"
        assert receipt_url.username == "46elks" and len(receipt_url.password or "") >= 32
        row = await outbox_row("test:sms:1")
        assert row["state"] == "sent"
        assert row["provider_message_id"] == fake_elks.sent[0].id
        assert row["delivery_status"] == "created"

        handed_over = await fake_elks.send_receipts("sent")
        assert [c.status for c in handed_over] == [204]
        assert (await outbox_row("test:sms:1"))["delivery_status"] == "sent"

        delivered_at = datetime(2026, 3, 10, 9, 31, 5, tzinfo=UTC)
        clock.set(clock.now() + timedelta(minutes=1))
        first = await fake_elks.send_receipts("delivered", at=delivered_at)
        stored = await outbox_row("test:sms:1")
        # The provider retries until it is acknowledged: the same receipt again, and a late
        # "sent", change nothing.
        clock.set(clock.now() + timedelta(minutes=1))
        again = await fake_elks.send_receipts("delivered", at=delivered_at)
        late = await fake_elks.send_receipts("sent")
        assert [c.status for c in first + again + late] == [204, 204, 204]
        after = await outbox_row("test:sms:1")
        assert after["delivery_status"] == "delivered"
        assert after["delivered_at"] == delivered_at
        assert after["delivery_updated_at"] == stored["delivery_updated_at"]
        assert after == stored
        assert len(fake_elks.sent) == 1


async def test_a_provider_error_is_retried_and_sent_once(settings, clock, fake_elks) -> None:
    fake_elks.answers = [503, 502]
    async with live(settings, clock, fake_elks) as services:
        await enqueue(services, "test:sms:retry")
        worker = sms_worker(services)
        assert await worker.drain() == 1
        row = await outbox_row("test:sms:retry")
        assert (row["state"], row["attempts"]) == ("pending", 1)
        assert "503" in row["last_error"]
        assert await worker.drain() == 0  # not due yet
        clock.set(clock.now() + timedelta(seconds=40))
        assert await worker.drain() == 1
        assert (await outbox_row("test:sms:retry"))["attempts"] == 2
        clock.set(clock.now() + timedelta(seconds=80))
        assert await worker.drain() == 1
        row = await outbox_row("test:sms:retry")
        assert row["state"] == "sent" and row["provider_message_id"] == fake_elks.sent[0].id
        assert fake_elks.requests == 3 and len(fake_elks.sent) == 1


async def test_a_refused_message_fails_at_once(settings, clock, fake_elks) -> None:
    fake_elks.answers = [400]
    async with live(settings, clock, fake_elks) as services:
        await enqueue(services, "test:sms:bad")
        await sms_worker(services).drain()
        row = await outbox_row("test:sms:bad")
        assert (row["state"], row["attempts"]) == ("failed", 0)
        assert "400" in row["last_error"]


async def test_two_workers_send_each_sms_exactly_once(settings, clock, fake_elks) -> None:
    async with live(settings, clock, fake_elks) as services:
        for i in range(30):
            await enqueue(services, f"test:sms:many:{i}", to=f"070-123 45 {i:02d}")
        a, b = sms_worker(services), sms_worker(services)
        a.batch_size = b.batch_size = 4
        await asyncio.gather(a.drain(), b.drain())
        assert fake_elks.rejected == []
        assert sorted(s.form["to"] for s in fake_elks.sent) == sorted(
            f"+467012345{i:02d}" for i in range(30)
        )


async def test_inbound_sms_are_kept_once_per_provider_id(settings, clock, fake_elks) -> None:
    from server.notify.elks import callback_urls
    from server.notify.tables import InboundSms

    async with live(settings, clock, fake_elks) as services:
        sms_url = callback_urls(services.settings, services.box)["inbound"]
        sent_at = datetime(2026, 3, 10, 9, 40, 12, 741000, tzinfo=UTC)
        first = await fake_elks.send_inbound(sms_url, "K7R HM3 XPR ok ", sms_id="s1", at=sent_at)
        again = await fake_elks.send_inbound(sms_url, "K7R HM3 XPR ok ", sms_id="s1", at=sent_at)
        other = await fake_elks.send_inbound(sms_url, "Passer ikke", sms_id="s2")
        assert [c.status for c in (first, again, other)] == [204, 204, 204]
        # An answer with a body would be texted back to the resident by 46elks.
        assert [c.body for c in (first, again, other)] == [b"", b"", b""]
        rows = await InboundSms.select().order_by(InboundSms.provider_message_id)
        assert [(r["provider_message_id"], r["message"]) for r in rows] == [
            ("s1", "K7R HM3 XPR ok "),
            ("s2", "Passer ikke"),
        ]
        assert rows[0]["sender"] == "+46701234567"
        assert rows[0]["recipient"] == fake_elks.sender
        assert rows[0]["sent_at"] == sent_at
        # Read as a booking reply in the same transaction (server.booking): kept even though
        # no order has the code.
        assert rows[0]["handled_at"] is not None
        from server.booking.tables import BookingReply

        replies = await BookingReply.select().order_by(BookingReply.source_id)
        assert [(r["source_id"], r["outcome"]) for r in replies] == [
            ("s1", "unmatched"),
            ("s2", "unmatched"),
        ]


async def test_without_configuration_an_sms_is_held_and_readable(client, world) -> None:
    services = client.app.state["services"]
    assert not services.settings.sms_username
    await enqueue(services, "test:sms:held")
    await sms_worker(services).drain()
    response = await client.get(
        "/api/admin/outbox",
        params={"channel": "sms", "state": "held"},
        headers=world["admin"].headers,
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["recipients"] == {"to": "+46701234567"}
    assert item["body_text"] == TEXT
    assert "LOCKWORK_SMS_USERNAME" in item["last_error"]


async def test_enqueueing_an_invalid_number_is_refused(client) -> None:
    from server.notify.phones import PhoneNumberInvalid
    from server.notify.tables import OutboxMessage

    services = client.app.state["services"]
    with pytest.raises(PhoneNumberInvalid):
        await enqueue(services, "test:sms:invalid", to="12345")
    assert await OutboxMessage.count() == 0


CALLBACKS = [
    ("/api/sms/46elks/inbound", {"id": "s9", "from": "+46701234567", "to": "+46766861004",
                                 "message": "OK", "direction": "incoming",
                                 "created": "2026-03-10T09:40:12.741000"}),
    ("/api/sms/46elks/delivery", {"id": "s8", "status": "delivered",
                                  "delivered": "2026-03-10T09:41:00Z"}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "form"), CALLBACKS)
async def test_a_callback_without_the_secret_is_refused_and_stores_nothing(
    client, path: str, form: dict[str, str]
) -> None:
    from server.notify.elks import callback_secret
    from server.notify.tables import InboundSms, OutboxMessage

    services = client.app.state["services"]
    secret = callback_secret(services.settings, services.box)
    # A sent SMS whose receipt the forged callback would change.
    await OutboxMessage.insert(
        OutboxMessage(
            channel="sms",
            dedupe_key="test:sms:forged",
            recipients={"to": "+46701234567"},
            state="sent",
            provider_message_id="s8",
            delivery_status="created",
        )
    )
    refused = [
        {},
        {"auth": ("46elks", "not-the-secret-" + "x" * 20)},
        {"auth": ("46elks", secret[:-1])},
        {"params": {"secret": "wrong"}},
        {"params": {"secret": ""}},
    ]
    for extra in refused:
        response = await client.post(path, data=form, **extra)
        assert response.status_code == 401, (extra, response.text)
        assert response.json()["code"] == "unauthenticated"
    assert await InboundSms.count() == 0
    row = await OutboxMessage.select().where(OutboxMessage.provider_message_id == "s8").first()
    assert row["delivery_status"] == "created"
    # The same callback with the secret is taken, as Basic credentials or in the query.
    taken = await client.post(path, data=form, auth=("46elks", secret))
    assert taken.status_code == 204, taken.text
    again = await client.post(path, data=form, params={"secret": secret})
    assert again.status_code == 204, again.text


async def test_malformed_callbacks_say_what_is_wrong(client) -> None:
    from server.notify.elks import callback_secret
    from server.notify.tables import InboundSms

    services = client.app.state["services"]
    auth = ("46elks", callback_secret(services.settings, services.box))
    inbound = dict(CALLBACKS[0][1])
    cases = [
        ("/api/sms/46elks/inbound", {k: v for k, v in inbound.items() if k != "id"}, "id"),
        ("/api/sms/46elks/inbound", {**inbound, "created": "yesterday"}, "created"),
        ("/api/sms/46elks/inbound", {**inbound, "direction": "outgoing"}, "direction"),
        ("/api/sms/46elks/inbound", {**inbound, "message": "x" * 1601}, "message"),
        ("/api/sms/46elks/delivery", {"id": "s8", "status": "lost"}, "status"),
    ]
    for path, form, field in cases:
        response = await client.post(path, data=form, auth=auth)
        assert response.status_code == 400, (form, response.text)
        assert response.json()["field"] == field
    # A receipt for an id we never sent: not found, so the provider tries again later.
    unknown = await client.post(
        "/api/sms/46elks/delivery", data={"id": "s-unknown", "status": "sent"}, auth=auth
    )
    assert unknown.status_code == 404
    assert await InboundSms.count() == 0


# -- a property: retried callbacks change nothing ------------------------------------------------

receipt_statuses = st.lists(
    st.sampled_from(["sent", "delivered", "failed"]), min_size=1, max_size=5
)


@st.composite
def with_repeats(draw: st.DrawFn, base: list[Any]) -> list[Any]:
    """``base`` with extra copies of its items inserted anywhere after their first place."""
    result = list(base)
    for _ in range(draw(st.integers(0, 6))):
        index = draw(st.integers(0, len(base) - 1))
        item = base[index]
        first = result.index(item)
        result.insert(draw(st.integers(first + 1, len(result))), item)
    return result


@st.composite
def callback_programs(draw: st.DrawFn) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    receipts = draw(receipt_statuses)
    inbound = draw(
        st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True)
    )
    messages = [(name, draw(st.sampled_from(["OK", " ok ", "KONTAKT", "Passer ikke"])))
                for name in inbound]  # fmt: skip
    return receipts, draw(with_repeats(receipts)), draw(with_repeats(messages))


class RunningApp:
    """One app and its ASGI client for a whole hypothesis run, on one event loop."""

    def __init__(self, settings: Any, clock: Any) -> None:
        from server.app import create_app

        self.loop = asyncio.new_event_loop()
        self._client_cm = api_client(create_app(settings, clock=clock))
        self.client = self.loop.run_until_complete(self._client_cm.__aenter__())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self.loop.run_until_complete(self._client_cm.__aexit__(None, None, None))
        self.loop.close()


async def _apply(
    client: Any, program: Any, run_id: str, repeated: bool
) -> tuple[str, list[tuple[str, str]]]:
    from server.notify.elks import callback_secret
    from server.notify.tables import InboundSms, OutboxMessage

    services = client.app.state["services"]
    auth = ("46elks", callback_secret(services.settings, services.box))
    receipts, receipts_repeated, messages = program
    prefix = f"{run_id}-{'r' if repeated else 'o'}"
    provider_id = f"{prefix}-out"
    await OutboxMessage.insert(
        OutboxMessage(
            channel="sms",
            dedupe_key=f"test:{provider_id}",
            recipients={"to": "+46701234567"},
            state="sent",
            provider_message_id=provider_id,
            delivery_status="created",
        )
    )
    for status in receipts_repeated if repeated else receipts:
        form = {"id": provider_id, "status": status}
        if status == "delivered":
            form["delivered"] = "2026-03-10T09:41:00Z"
        response = await client.post("/api/sms/46elks/delivery", data=form, auth=auth)
        assert response.status_code == 204, response.text
    unique_messages = list(dict.fromkeys(messages))
    for name, text in messages if repeated else unique_messages:
        form = {"id": f"{prefix}-in-{name}", "from": "+46701234567", "to": "+46766861004",
                "message": text, "direction": "incoming",
                "created": elks_time(datetime(2026, 3, 10, 9, 40, tzinfo=UTC))}  # fmt: skip
        response = await client.post("/api/sms/46elks/inbound", data=form, auth=auth)
        assert response.status_code == 204, response.text
    row = (
        await OutboxMessage.select().where(OutboxMessage.provider_message_id == provider_id).first()
    )
    inbound = await InboundSms.select(InboundSms.provider_message_id, InboundSms.message).where(
        InboundSms.provider_message_id.like(f"{prefix}-in-%")
    )
    # A list, not a dict: a message stored twice would show as two entries.
    return row["delivery_status"], sorted(
        (r["provider_message_id"].removeprefix(f"{prefix}-in-"), r["message"]) for r in inbound
    )


def test_retried_callbacks_end_as_if_each_came_once(database_url, tmp_path) -> None:
    """Any receipt or inbound SMS delivered again, at any later point, changes nothing."""
    from server.clock import FrozenClock
    from server.settings import load_settings
    from tests.conftest import TEST_SECRET

    if database_url.startswith("postgresql"):
        _truncate_postgres(database_url)
    app_settings = load_settings(
        environ={},
        data_dir=str(tmp_path / "var"),
        database_url=database_url,
        secret_key=TEST_SECRET,
        background_jobs=False,
    )
    app = RunningApp(app_settings, FrozenClock(datetime(2026, 3, 10, 9, 30, tzinfo=UTC)))
    try:

        @given(program=callback_programs())
        @hypothesis_settings(
            max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        )
        def check(program: Any) -> None:
            run_id = uuid.uuid4().hex[:12]
            once_status, once_inbound = app.run(_apply(app.client, program, run_id, False))
            again_status, again_inbound = app.run(_apply(app.client, program, run_id, True))
            assert again_status == once_status
            assert again_inbound == once_inbound
            # And the rule by hand: the first final status wins, else how far it got.
            receipts = program[0]
            finals = [s for s in receipts if s in {"delivered", "failed"}]
            assert once_status == (finals[0] if finals else "sent")
            assert once_inbound == sorted(set(program[2]))

        check()
    finally:
        app.close()
