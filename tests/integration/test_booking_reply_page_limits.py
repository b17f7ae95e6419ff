"""Residents' replies (seed 002): the public reply page's limits and silence, and the rule that
every reply is kept once and moves its order at most once — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from server.booking import codes, replies
from tests.conftest import api_client
from tests.integration.world import make_world

PER_ADDRESS = 4
GLOBAL = 10


@pytest.fixture
async def limited(settings, clock):
    from server.app import create_app

    app_settings = msgspec.structs.replace(
        settings,
        # The test client is the proxy: X-Forwarded-For names the resident's address.
        trusted_proxies="127.0.0.1",
        booking_replies_per_address=PER_ADDRESS,
        booking_replies_global=GLOBAL,
    )
    async with api_client(create_app(app_settings, clock=clock)) as client:
        yield client


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def _answer(client: Any, address: str, code: str = "ACD-EFH-JKM", answer: str = "OK"):
    return await client.post(
        "/api/public/booking-replies", json={"code": code, "answer": answer}, headers=_from(address)
    )


async def test_the_reply_page_limits_each_address_and_everyone(limited) -> None:
    await make_world()
    first = [await _answer(limited, "203.0.113.7") for _ in range(PER_ADDRESS + 3)]
    assert [r.status_code for r in first] == [202] * PER_ADDRESS + [429] * 3
    refused = first[-1]
    assert int(refused.headers["Retry-After"]) > 0
    assert "ring" in refused.json()["message_sv"]  # says what to do instead: call
    # Another address is not held back by the first one's guesses.
    assert (await _answer(limited, "198.51.100.9")).status_code == 202
    # Until everyone together reaches the global bound.
    statuses = [(await _answer(limited, f"192.0.2.{n}")).status_code for n in range(GLOBAL)]
    accepted = PER_ADDRESS + 1 + statuses.count(202)
    assert accepted == GLOBAL and statuses[-1] == 429


async def test_the_answer_says_nothing_about_the_code(client, world) -> None:
    """A live code, an unknown one and one that is no code at all get the same answer."""
    from server.orders.tables import WorkOrder

    live = codes.new_code()
    await WorkOrder.update({WorkOrder.booking_code: live}).where(
        WorkOrder.id == world.ids["order_a"]
    )
    answers = [
        await client.post("/api/public/booking-replies", json={"code": code, "answer": "Hej"})
        for code in (codes.format_code(live), "ACD-EFH-JKM", "not a code at all")
    ]
    shown = {(a.status_code, a.text, a.headers.get("content-type")) for a in answers}
    assert len(shown) == 1 and answers[0].status_code == 202
    # Bad input is refused with what to do, the same way for any code.
    empty = await client.post("/api/public/booking-replies", json={"code": "X", "answer": ""})
    assert empty.status_code == 400


ANSWERS = st.sampled_from(["OK", " ok ", "Ok\n", "KONTAKT", "Passer ikke", "Ok!!", "", "ja"])


@st.composite
def reply_sequences(draw: Any) -> list[tuple[str, int, str, int]]:
    """(channel, which order's code (-1: unknown, -2: none), answer, SMS id) in order; SMS
    ids come from a small pool, so the provider's retries of one message occur."""
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(["sms", "web"]),
                st.integers(min_value=-2, max_value=2),
                ANSWERS,
                st.integers(min_value=0, max_value=5),
            ),
            max_size=14,
        )
    )


@hypothesis_settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequence=reply_sequences())
async def test_every_reply_is_kept_once_and_moves_its_order_once(client, world, sequence) -> None:
    """Against a model: the first reply with an order's code decides (OK -> ready, anything
    else -> follow-up); later ones are kept and move nothing; a retried SMS is one reply."""
    from server.booking.service import BookingService
    from server.booking.tables import BookingReply
    from server.notify.sms import InboundMessage
    from server.orders.tables import WorkOrder

    services = client.app.state["services"]
    template = await WorkOrder.select().where(WorkOrder.id == world.ids["order_a"]).first()
    assert template is not None
    run = uuid.uuid4().hex[:8]
    orders = []
    for index in range(3):
        code = codes.new_code()
        row = {**template, "id": uuid.uuid4(), "reference": f"R{run}{index}"}
        row.update(status="awaiting_response", booking_code=code, booking_reply="", version=1)
        await WorkOrder.insert(WorkOrder(**row))
        orders.append((row["id"], code))
    booking = BookingService(services)
    replies_before = await BookingReply.count()
    model_status = {oid: "awaiting_response" for oid, _ in orders}
    model_text = {oid: "" for oid, _ in orders}
    seen_sms: set[int] = set()
    kept = 0
    for channel, which, answer, sms_id in sequence:
        code = orders[which][1] if which >= 0 else ("ACDEFHJKM" if which == -1 else None)
        if channel == "sms":
            body = f"{codes.spoken_groups(code)} {answer}" if code else answer
            await booking.inbound_sms(
                InboundMessage(
                    provider_message_id=f"{run}-{sms_id}",
                    sender="+46709999999",  # nobody's: a reply without code matches no order
                    recipient="+46766861004",
                    text=body,
                    sent_at=datetime.now(UTC),
                )
            )
            if sms_id in seen_sms:
                continue  # the provider's retry: already kept
            seen_sms.add(sms_id)
            # The SMS reading: the code first, then the answer.
            parsed = replies.parse_sms(body)
            answer_read = parsed.text if parsed.code else body
        else:
            await booking.record_reply("web", code or "", code, answer)
            answer_read = answer
        kept += 1
        if which >= 0:
            oid = orders[which][0]
            if model_status[oid] == "awaiting_response":
                ok = answer_read.strip().casefold() == "ok"
                model_status[oid] = "ready_for_execution" if ok else "manual_followup"
                model_text[oid] = answer_read
    ids = [oid for oid, _ in orders]
    rows = {
        r["id"]: r
        for r in await WorkOrder.select(
            WorkOrder.id, WorkOrder.status, WorkOrder.booking_reply, WorkOrder.version
        ).where(WorkOrder.id.is_in(ids))
    }
    for oid in ids:
        assert rows[oid]["status"] == model_status[oid]
        assert rows[oid]["booking_reply"] == model_text[oid]
        # Moved at most once: one version step, whatever came after.
        assert rows[oid]["version"] == (1 if model_status[oid] == "awaiting_response" else 2)
    assert await BookingReply.count() - replies_before == kept
