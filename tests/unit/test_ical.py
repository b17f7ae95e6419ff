"""The calendar feed's iCalendar, on its own: what a visit shows and what it never can."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

from icalendar import Calendar

from server.calendar.ical import VisitFact, feed_ics, summary, visit_uid

VISIT = VisitFact(
    order_id="0b7c3c2e-5d1f-4a8e-9f00-0123456789ab",
    reference="LW-7K3M9",
    kind="battery",
    version=4,
    street_address="Kungsgatan 12, lgh 1102",
    postal_code="753 21",
    city="Uppsala",
    planned_start=datetime(2026, 6, 18, 13, 30, tzinfo=timezone(timedelta(hours=2))),
    estimate_minutes=None,
    link="https://lockwork.example.se/orders/0b7c3c2e-5d1f-4a8e-9f00-0123456789ab",
)
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_a_visit_becomes_one_event_in_utc_with_an_hour_by_default() -> None:
    calendar = Calendar.from_ical(feed_ics([VISIT], NOW))
    assert str(calendar["x-wr-calname"]) == "Lockwork: mina besök"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == visit_uid(VISIT.order_id)
    assert event.decoded("dtstart") == datetime(2026, 6, 18, 11, 30, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 6, 18, 12, 30, tzinfo=UTC)
    assert event.decoded("dtstamp") == NOW
    assert int(event["sequence"]) == 4
    # Commas survive the escaping both ways.
    assert str(event["summary"]) == "Batteribyte: Kungsgatan 12, lgh 1102"
    assert str(event["location"]) == "Kungsgatan 12, lgh 1102, 753 21 Uppsala"
    assert str(event["description"]) == f"Order LW-7K3M9\n{VISIT.link}"


def test_the_estimate_sets_the_end_and_english_is_available() -> None:
    visit = dataclasses.replace(VISIT, estimate_minutes=150, kind="removal")
    (event,) = Calendar.from_ical(feed_ics([visit], NOW, "en")).walk("VEVENT")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=150)
    assert summary(visit, "en") == "Removal: Kungsgatan 12, lgh 1102"


def test_a_visit_fact_has_no_field_for_a_person() -> None:
    names = {f.name for f in dataclasses.fields(VisitFact)}
    assert not names & {"name", "customer_name", "phone", "identity_number", "email"}


def test_an_empty_feed_is_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(feed_ics([], NOW))
    assert calendar.walk("VEVENT") == [] and str(calendar["version"]) == "2.0"
