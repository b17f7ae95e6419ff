"""Seed 002 end to end over HTTP, on SQLite and PostgreSQL: lock a fitter's day, letters in
bulk, replies by SMS and on the reply page, the two reminders, and what the SMS provider got.

The server runs under uvicorn on loopback with a fake 46elks (tests/integration/sms_provider.py)
that checks every send and calls our inbound webhook like the real one; the clock is the
test's, moved on to make the reminders due.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pypdf import PdfReader

from server.booking import codes
from server.clock import LOCAL_ZONE
from tests.integration.test_notify_sms import fake_elks, live, sms_worker  # noqa: F401
from tests.integration.world import Actor, World, assign, make_world, place_order

# The job runs in the server's event loop; a few hundred milliseconds per letter at most.
JOB_TIMEOUT_SECONDS = 60.0
VISIT_DAY = datetime(2026, 3, 24, tzinfo=LOCAL_ZONE)  # two weeks after the clock's day
ORDERS = 20
WITHOUT_STREET = {3, 11}  # two orders whose resident has no street address
WITH_MOBILE = set(range(0, 20, 2))  # every second resident has a mobile phone


async def planned_day(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    """Twenty service orders for fitter_1 on VISIT_DAY, 30 minutes apart from 08:00."""
    from server.accounts.tables import Organisation
    from server.customers.tables import Customer
    from server.locks.tables import Lock

    await Organisation.update({Organisation.phone: "018-727 00 00"}).where(
        Organisation.id == world.ids["fitters_1"]
    )
    planner, fitter = world["planner_1"], world["fitter_1"]
    orders = []
    for i in range(ORDERS):
        customer = Customer(
            provider=world.ids["provider_a"],
            name=f"Resident {i:02d}",
            street_address="" if i in WITHOUT_STREET else f"Kungsgatan {i + 1}",
            postal_code="753 21",
            city="Uppsala",
            phone=f"070-123 45 {i:02d}" if i in WITH_MOBILE else "018-12 34 56",
        )
        await customer.save()
        await Lock(
            serial=f"LW-BK{i:03d}", model="D1", state="installed", customer=customer.id
        ).save()
        order = await place_order(client, world["orderer_a"], str(customer.id))
        await assign(client, planner, order["id"], fitter)
        start = VISIT_DAY.replace(hour=8) + timedelta(minutes=30 * i)
        answer = await client.post(
            f"/api/orders/{order['id']}/assignment",
            json={
                "fitter_id": fitter.user_id,
                "planned_start": start.isoformat(),
                "estimate_minutes": 30,
            },
            headers=planner.headers,
        )
        assert answer.status_code == 201, answer.text
        orders.append({**order, "i": i, "start": start})
    return orders


async def order_of(client: httpx.AsyncClient, actor: Actor, order_id: str) -> dict[str, Any]:
    answer = await client.get(f"/api/orders/{order_id}", headers=actor.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def wait_for_job(client: httpx.AsyncClient, planner: Actor, job_id: str) -> list[int]:
    """Poll the job like the progress bar does; the done counts seen, until it is done."""
    seen = []
    deadline = asyncio.get_running_loop().time() + JOB_TIMEOUT_SECONDS
    while True:
        answer = await client.get(f"/api/booking/letter-jobs/{job_id}", headers=planner.headers)
        assert answer.status_code == 200, answer.text
        job = answer.json()
        seen.append(job["done"])
        if job["state"] == "done":
            return seen
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.05)


def number(order: dict[str, Any]) -> str:
    """The resident's mobile number in E.164, as the provider gets it."""
    return f"+467012345{order['i']:02d}"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_a_fitters_day_from_locking_to_reminders(settings, clock, fake_elks) -> None:  # noqa: F811
    from server.booking import jobs
    from server.notify.elks import callback_urls

    async with live(settings, clock, fake_elks) as services:
        base = services.settings.public_url
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            world = await make_world()
            planner = world["planner_1"]
            orders = await planned_day(client, world)
            by_id = {o["id"]: o for o in orders}

            # -- lock the day: 18 codes, 2 refused with what is missing --------------------
            answer = await client.post(
                "/api/booking/lock",
                json={"fitter_id": world["fitter_1"].user_id, "day": VISIT_DAY.date().isoformat()},
                headers=planner.headers,
            )
            assert answer.status_code == 200, answer.text
            locked, refused = answer.json()["locked"], answer.json()["refused"]
            assert len(locked) == ORDERS - len(WITHOUT_STREET)
            assert {by_id[r["order_id"]]["i"] for r in refused} == WITHOUT_STREET
            assert all(r["missing"] == ["street"] for r in refused)
            assert all("gatuadress" in r["message_sv"] for r in refused)
            code_of = {entry["order_id"]: entry["booking_code"] for entry in locked}
            assert len(set(code_of.values())) == len(code_of)
            for entry in locked:
                assert codes.normalise(entry["booking_code"]) is not None
                order = await order_of(client, planner, entry["order_id"])
                assert order["status"] == "ready_to_print"
                assert order["booking_code"] == entry["booking_code"]
            for entry in refused:
                assert (await order_of(client, planner, entry["order_id"]))["status"] == "scheduled"
            # The fitter sees the code the resident's letter will print.
            first = locked[0]["order_id"]
            fitter_view = await order_of(client, world["fitter_1"], first)
            assert fitter_view["booking_code"] == code_of[first]

            # -- letters in bulk, with progress -------------------------------------------
            answer = await client.post(
                "/api/booking/letter-jobs",
                json={"order_ids": list(code_of)},
                headers=planner.headers,
            )
            assert answer.status_code == 202, answer.text
            job = answer.json()
            assert job["total"] == len(code_of)
            seen = await wait_for_job(client, planner, job["id"])
            assert seen == sorted(seen) and seen[-1] == len(code_of)
            tray = (await client.get("/api/booking/letters", headers=planner.headers)).json()
            assert {letter["order_id"] for letter in tray} == set(code_of)
            for letter in tray:
                order = by_id[letter["order_id"]]
                content = await client.get(
                    f"/api/booking/letters/{letter['id']}/pdf", headers=planner.headers
                )
                assert content.status_code == 200
                assert content.headers["content-type"].startswith("application/pdf")
                text = pdf_text(content.content)
                assert code_of[letter["order_id"]] in text
                start = order["start"].astimezone(LOCAL_ZONE)
                assert f"{start:%H.%M}" in text  # the time window, as the letter writes it
                assert "/s" in text and "OK" in text  # how to answer
                assert "Resident" in text and "Kungsgatan" in text
                current = await order_of(client, planner, letter["order_id"])
                assert current["status"] == "awaiting_response"
            merged = await client.get(
                "/api/booking/letters/merged",
                params=[("id", letter["id"]) for letter in tray],
                headers=planner.headers,
            )
            assert merged.status_code == 200
            assert len(PdfReader(io.BytesIO(merged.content)).pages) == len(tray)
            marked = await client.post(
                "/api/booking/letters/printed",
                json={"letter_ids": [letter["id"] for letter in tray[:5]]},
                headers=planner.headers,
            )
            assert marked.json() == {"marked": 5}
            left = (await client.get("/api/booking/letters", headers=planner.headers)).json()
            assert len(left) == len(tray) - 5

            # -- replies -------------------------------------------------------------------
            ids = [o["id"] for o in orders if o["id"] in code_of]
            inbound = callback_urls(services.settings, services.box)["inbound"]
            sms_ok, web_ok, sms_contact, web_other = ids[0], ids[1], ids[2], ids[3]
            spaced = codes.spoken_groups(codes.normalise(code_of[sms_ok]) or "")
            first_sms = await fake_elks.send_inbound(inbound, f"{spaced} OK", sms_id="in-1")
            assert first_sms.status == 204
            retried = await fake_elks.send_inbound(inbound, f"{spaced} OK", sms_id="in-1")
            assert retried.status == 204  # the provider retried: one reply, not two
            web = await client.post(
                "/api/public/booking-replies",
                json={"code": code_of[web_ok].lower(), "answer": " ok "},
            )
            assert web.status_code == 202 and web.json() == {"received": True}
            await fake_elks.send_inbound(inbound, f"{code_of[sms_contact]} KONTAKT", sms_id="in-2")
            await client.post(
                "/api/public/booking-replies",
                json={"code": code_of[web_other], "answer": "Passer ikke"},
            )
            # A code of the right form that no order has (a typo, or a guess).
            unknown = await client.post(
                "/api/public/booking-replies", json={"code": "XXX-XXX-XXX", "answer": "OK"}
            )
            assert unknown.status_code == 202 and unknown.json() == web.json()
            # A repeated answer to an order no longer awaiting one: kept, moves nothing.
            await fake_elks.send_inbound(inbound, f"{spaced} ok", sms_id="in-3")

            status = {i: (await order_of(client, planner, i))["status"] for i in ids}
            assert status[sms_ok] == "ready_for_execution"
            assert status[web_ok] == "ready_for_execution"
            assert status[sms_contact] == "manual_followup"
            assert status[web_other] == "manual_followup"
            other = await client.get(f"/api/orders/{web_other}/booking", headers=planner.headers)
            assert other.json()["reply_text"] == "Passer ikke"
            replies = (
                await client.get("/api/booking/replies?unhandled=false", headers=planner.headers)
            ).json()
            outcomes = sorted(r["outcome"] for r in replies)
            assert outcomes == sorted(
                ["confirmed", "confirmed", "follow_up", "follow_up", "unmatched", "not_awaiting"]
            )
            unread = (await client.get("/api/booking/replies", headers=planner.headers)).json()
            assert {r["outcome"] for r in unread} == {"follow_up", "unmatched", "not_awaiting"}
            # Another company's planner reads none of this company's replies.
            theirs = (
                await client.get("/api/booking/replies", headers=world["planner_2"].headers)
            ).json()
            assert {r["outcome"] for r in theirs} == {"unmatched"}

            # -- the booking reminder, once the wait is over -------------------------------
            assert fake_elks.sent == []
            awaiting = [i for i in ids if status[i] == "awaiting_response"]
            clock.set(
                clock.now()
                + timedelta(hours=services.settings.booking_reminder_after_letter_hours + 1)
            )
            local = clock.now().astimezone(LOCAL_ZONE)
            clock.set(local.replace(hour=10).astimezone(UTC))  # in the daytime
            reminded = await jobs.run_booking_reminders(services)
            with_mobile = [i for i in awaiting if by_id[i]["i"] in WITH_MOBILE]
            assert reminded == len(with_mobile) > 0
            assert await jobs.run_booking_reminders(services) == 0  # once only
            for i in awaiting:
                expected = "manual_followup" if i in with_mobile else "awaiting_response"
                assert (await order_of(client, planner, i))["status"] == expected

            # -- the appointment reminder, the day before ----------------------------------
            clock.set((VISIT_DAY - timedelta(days=1)).replace(hour=11).astimezone(UTC))
            confirmed = [sms_ok, web_ok]
            queued = await jobs.run_appointment_reminders(services)
            assert queued == sum(1 for i in confirmed if by_id[i]["i"] in WITH_MOBILE)
            await jobs.run_appointment_reminders(services)  # again: the outbox keeps one

            worker = sms_worker(services)
            await worker.drain()
            assert fake_elks.rejected == []
            got = sorted((s.form["to"], s.form["message"][:40]) for s in fake_elks.sent)
            want_numbers = sorted(
                [number(by_id[i]) for i in with_mobile]
                + [number(by_id[i]) for i in confirmed if by_id[i]["i"] in WITH_MOBILE]
            )
            assert sorted(to for to, _ in got) == want_numbers
            texts = [s.form["message"] for s in fake_elks.sent]
            assert sum("inte fått ditt svar" in t for t in texts) == len(with_mobile)
            assert sum("i morgon" in t for t in texts) == len(want_numbers) - len(with_mobile)
            for message in fake_elks.sent:
                order_id = next(i for i in ids if number(by_id[i]) == message.form["to"])
                assert (
                    codes.spoken_groups(codes.normalise(code_of[order_id]) or "")
                    in (message.form["message"])
                )


async def test_manual_follow_up_confirm_by_sms_and_reschedule(settings, clock, fake_elks) -> None:  # noqa: F811
    """Seed 002 "Manuell oppfølging": follow up before the reminder, confirm with an SMS, and
    a new time that makes a new code and a new letter (the old code moves nothing after)."""
    from server.booking import jobs

    async with live(settings, clock, fake_elks) as services:
        base = services.settings.public_url
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            world = await make_world()
            planner = world["planner_1"]
            orders = (await planned_day(client, world))[:3]
            ids = [o["id"] for o in orders]  # residents 0 and 2 have a mobile phone
            locked = await client.post(
                "/api/booking/lock", json={"order_ids": ids}, headers=planner.headers
            )
            assert len(locked.json()["locked"]) == 3
            old_code = {e["order_id"]: e["booking_code"] for e in locked.json()["locked"]}
            job = await client.post(
                "/api/booking/letter-jobs", json={"order_ids": ids}, headers=planner.headers
            )
            await wait_for_job(client, planner, job.json()["id"])

            async def move(order_id: str, action: str) -> httpx.Response:
                version = (await order_of(client, planner, order_id))["version"]
                return await client.post(
                    f"/api/orders/{order_id}/transitions",
                    json={"action": action, "expected_version": version},
                    headers=planner.headers,
                )

            # "Follow up manually" before the reminder, for all three.
            for order_id in ids:
                assert (await move(order_id, "follow_up_manually")).status_code == 201

            # "Send confirmation SMS": ready for execution, the SMS queued once.
            first = ids[0]
            version = (await order_of(client, planner, first))["version"]
            confirmed = await client.post(
                f"/api/booking/orders/{first}/confirmation-sms",
                json={"expected_version": version},
                headers=planner.headers,
            )
            assert confirmed.status_code == 200, confirmed.text
            assert confirmed.json()["status"] == "ready_for_execution"
            # A landline: refused with what is missing, and the order stays where it was.
            landline = ids[1]
            refused = await client.post(
                f"/api/booking/orders/{landline}/confirmation-sms",
                json={},
                headers=planner.headers,
            )
            assert refused.status_code == 400 and refused.json()["missing"] == ["phone"]
            assert (await order_of(client, planner, landline))["status"] == "manual_followup"
            # "Send to execution" without an SMS.
            assert (await move(landline, "confirm")).status_code == 201

            # A new time on the board: a new code, and a new letter since one went out.
            moved = ids[2]
            new_start = orders[2]["start"] + timedelta(days=1)
            answer = await client.post(
                f"/api/orders/{moved}/assignment",
                json={
                    "fitter_id": world["fitter_1"].user_id,
                    "planned_start": new_start.isoformat(),
                    "estimate_minutes": 30,
                },
                headers=planner.headers,
            )
            assert answer.status_code == 201, answer.text
            after = await order_of(client, planner, moved)
            assert after["status"] == "ready_to_print"
            assert after["booking_code"] and after["booking_code"] != old_code[moved]
            await jobs.run_letter_jobs(services)
            booking = (
                await client.get(f"/api/orders/{moved}/booking", headers=planner.headers)
            ).json()
            assert booking["letter"]["booking_code"] == after["booking_code"]
            assert (await order_of(client, planner, moved))["status"] == "awaiting_response"
            # The old letter's code is kept as a reply to read, and moves nothing.
            await client.post(
                "/api/public/booking-replies", json={"code": old_code[moved], "answer": "OK"}
            )
            assert (await order_of(client, planner, moved))["status"] == "awaiting_response"
            unread = (await client.get("/api/booking/replies", headers=planner.headers)).json()
            assert [(r["order_id"], r["outcome"]) for r in unread] == [(moved, "not_awaiting")]

            await sms_worker(services).drain()
            assert [s.form["to"] for s in fake_elks.sent] == [number(orders[0])]
            assert "Bekräftat" in fake_elks.sent[0].form["message"]
