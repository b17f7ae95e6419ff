"""Who may use the booking routes (seed 002): every actor of the world, own and other company.

Written out by hand from the rules: the fitters' planner of the performing company (and an
administrator) books, makes letters and reads replies; home-care staff and fitters do none of
it; another company's planner learns nothing about these orders, letters or replies.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.test_access_matrix import ACTORS, VISIBLE

pytestmark = pytest.mark.asyncio

BOOKERS = {"admin", "planner_1"}
PLANNERS = {"admin", "planner_1", "planner_2"}


async def ready_letter(client, world) -> dict:
    """order_a scheduled, locked and with its letter: planner_1's company's."""
    from server.accounts.tables import Organisation
    from server.customers.tables import Customer

    await Organisation.update({Organisation.phone: "018-727 00 00"}).where(
        Organisation.id == world.ids["fitters_1"]
    )
    await Customer.update({Customer.postal_code: "753 21"}).where(
        Customer.id == world.ids["customer_a"]
    )
    planner = world["planner_1"]
    answer = await client.post(
        f"/api/orders/{world.ids['order_a']}/assignment",
        json={
            "fitter_id": world["fitter_1"].user_id,
            "planned_start": datetime(2026, 3, 18, 8, 0, tzinfo=UTC).isoformat(),
            "estimate_minutes": 60,
        },
        headers=planner.headers,
    )
    assert answer.status_code == 201, answer.text
    locked = await client.post(
        "/api/booking/lock", json={"order_ids": [world.ids["order_a"]]}, headers=planner.headers
    )
    assert locked.status_code == 200 and len(locked.json()["locked"]) == 1, locked.text
    letter = await client.post(
        f"/api/booking/orders/{world.ids['order_a']}/letter", headers=planner.headers
    )
    assert letter.status_code == 200, letter.text
    return letter.json()


async def test_booking_routes_for_every_actor(client, world) -> None:
    letter = await ready_letter(client, world)
    order_a = world.ids["order_a"]
    job = await client.post(
        "/api/booking/letter-jobs",
        json={"order_ids": [order_a]},
        headers=world["planner_1"].headers,
    )
    assert job.status_code == 202
    # An answer to order_a's code, and one to a code nobody has.
    for code in (letter["booking_code"], "ACD-EFH-JKM"):
        answer = await client.post(
            "/api/public/booking-replies", json={"code": code, "answer": "Ring mig"}
        )
        assert answer.status_code == 202
    for name in ACTORS:
        headers = world[name].headers
        tray = await client.get("/api/booking/letters", headers=headers)
        assert tray.status_code == (200 if name in PLANNERS else 403), name
        if name in PLANNERS:
            assert [x["id"] for x in tray.json()] == ([letter["id"]] if name in BOOKERS else [])
        pdf = await client.get(f"/api/booking/letters/{letter['id']}/pdf", headers=headers)
        assert pdf.status_code == (200 if name in BOOKERS else 404 if name in PLANNERS else 403), (
            name
        )
        merged = await client.get(
            "/api/booking/letters/merged", params={"id": letter["id"]}, headers=headers
        )
        assert merged.status_code == pdf.status_code, name
        got_job = await client.get(f"/api/booking/letter-jobs/{job.json()['id']}", headers=headers)
        assert got_job.status_code == pdf.status_code, name
        booking = await client.get(f"/api/orders/{order_a}/booking", headers=headers)
        assert booking.status_code == (200 if name in VISIBLE["order_a"] else 404), name
        if booking.status_code == 200:
            # Replies and the SMS sent are the planner's business, not the staff's or fitter's.
            assert bool(booking.json()["replies"]) == (name in BOOKERS), name
        replies = await client.get("/api/booking/replies", headers=headers)
        assert replies.status_code == (200 if name in PLANNERS else 403), name
        if name in PLANNERS:
            outcomes = sorted(r["outcome"] for r in replies.json())
            expected = ["follow_up", "unmatched"] if name in BOOKERS else ["unmatched"]
            assert outcomes == expected, name
        locking = await client.post(
            "/api/booking/lock", json={"order_ids": [order_a]}, headers=headers
        )
        if name in PLANNERS:
            assert locking.status_code == 200, name
            (refused,) = locking.json()["refused"]
            # Not lockable now (awaiting an answer); another company is told nothing about it.
            assert refused["reference"] == ("" if name == "planner_2" else refused["reference"])
            assert bool(refused["reference"]) == (name in BOOKERS), name
        else:
            assert locking.status_code == 403, name
        for path, body in (
            ("/api/booking/letter-jobs", {"order_ids": [order_a]}),
            ("/api/booking/sms", {"order_ids": [order_a]}),
            ("/api/booking/letters/printed", {"letter_ids": [letter["id"]]}),
        ):
            if name in PLANNERS:
                continue  # their answers: test_booking_routine.py and the end of this test
            answer = await client.post(path, json=body, headers=headers)
            assert answer.status_code == 403, (path, name)
        letter_again = await client.post(f"/api/booking/orders/{order_a}/letter", headers=headers)
        # Visible but not the planner: refused; not visible: 404; the planner: not ready now.
        expected = 409 if name in BOOKERS else 403 if name in VISIBLE["order_a"] else 404
        assert letter_again.status_code == expected, (name, letter_again.text)
        confirmation = await client.post(
            f"/api/booking/orders/{order_a}/confirmation-sms", json={}, headers=headers
        )
        assert confirmation.status_code == (
            400 if name in BOOKERS else 403 if name in VISIBLE["order_a"] else 404
        ), (name, confirmation.text)
    # planner_2 marking planner_1's letter printed: not found, and it stays in the tray.
    marked = await client.post(
        "/api/booking/letters/printed",
        json={"letter_ids": [letter["id"]]},
        headers=world["planner_2"].headers,
    )
    assert marked.status_code == 404
    tray = await client.get("/api/booking/letters", headers=world["planner_1"].headers)
    assert [x["id"] for x in tray.json()] == [letter["id"]]
    marked = await client.post(
        "/api/booking/letters/printed",
        json={"letter_ids": [letter["id"]]},
        headers=world["planner_1"].headers,
    )
    assert marked.json() == {"marked": 1}
    tray = await client.get("/api/booking/letters", headers=world["planner_1"].headers)
    assert tray.json() == []
