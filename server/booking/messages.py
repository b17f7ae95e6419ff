"""The SMS texts of a booking (seed 002), in the letter's language. Pure: no I/O.

Four messages reach a resident: the booking itself when it goes by SMS instead of a letter,
the booking reminder when no answer came, the confirmation after a phone call, and the
appointment reminder the day before. Each names the day, the time window, the fitter and the
code; none holds a personal identity number, and the resident's name is left out too (an SMS
is read on a lock screen, maybe by someone else).
"""

from __future__ import annotations

from typing import Final

from server.booking import codes
from server.booking.letters import LetterFacts, shown_url, window_text
from server.notify import phones

_TEXTS: Final[dict[str, dict[str, str]]] = {
    "booking": {
        "sv": "{org}: Montören {fitter} kommer {day} {window} för arbete med ditt dörrlås.",
        "nb": "{org}: Montør {fitter} kommer {day} {window} for arbeid med dørlåsen din.",
        "en": "{org}: The fitter {fitter} is coming {day} {window} to work on your door lock.",
    },
    "reminder": {
        "sv": "{org}: Påminnelse – vi har inte fått ditt svar. Montören {fitter} kommer {day} "
        "{window}.",
        "nb": "{org}: Påminnelse – vi har ikke fått svaret ditt. Montør {fitter} kommer {day} "
        "{window}.",
        "en": "{org}: Reminder – we have not had your answer. The fitter {fitter} is coming "
        "{day} {window}.",
    },
    "answer": {
        "sv": "Passar tiden? Svara {code} OK. Vill du att vi ringer? Svara {code} KONTAKT.",
        "nb": "Passer tidspunktet? Svar {code} OK. Vil du at vi ringer? Svar {code} KONTAKT.",
        "en": "Does the time suit you? Reply {code} OK. Would you like a call? Reply {code} "
        "KONTAKT.",
    },
    "web": {
        "sv": "Eller svara på {url}",
        "nb": "Eller svar på {url}",
        "en": "Or answer at {url}",
    },
    "confirmation": {
        "sv": "{org}: Bekräftat. Montören {fitter} kommer {day} {window}. Bokningskod {code}: "
        "montören visar samma kod.",
        "nb": "{org}: Bekreftet. Montør {fitter} kommer {day} {window}. Bookingkode {code}: "
        "montøren viser den samme koden.",
        "en": "{org}: Confirmed. The fitter {fitter} is coming {day} {window}. Booking code "
        "{code}: the fitter shows the same code.",
    },
    "appointment": {
        "sv": "{org}: Påminnelse – montören {fitter} kommer i morgon {day} {window}. "
        "Bokningskod {code}: montören visar samma kod.",
        "nb": "{org}: Påminnelse – montør {fitter} kommer i morgen {day} {window}. "
        "Bookingkode {code}: montøren viser den samme koden.",
        "en": "{org}: Reminder – the fitter {fitter} is coming tomorrow, {day} {window}. "
        "Booking code {code}: the fitter shows the same code.",
    },
    "call": {
        "sv": "Frågor: {phone}",
        "nb": "Spørsmål: {phone}",
        "en": "Questions: {phone}",
    },
}


def _text(key: str, facts: LetterFacts, **values: str) -> str:
    return _TEXTS[key][facts.language].format(**values)


def _common(facts: LetterFacts) -> dict[str, str]:
    day, window = window_text(facts)
    return {
        "org": facts.organisation_name,
        "fitter": facts.fitter_name,
        "day": day,
        "window": window,
        "code": codes.spoken_groups(facts.booking_code),
        "phone": facts.contact_phone,
    }


def _how_to_answer(facts: LetterFacts, values: dict[str, str]) -> list[str]:
    lines = []
    if facts.reply_sms_number:
        lines.append(_text("answer", facts, **values))
    if facts.reply_url:
        lines.append(_text("web", facts, url=shown_url(facts.reply_url)))
    return lines


def booking_sms(facts: LetterFacts) -> str:
    """The booking sent by SMS instead of a letter (the SMS channel)."""
    values = _common(facts)
    parts = [_text("booking", facts, **values), *_how_to_answer(facts, values)]
    parts.append(_text("call", facts, **values))
    return " ".join(parts)


def booking_reminder_sms(facts: LetterFacts) -> str:
    """Seed 002 "Bookingpåminnelse": no answer came in time."""
    values = _common(facts)
    parts = [_text("reminder", facts, **values), *_how_to_answer(facts, values)]
    parts.append(_text("call", facts, **values))
    return " ".join(parts)


def confirmation_sms(facts: LetterFacts) -> str:
    """Seed 002 "Bookingbekreftelse": the time agreed on the phone, confirmed in writing."""
    values = _common(facts)
    return " ".join([_text("confirmation", facts, **values), _text("call", facts, **values)])


def appointment_reminder_sms(facts: LetterFacts) -> str:
    """Seed 002 "Avtalepåminnelse": the day before the visit."""
    values = _common(facts)
    return " ".join([_text("appointment", facts, **values), _text("call", facts, **values)])


def resident_mobile(facts: LetterFacts) -> str | None:
    """The resident's mobile number in E.164, or None: reminders go only where there is one."""
    return phones.mobile_or_none(facts.resident_phone, facts.country)
