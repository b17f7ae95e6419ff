"""The fitter's private iCalendar feed: parsed with icalendar, scoped to the fitter, revocable."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from tests.integration.notify_helpers import IDENTITY_DIGITS, give_customer_a_identity_number
from tests.integration.world import assign

pytestmark = pytest.mark.asyncio


async def make_feed(client, actor) -> str:
    response = await client.post("/api/calendar-feed", headers=actor.headers)
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.startswith("http://127.0.0.1:8000/api/calendar/") and url.endswith(".ics")
    assert response.json()["secret"] in url
    return urlsplit(url).path


async def read_feed(client, path: str) -> tuple[Calendar, str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert "no-store" in response.headers["cache-control"]
    return Calendar.from_ical(response.content), response.text


def events(calendar: Calendar) -> dict[str, dict]:
    return {
        str(e["uid"]): {
            "summary": str(e["summary"]),
            "start": e.decoded("dtstart"),
            "end": e.decoded("dtend"),
            "sequence": int(e["sequence"]),
            "location": str(e.get("location", "")),
            "description": str(e.get("description", "")),
        }
        for e in calendar.walk("VEVENT")
    }


async def schedule(client, actor, order_id: str, start: str, minutes: int) -> None:
    response = await client.post(
        f"/api/orders/{order_id}/transitions",
        json={"action": "schedule", "planned_start": start, "estimate_minutes": minutes},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text


async def test_the_feed_holds_the_fitters_planned_visits_and_nothing_personal(
    client, world
) -> None:
    await give_customer_a_identity_number(client, world)
    fitter = world["fitter_1"]
    path = await make_feed(client, fitter)
    calendar, _ = await read_feed(client, path)
    assert events(calendar) == {}  # order A is not planned yet

    order_a, order_b = world.ids["order_a"], world.ids["order_b"]
    await schedule(client, fitter, order_a, "2026-03-12T09:00:00+01:00", 90)
    await schedule(client, world["fitter_2"], order_b, "2026-03-12T10:00:00+01:00", 60)
    calendar, text = await read_feed(client, path)
    found = events(calendar)
    uid = f"order-{order_a}@lockwork.invalid"
    assert list(found) == [uid]  # another fitter's order never appears
    visit = found[uid]
    assert visit["summary"] == "Service: Storgatan 1"
    assert visit["start"] == datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    assert visit["end"] == datetime(2026, 3, 12, 9, 30, tzinfo=UTC)
    assert visit["location"] == "Storgatan 1, Uppsala"
    assert f"/orders/{order_a}" in visit["description"]
    for personal in ("Customer A", "018-123456", "070-1234567", *IDENTITY_DIGITS):
        assert personal not in text
    first_sequence = visit["sequence"]

    # Rescheduled: the same event moves (same UID, a higher sequence).
    await schedule(client, world["planner_1"], order_a, "2026-03-13T13:00:00+01:00", 60)
    moved = events((await read_feed(client, path))[0])
    assert list(moved) == [uid]
    assert moved[uid]["start"] == datetime(2026, 3, 13, 12, 0, tzinfo=UTC)
    assert moved[uid]["sequence"] > first_sequence

    # Fitter 2's feed holds order B only.
    other = events((await read_feed(client, await make_feed(client, world["fitter_2"])))[0])
    assert list(other) == [f"order-{order_b}@lockwork.invalid"]

    # Reassigned to a colleague: it leaves this feed and enters theirs.
    await assign(client, world["planner_1"], order_a, world["fitter_1b"])
    assert events((await read_feed(client, path))[0]) == {}
    colleague = events((await read_feed(client, await make_feed(client, world["fitter_1b"])))[0])
    assert list(colleague) == [uid]


async def test_a_rotated_or_revoked_secret_is_404(client, world) -> None:
    fitter = world["fitter_1"]
    first = await make_feed(client, fitter)
    await read_feed(client, first)
    second = await make_feed(client, fitter)
    assert (await client.get(first)).status_code == 404
    await read_feed(client, second)
    revoked = await client.delete("/api/calendar-feed", headers=fitter.headers)
    assert revoked.status_code == 204
    assert (await client.get(second)).status_code == 404
    # Without the suffix, or with a made-up secret: 404 as well.
    assert (await client.get(second.removesuffix(".ics"))).status_code == 404
    assert (await client.get("/api/calendar/" + "A" * 43 + ".ics")).status_code == 404


async def test_a_disabled_fitters_feed_is_404(client, world) -> None:
    fitter = world["fitter_1"]
    path = await make_feed(client, fitter)
    disabled = await client.patch(
        f"/api/users/{fitter.user_id}", json={"active": False}, headers=world["admin"].headers
    )
    assert disabled.status_code == 200
    assert (await client.get(path)).status_code == 404
