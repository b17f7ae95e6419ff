"""A fitter's planned visits as an iCalendar feed (RFC 5545), pure: facts in, bytes out.

What a visit shows is chosen for a calendar that lives at Google, Microsoft or Apple: the kind
of job and the street address (where to go), the order's reference and a link to it in the
app; never a name, a phone number or an identity number (``VisitFact`` has no field for one).
Each event's UID is the order's, so a moved visit moves in the calendar instead of doubling,
and its SEQUENCE is the order's version, so clients take the newest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from icalendar import Calendar, Event

PRODUCT_ID: Final = "-//Lockwork//Planned visits//SV"
UID_DOMAIN: Final = "lockwork.invalid"
# A visit without an estimate lasts an hour (as its lock window does: locks/visit_window.py).
DEFAULT_MINUTES: Final = 60

# The kind of job as the fitter's calendar shows it (Swedish first: the fitters' language).
KIND_SUMMARY: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "installation": "Installation",
        "service": "Service",
        "battery": "Batteribyte",
        "removal": "Demontering",
        "inspection": "Besiktning",
    },
    "en": {
        "installation": "Installation",
        "service": "Service",
        "battery": "Battery change",
        "removal": "Removal",
        "inspection": "Inspection",
    },
}
CALENDAR_NAME: Final = {"sv": "Lockwork: mina besök", "en": "Lockwork: my visits"}
ORDER_LINE: Final = {"sv": "Order {reference}", "en": "Order {reference}"}


@dataclass(frozen=True, kw_only=True)
class VisitFact:
    """One planned visit, with nothing that identifies a person."""

    order_id: str
    reference: str
    kind: str
    version: int
    street_address: str
    postal_code: str
    city: str
    planned_start: datetime  # with its offset
    estimate_minutes: int | None
    link: str  # the order in the app


def visit_uid(order_id: str) -> str:
    return f"order-{order_id}@{UID_DOMAIN}"


def summary(visit: VisitFact, language: str = "sv") -> str:
    kind = KIND_SUMMARY[language].get(visit.kind, visit.kind)
    return f"{kind}: {visit.street_address}" if visit.street_address else kind


def feed_ics(visits: Iterable[VisitFact], now: datetime, language: str = "sv") -> bytes:
    """The feed: one VEVENT per visit, in UTC, stamped ``now``."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME[language])
    stamp = now.astimezone(UTC)
    for visit in visits:
        start = visit.planned_start.astimezone(UTC)
        minutes = visit.estimate_minutes or DEFAULT_MINUTES
        event = Event()
        event.add("uid", visit_uid(visit.order_id))
        event.add("dtstamp", stamp)
        event.add("sequence", visit.version)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=minutes))
        event.add("summary", summary(visit, language))
        place = ", ".join(
            part
            for part in (visit.street_address, f"{visit.postal_code} {visit.city}".strip())
            if part
        )
        if place:
            event.add("location", place)
        event.add(
            "description",
            f"{ORDER_LINE[language].format(reference=visit.reference)}\n{visit.link}",
        )
        event.add("url", visit.link)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
