"""The booking SMS texts and when reminders are due (server.booking.messages, timing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.booking import codes, messages, timing
from server.booking.letters import BookingChannel, LetterFacts

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def facts(**changes) -> LetterFacts:
    base = {
        "organisation_name": "Låsservice Mälardalen AB",
        "contact_phone": "018-100 200",
        "resident_name": "Märta Öberg",
        "street": "Kungsgatan 1",
        "postcode": "753 21",
        "town": "Uppsala",
        "planned_start": datetime(2026, 3, 17, 8, 0, tzinfo=UTC),  # 09:00 in Stockholm
        "estimate_minutes": 60,
        "fitter_name": "Jørgen Berg",
        "booking_code": "K7QHM3XPR".replace("Q", "C"),
        "resident_phone": "070-123 45 67",
        "reply_sms_number": "+46766861004",
        "reply_url": "https://lockwork.example.se/s",
    }
    return LetterFacts(**{**base, **changes})


@pytest.mark.parametrize(
    "render",
    [
        messages.booking_sms,
        messages.booking_reminder_sms,
        messages.confirmation_sms,
        messages.appointment_reminder_sms,
    ],
)
@pytest.mark.parametrize("language", ["sv", "nb", "en"])
def test_every_text_names_the_visit_and_the_code_but_not_the_resident(render, language) -> None:
    f = facts(language=language)
    text = render(f)
    assert codes.spoken_groups(f.booking_code) in text
    sep = ":" if language == "en" else "."
    assert "Jørgen Berg" in text and f"09{sep}00" in text and f"10{sep}00" in text
    assert "018-100 200" in text
    assert "Märta" not in text and "Kungsgatan" not in text  # read on a lock screen


def test_how_to_answer_follows_the_channels_there_are() -> None:
    both = messages.booking_sms(facts())
    assert "OK" in both and "KONTAKT" in both and "lockwork.example.se/s" in both
    web_only = messages.booking_sms(facts(reply_sms_number=""))
    assert "KONTAKT" not in web_only and "lockwork.example.se/s" in web_only


def test_a_landline_gets_no_reminder() -> None:
    assert messages.resident_mobile(facts()) == "+46701234567"
    assert messages.resident_mobile(facts(resident_phone="018-12 34 56")) is None
    assert messages.resident_mobile(facts(resident_phone="")) is None


def test_the_booking_reminder_waits_per_channel() -> None:
    sent = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    waits = {"after_letter": timedelta(days=7), "after_sms": timedelta(hours=48)}
    due = timing.booking_reminder_due
    assert not due(sent, BookingChannel.SMS, sent + timedelta(hours=47), **waits)
    assert due(sent, BookingChannel.SMS, sent + timedelta(hours=48), **waits)
    assert not due(sent, BookingChannel.LETTER, sent + timedelta(days=6, hours=23), **waits)
    assert due(sent, BookingChannel.LETTER, sent + timedelta(days=7), **waits)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)))
def test_sms_go_out_only_in_the_daytime(moment: datetime) -> None:
    at = moment.replace(tzinfo=UTC)
    local = at.astimezone(STOCKHOLM)
    assert timing.in_sms_hours(at, STOCKHOLM) == (9 <= local.hour < 19)


def test_the_appointment_reminder_is_due_on_the_local_day_before() -> None:
    # 00:30 in Stockholm on the 17th is still the 16th in UTC: the local day counts.
    visit = datetime(2026, 3, 16, 23, 30, tzinfo=UTC)
    due = timing.appointment_reminder_due
    assert due(visit, datetime(2026, 3, 16, 10, 0, tzinfo=UTC), STOCKHOLM)
    assert not due(visit, datetime(2026, 3, 15, 10, 0, tzinfo=UTC), STOCKHOLM)
    assert not due(visit, datetime(2026, 3, 17, 8, 0, tzinfo=UTC), STOCKHOLM)
