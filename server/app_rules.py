"""The rules the app (``pwa/``) applies offline, as one document derived from the server's own.

The app cannot ask the server while a fitter is offline, so it needs the server's rules with
it: the working-day calendar of the configured country and eves, the call windows of the
contact plan, the pre-order checklist, and which kinds and statuses the screens treat apart.
They are not copied into the JavaScript: the server publishes this document
(``GET /app-rules.json``, served with the app by ``server/pwa_routes.py``, precached by the
service worker) and ``pwa/app/rules.js`` feeds it to the app's pure functions
(``calendar.js``, ``contact-plan.js``, ``checklist.js``).

Pure: no I/O and no clock; the years of the calendar come in. Every value comes from the
module that owns the rule:

====================================  ====================================================
field                                 source
====================================  ====================================================
``country``, ``non_working_eves``     the settings (``LOCKWORK_COUNTRY``, ``..._NON_WORKING_EVES``)
``calendar.days_off``                 ``server/calendar/working_days.py`` (holidays and eves)
``contact_plan``                      ``server/orders/contact_plan.py`` (windows, rounding)
``working_hours``                     ``server/calendar/working_hours.py`` (minutes of the day)
``checklist``                         ``server/orders/checklist.py``
``kinds_...``,                        ``server/orders/lifecycle.py``
``statuses_seeking_contact``
``roles_by_organisation_kind``        ``server/accounts/permissions.py`` (the admin screens
                                      offer only the roles that fit)
====================================  ====================================================

``version`` is a digest of the rest, so the app's asset version (and so its service worker)
changes whenever a rule does.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, time, timedelta
from typing import Any

from server.accounts.permissions import ROLES_BY_ORGANISATION_KIND
from server.calendar.working_days import WorkingDayCalendar
from server.calendar.working_hours import WORKING_DAY_END, WORKING_DAY_START
from server.orders import checklist, contact_plan
from server.orders.lifecycle import (
    EVIDENCE_POLICY,
    KINDS_NEEDING_LOCK_EVIDENCE,
    KINDS_ON_EXISTING_LOCK,
    SEEKING_CONTACT,
)

# The layout of the document; the app refuses a format it does not know.
FORMAT = 1
# The calendar covers this many years before and after the current one: an order still
# looking for contact is never years old, and the contact plan looks at most 60 days ahead.
YEARS_BEFORE = 5
YEARS_AFTER = 10


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _days_off(cal: WorkingDayCalendar, first_year: int, last_year: int) -> list[str]:
    """Every weekday of the years that is not a working day (holidays and configured eves)."""
    days = []
    day, end = date(first_year, 1, 1), date(last_year, 12, 31)
    while day <= end:
        if day.weekday() < 5 and not cal.is_working_day(day):
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def _checklist() -> dict[str, Any]:
    return {
        "kinds": sorted(kind.value for kind in checklist.KINDS_WITH_CHECKLIST),
        "refusal_order": list(checklist.REFUSAL_ORDER),
        "questions": [
            {
                "key": q.key,
                "sv": q.text_sv,
                "en": q.text_en,
                "answers": [
                    {"value": a.value, "sv": a.text_sv, "en": a.text_en} for a in q.answers
                ],
                "refusals": [
                    {
                        "answer": r.answer,
                        "kinds": sorted(kind.value for kind in r.kinds),
                        "code": r.code,
                        "sv": r.explanation_sv,
                        "en": r.explanation_en,
                    }
                    for r in q.refusals
                ],
            }
            for q in checklist.CHECKLIST
        ],
    }


def _contact_plan() -> dict[str, Any]:
    return {
        "windows": [
            {"name": w.name, "start": _minutes(w.start), "end": _minutes(w.end)}
            for w in contact_plan.WINDOWS
        ],
        "round_to_minutes": contact_plan.ROUND_TO_MINUTES,
        "max_days_ahead": contact_plan.MAX_DAYS_AHEAD,
    }


def app_rules(cal: WorkingDayCalendar, first_year: int, last_year: int) -> dict[str, Any]:
    """The document for a server whose calendar is ``cal``, with the days off of the years."""
    if last_year < first_year:
        raise ValueError(f"No years from {first_year} to {last_year}.")
    body: dict[str, Any] = {
        "format": FORMAT,
        "country": cal.country,
        "non_working_eves": sorted(cal.extra_non_working),
        "calendar": {
            "first_year": first_year,
            "last_year": last_year,
            "days_off": _days_off(cal, first_year, last_year),
        },
        "contact_plan": _contact_plan(),
        "working_hours": {
            "start": _minutes(WORKING_DAY_START),
            "end": _minutes(WORKING_DAY_END),
        },
        "checklist": _checklist(),
        "kinds_on_existing_lock": sorted(kind.value for kind in KINDS_ON_EXISTING_LOCK),
        "kinds_needing_lock_evidence": sorted(kind.value for kind in KINDS_NEEDING_LOCK_EVIDENCE),
        # Where the fitter may close without the lock's evidence by giving a reason (flagged).
        "kinds_allowing_evidence_override": sorted(
            kind.value for kind, policy in EVIDENCE_POLICY.items() if policy.override_allowed
        ),
        "statuses_seeking_contact": list(SEEKING_CONTACT),
        "roles_by_organisation_kind": {
            kind.value: sorted(role.value for role in roles)
            for kind, roles in sorted(ROLES_BY_ORGANISATION_KIND.items())
        },
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return {"version": digest[:12], **body}


def app_rules_around(cal: WorkingDayCalendar, today: date) -> dict[str, Any]:
    """The document with the calendar of the years around ``today``."""
    return app_rules(cal, today.year - YEARS_BEFORE, today.year + YEARS_AFTER)
