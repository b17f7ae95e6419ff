"""The app's rules document (server/app_rules.py) is the server's rules, nothing of its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.app_rules import FORMAT, app_rules, app_rules_around
from server.calendar.working_days import EVE_NAMES, WorkingDayCalendar
from server.orders import checklist, contact_plan
from server.orders.lifecycle import KINDS_NEEDING_LOCK_EVIDENCE, KINDS_ON_EXISTING_LOCK


@pytest.mark.parametrize("country", ["SE", "NO"])
@pytest.mark.parametrize("eves", [frozenset(EVE_NAMES), frozenset(), frozenset({"christmas_eve"})])
def test_days_off_are_the_calendars_non_working_weekdays(
    country: str, eves: frozenset[str]
) -> None:
    cal = WorkingDayCalendar(country, eves)
    rules = app_rules(cal, 2024, 2028)
    assert rules["country"] == country and rules["non_working_eves"] == sorted(eves)
    days_off = set(rules["calendar"]["days_off"])
    day = date(2024, 1, 1)
    while day <= date(2028, 12, 31):
        expected = day.weekday() < 5 and not cal.is_working_day(day)
        assert (day.isoformat() in days_off) == expected, day
        day += timedelta(days=1)
    assert rules["calendar"]["days_off"] == sorted(days_off)
    assert (rules["calendar"]["first_year"], rules["calendar"]["last_year"]) == (2024, 2028)


def test_the_rest_comes_from_the_servers_modules() -> None:
    rules = app_rules(WorkingDayCalendar(), 2026, 2026)
    assert rules["format"] == FORMAT
    assert rules["contact_plan"] == {
        "windows": [
            {"name": "morning", "start": 8 * 60, "end": 10 * 60},
            {"name": "midday", "start": 11 * 60 + 30, "end": 13 * 60 + 30},
            {"name": "afternoon", "start": 14 * 60 + 30, "end": 16 * 60 + 30},
        ],
        "round_to_minutes": contact_plan.ROUND_TO_MINUTES,
        "max_days_ahead": contact_plan.MAX_DAYS_AHEAD,
    }
    assert rules["statuses_seeking_contact"] == ["ordered", "contacting"]
    assert rules["kinds_on_existing_lock"] == sorted(k.value for k in KINDS_ON_EXISTING_LOCK)
    assert rules["kinds_needing_lock_evidence"] == sorted(
        k.value for k in KINDS_NEEDING_LOCK_EVIDENCE
    )
    assert rules["kinds_allowing_evidence_override"] == ["battery", "installation", "service"]
    assert rules["roles_by_organisation_kind"] == {
        "administration": ["admin", "orderer", "planner"],
        "fitters_company": ["fitter", "planner"],
        "home_care_provider": ["orderer"],
    }
    published = rules["checklist"]
    assert published["kinds"] == ["battery", "service"]
    assert published["refusal_order"] == list(checklist.REFUSAL_ORDER)
    assert [q["key"] for q in published["questions"]] == [q.key for q in checklist.CHECKLIST]
    lock_case = published["questions"][-1]["refusals"][0]
    assert lock_case == {
        "answer": "lock_case",
        "kinds": ["battery", "service"],
        "code": "lock_case_customer_responsibility",
        "sv": checklist.QUESTIONS_BY_KEY["fault_location"].refusals[0].explanation_sv,
        "en": checklist.QUESTIONS_BY_KEY["fault_location"].refusals[0].explanation_en,
    }


def test_the_version_follows_the_content() -> None:
    se = app_rules(WorkingDayCalendar("SE"), 2026, 2027)
    assert app_rules(WorkingDayCalendar("SE"), 2026, 2027)["version"] == se["version"]
    others = [
        app_rules(WorkingDayCalendar("NO"), 2026, 2027),
        app_rules(WorkingDayCalendar("SE", frozenset()), 2026, 2027),
        app_rules(WorkingDayCalendar("SE"), 2026, 2028),
    ]
    assert len({se["version"], *(r["version"] for r in others)}) == 4


def test_the_published_years_surround_today() -> None:
    rules = app_rules_around(WorkingDayCalendar(), date(2026, 12, 7))
    assert (rules["calendar"]["first_year"], rules["calendar"]["last_year"]) == (2021, 2036)
    with pytest.raises(ValueError, match="No years"):
        app_rules(WorkingDayCalendar(), 2027, 2026)
