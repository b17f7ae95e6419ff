"""The fault case's life cycle and its number (pure: no I/O, no clock).

A case is a report from outside (a resident, a relative, a caretaker: seed 004's "felanmäla
direkt på er hemsida utan inloggning", seed 003's QR code on site) that a planner triages.
It never dispatches anyone by itself (notes/booking.md, "Case management")::

    new -> triaged (an order was made from it) -> closed (answered)
    new -> closed (answered without an order: not our lock, a duplicate, already fixed)

The reporter follows the case with a secret link and sees its status and the planner's
answer, nothing else.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from server.errors import ValidationFailed
from server.intake.errors import CaseRefused


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    CLOSED = "closed"


class CaseAction(StrEnum):
    MAKE_ORDER = "make_order"
    CLOSE = "close"


# The one table of allowed moves. One order per case: a second job for the same report is a
# second order the planner places from the first one's panel, not from the case again.
TRANSITIONS: Final[dict[tuple[CaseStatus, CaseAction], CaseStatus]] = {
    (CaseStatus.NEW, CaseAction.MAKE_ORDER): CaseStatus.TRIAGED,
    (CaseStatus.NEW, CaseAction.CLOSE): CaseStatus.CLOSED,
    (CaseStatus.TRIAGED, CaseAction.CLOSE): CaseStatus.CLOSED,
}

_REFUSALS: Final[dict[tuple[CaseStatus, CaseAction], tuple[str, str]]] = {
    (CaseStatus.TRIAGED, CaseAction.MAKE_ORDER): (
        "An order was made from this case already. Open that order to add to it.",
        "En order har redan skapats från ärendet. Öppna ordern för att lägga till något.",
    ),
    (CaseStatus.CLOSED, CaseAction.MAKE_ORDER): (
        "The case is closed. A new report makes a new case.",
        "Ärendet är stängt. En ny felanmälan blir ett nytt ärende.",
    ),
    (CaseStatus.CLOSED, CaseAction.CLOSE): (
        "The case is closed already; the reporter has its answer.",
        "Ärendet är redan stängt; anmälaren har fått svaret.",
    ),
}


def transition(current: CaseStatus, action: CaseAction) -> CaseStatus:
    """The status after ``action``, or :class:`CaseRefused` with the reason."""
    after = TRANSITIONS.get((current, action))
    if after is None:
        message, message_sv = _REFUSALS[(current, action)]
        raise CaseRefused(message, message_sv=message_sv)
    return after


def allowed_actions(current: CaseStatus) -> list[CaseAction]:
    return [action for (status, action) in TRANSITIONS if status is current]


# A number people read out on the phone: F, the year, and a running number within the year.
NUMBER_PREFIX: Final = "F"
NUMBER_DIGITS: Final = 6
_NUMBER = re.compile(r"F-(\d{4})-(\d{6,})")


def case_number(year: int, sequence: int) -> str:
    """``case_number(2026, 123) == "F-2026-000123"``."""
    if sequence < 1:
        raise ValueError("a case's running number starts at 1")
    return f"{NUMBER_PREFIX}-{year:04d}-{sequence:0{NUMBER_DIGITS}d}"


def parse_case_number(text: str) -> tuple[int, int] | None:
    """(year, running number) of a case number as written, or None."""
    match = _NUMBER.fullmatch(text.strip().upper())
    return (int(match.group(1)), int(match.group(2))) if match else None


class ReporterRelation(StrEnum):
    """Who is reporting, as they say it on the form."""

    RESIDENT = "resident"
    RELATIVE = "relative"
    CARETAKER = "caretaker"  # fastighetsskötare, vaktmästare
    STAFF = "staff"  # home-care staff without an account at hand
    OTHER = "other"


# -- the reporter's contact -------------------------------------------------------------------

_PHONE_DIGITS = re.compile(r"\+?[0-9 ()-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PHONE_DIGITS: Final = 6
MAX_PHONE_DIGITS: Final = 15  # E.164


def check_contact(name: str, phone: str, email: str) -> tuple[str, str, str]:
    """The reporter's name and a way to reach them (a phone number or an e-mail address),
    trimmed; :class:`ValidationFailed` naming the field to correct otherwise."""
    name, phone, email = name.strip(), phone.strip(), email.strip()
    if not name:
        raise ValidationFailed(
            "Write your name, so that we know whom to ask for.",
            field="name",
            message_sv="Skriv ditt namn, så att vi vet vem vi ska fråga efter.",
        )
    if not phone and not email:
        raise ValidationFailed(
            "Give a phone number or an e-mail address, so that we can reach you.",
            field="phone",
            message_sv="Ange ett telefonnummer eller en e-postadress, så att vi kan nå dig.",
        )
    digits = sum(c.isdigit() for c in phone)
    if phone and (
        not _PHONE_DIGITS.fullmatch(phone) or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS
    ):
        raise ValidationFailed(
            "The phone number is not one we can call. Write it with digits, e.g. 070-123 45 67.",
            field="phone",
            message_sv="Telefonnumret går inte att ringa. Skriv det med siffror, till exempel "
            "070-123 45 67.",
        )
    if email and not _EMAIL.fullmatch(email):
        raise ValidationFailed(
            "The e-mail address is not complete. Write it as name@example.se.",
            field="email",
            message_sv="E-postadressen är inte fullständig. Skriv den som namn@exempel.se.",
        )
    return name, phone, email


RELATION_SV: Final[dict[str, str]] = {
    "resident": "boende",
    "relative": "anhörig",
    "caretaker": "fastighetsskötare",
    "staff": "personal",
    "other": "annan",
}


def order_description(
    number: str, text: str, name: str, relation: str, phone: str, email: str
) -> str:
    """An order's description made from a case (seed 000's "Övrigt"): what the reporter
    wrote, and who they are and how to reach them, under the case's number."""
    who = name + (f" ({RELATION_SV[relation]})" if relation in RELATION_SV else "")
    reach = ", ".join(part for part in (phone, email) if part)
    return f"Felanmälan {number} från {who}, {reach}:\n{text.strip()}"
