"""The PDF booking letter of one order (seed 002, "Generering av brev"), and a day's batch.

Input is a small frozen :class:`LetterFacts` (no ORM rows), output is the PDF's bytes; no
I/O besides reading the bundled font. The letter says who is coming when, the booking code
large, how to answer (an SMS to a number and/or the reply page's short address with a QR code
to it) and whom to call, in the organisation's language: Swedish by default, Norwegian
(bokmål) or English. It never holds a personal identity number: :class:`LetterFacts` has no
field for one.

Rendered with fpdf2 rather than WeasyPrint: fpdf2 is pure Python (its only native parts are
Pillow's wheels), needs no system libraries (WeasyPrint needs Pango, HarfBuzz and fontconfig
from the operating system), and draws a one-page letter in milliseconds, which matters when a
planner generates a few hundred at once. The QR code is made by segno and drawn as vector
rectangles, so it prints sharp at any resolution. The font is DejaVu Sans, shipped in
``fonts/`` with its licence, so å/ä/ö/æ/ø render on any machine.

Merging letters for printing (:func:`merge_letters`) concatenates the stored PDFs with pypdf
(pure Python) instead of rendering them again: what is printed is exactly what was generated
and kept, even if the order changed since.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final, Literal
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from server.booking import codes
from server.booking.errors import BookingError, LetterIncomplete
from server.notify import phones

Language = Literal["sv", "nb", "en"]
Country = Literal["SE", "NO"]

DEFAULT_LANGUAGE: Final[Language] = "sv"
LANGUAGES: Final[tuple[Language, ...]] = ("sv", "nb", "en")
TIME_ZONES: Final[dict[str, ZoneInfo]] = {
    "SE": ZoneInfo("Europe/Stockholm"),
    "NO": ZoneInfo("Europe/Oslo"),
}
FONT_DIR: Final = Path(__file__).with_name("fonts")
FONT_FAMILY: Final = "DejaVu"

# Layout, in millimetres on A4 portrait. The address sits where the window of a C5/C4 window
# envelope is in Sweden and Norway (20 mm from the left, 45-75 mm from the top), so the
# letter is folded and posted without a printed envelope.
MARGIN_MM: Final = 20.0
BOTTOM_MARGIN_MM: Final = 12.0  # printers do not print closer to the edge than this
ADDRESS_TOP_MM: Final = 50.0
ADDRESS_WIDTH_MM: Final = 90.0
BODY_TOP_MM: Final = 92.0
# About 1 mm per module for a version 3-4 code: phone cameras read that from 20-30 cm.
QR_SIZE_MM: Final = 34.0
# The code is read by eyes that may be old: large, bold, spaced.
CODE_FONT_PT: Final = 30
TEXT_FONT_PT: Final = 11
LINE_MM: Final = 5.6


class BookingChannel(StrEnum):
    LETTER = "letter"
    SMS = "sms"


class MissingField(StrEnum):
    RESIDENT_NAME = "resident_name"
    STREET = "street"
    POSTCODE = "postcode"
    TOWN = "town"
    PHONE = "phone"  # the resident's mobile number, for an SMS booking
    APPOINTMENT = "appointment"  # planned start and estimate
    FITTER = "fitter"
    CONTACT_PHONE = "contact_phone"  # whom the resident calls
    REPLY_CHANNEL = "reply_channel"  # an SMS number or a reply page to answer through


# What a person is told is missing: (English, Swedish).
MISSING_LABELS: Final[dict[MissingField, tuple[str, str]]] = {
    MissingField.RESIDENT_NAME: ("the resident's name", "kundens namn"),
    MissingField.STREET: ("the street address", "gatuadress"),
    MissingField.POSTCODE: ("the postcode", "postnummer"),
    MissingField.TOWN: ("the town", "ort"),
    MissingField.PHONE: (
        "a mobile phone number for the SMS",
        "ett mobilnummer för sms:et",
    ),
    MissingField.APPOINTMENT: ("the planned time and estimate", "planerad tid och tidsåtgång"),
    MissingField.FITTER: ("the fitter", "montör"),
    MissingField.CONTACT_PHONE: (
        "the organisation's phone number (whom to call)",
        "organisationens telefonnummer (vem man ringer)",
    ),
    MissingField.REPLY_CHANNEL: (
        "a way to answer (the SMS number or the reply page, in the settings)",
        "ett sätt att svara (sms-nummer eller svarssida, i inställningarna)",
    ),
}


@dataclass(frozen=True)
class LetterFacts:
    """Everything one letter says; built from the order by the caller. No identity number."""

    organisation_name: str
    contact_phone: str  # whom to call, as written on the letter
    resident_name: str
    street: str
    postcode: str
    town: str
    planned_start: datetime | None  # timezone-aware
    estimate_minutes: int | None
    fitter_name: str
    booking_code: str = ""  # the stored form (codes.normalise); made when the time is locked
    resident_phone: str = ""  # for an SMS booking: the resident's mobile number
    order_reference: str = ""
    reply_sms_number: str = ""  # the number that receives replies (E.164)
    reply_url: str = ""  # the reply page, e.g. https://lockwork.example.se/s
    language: Language = DEFAULT_LANGUAGE
    country: Country = "SE"


def missing_for_letter(
    facts: LetterFacts, channel: BookingChannel = BookingChannel.LETTER
) -> list[MissingField]:
    """What the booking still lacks, in a fixed order; empty when it can go out.

    Used to refuse locking an appointment that could not be announced (seed 002's open
    question), and again before each letter is drawn.
    """
    missing: list[MissingField] = []
    if not facts.resident_name.strip():
        missing.append(MissingField.RESIDENT_NAME)
    if not facts.street.strip():
        missing.append(MissingField.STREET)
    if not facts.postcode.strip():
        missing.append(MissingField.POSTCODE)
    if not facts.town.strip():
        missing.append(MissingField.TOWN)
    if channel is BookingChannel.SMS and (
        phones.mobile_or_none(facts.resident_phone, facts.country) is None
    ):
        missing.append(MissingField.PHONE)
    if (
        facts.planned_start is None
        or facts.planned_start.tzinfo is None
        or not facts.estimate_minutes
        or facts.estimate_minutes <= 0
    ):
        missing.append(MissingField.APPOINTMENT)
    if not facts.fitter_name.strip():
        missing.append(MissingField.FITTER)
    if not facts.contact_phone.strip():
        missing.append(MissingField.CONTACT_PHONE)
    if not facts.reply_sms_number and not facts.reply_url:
        missing.append(MissingField.REPLY_CHANNEL)
    return missing


# The longest text each field may have on a letter: the address must fit the envelope window
# and the whole letter one page (a test draws a letter with every field this long). Real
# names and addresses are far shorter; the database allows 200 characters.
LETTER_LIMITS: Final[dict[str, int]] = {
    "organisation_name": 80,
    "contact_phone": 30,
    "resident_name": 80,
    "street": 80,
    "postcode": 10,
    "town": 60,
    "fitter_name": 80,
    "order_reference": 20,
}


def too_long_for_letter(facts: LetterFacts) -> list[str]:
    """The fields too long to print (see :data:`LETTER_LIMITS`), in a fixed order."""
    return [
        name
        for name, limit in LETTER_LIMITS.items()
        if len(str(getattr(facts, name)).strip()) > limit
    ]


def letter_incomplete(missing: list[MissingField]) -> LetterIncomplete:
    """The refusal for a booking that lacks ``missing``, naming each for a person."""
    english = ", ".join(MISSING_LABELS[m][0] for m in missing)
    swedish = ", ".join(MISSING_LABELS[m][1] for m in missing)
    return LetterIncomplete(
        [m.value for m in missing],
        message=f"The booking cannot go out: it lacks {english}. Fill them in and try again.",
        message_sv=f"Bokningen kan inte skickas: det saknas {swedish}. "
        "Fyll i uppgifterna och försök igen.",
    )


def reply_link(reply_url: str, code: str) -> str:
    """The QR code's target: the reply page with the code in the fragment.

    A fragment never reaches the server, so the code stays out of access logs; the page reads
    it in the browser and fills in the code field.
    """
    return f"{reply_url}#{code}"


# -- texts ---------------------------------------------------------------------------------------

WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
# fmt: off
MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
# fmt: on

# One table: key -> text per language. {number}, {url}, {phone}, {start}, {end} are filled in.
TEXTS: Final[dict[str, dict[str, str]]] = {
    "title": {
        "sv": "Vi kommer till dig för arbete med ditt dörrlås",
        "nb": "Vi kommer til deg for arbeid med dørlåsen din",
        "en": "We are coming to work on your door lock",
    },
    "intro": {
        "sv": "Vi har bokat ett besök hos dig. Montören behöver komma in i din bostad.",
        "nb": "Vi har booket et besøk hos deg. Montøren må komme inn i boligen din.",
        "en": "We have booked a visit to your home. The fitter needs to come inside.",
    },
    "date": {"sv": "Datum", "nb": "Dato", "en": "Date"},
    "time": {"sv": "Tid", "nb": "Tid", "en": "Time"},
    "window": {
        "sv": "mellan kl. {start} och {end}",
        "nb": "mellom kl. {start} og {end}",
        "en": "between {start} and {end}",
    },
    "fitter": {"sv": "Montör", "nb": "Montør", "en": "Fitter"},
    "reference": {"sv": "Ärende", "nb": "Sak", "en": "Reference"},
    "code_heading": {
        "sv": "Din bokningskod",
        "nb": "Din bookingkode",
        "en": "Your booking code",
    },
    "code_at_door": {
        "sv": "Montören visar samma kod på sin telefon. Släpp inte in någon som inte kan "
        "visa koden.",
        "nb": "Montøren viser den samme koden på telefonen sin. Ikke slipp inn noen som ikke "
        "kan vise koden.",
        "en": "The fitter shows the same code on their phone. Do not let anyone in who "
        "cannot show it.",
    },
    "answer_heading": {
        "sv": "Svara oss om tiden passar",
        "nb": "Svar oss om tidspunktet passer",
        "en": "Tell us whether the time suits you",
    },
    "sms_ok": {
        "sv": "Passar tiden? Skicka ett sms till {number} med texten:",
        "nb": "Passer tidspunktet? Send en SMS til {number} med teksten:",
        "en": "Does the time suit you? Send a text message to {number} saying:",
    },
    "sms_contact": {
        "sv": "Passar tiden inte, eller vill du att vi ringer? Skicka:",
        "nb": "Passer ikke tidspunktet, eller vil du at vi ringer? Send:",
        "en": "Does it not suit you, or would you like us to call? Send:",
    },
    "sms_rule": {
        "sv": "Skriv koden först. Skriver du något annat än OK ringer vi upp dig.",
        "nb": "Skriv koden først. Skriver du noe annet enn OK, ringer vi deg.",
        "en": "Write the code first. If you write anything other than OK, we will call you.",
    },
    "web": {
        "sv": "Du kan också svara på webben: gå till {url} eller skanna QR-koden, och "
        "skriv in din bokningskod.",
        "nb": "Du kan også svare på nettet: gå til {url} eller skann QR-koden, og skriv inn "
        "bookingkoden din.",
        "en": "You can also answer on the web: go to {url} or scan the QR code, and enter "
        "your booking code.",
    },
    "call": {
        "sv": "Frågor? Ring oss på {phone}.",
        "nb": "Spørsmål? Ring oss på {phone}.",
        "en": "Questions? Call us on {phone}.",
    },
}
CONTACT_ANSWER: Final = "KONTAKT"  # the seed's word, the same in every language


def text(key: str, language: str, **values: str) -> str:
    table = TEXTS[key]
    return table.get(language, table[DEFAULT_LANGUAGE]).format(**values)


def local_window(facts: LetterFacts) -> tuple[datetime, datetime]:
    """Start and end of the visit in the country's local time."""
    assert facts.planned_start is not None and facts.estimate_minutes is not None
    zone = TIME_ZONES[facts.country]
    start = facts.planned_start.astimezone(zone)
    return start, start + timedelta(minutes=facts.estimate_minutes)


def date_text(moment: datetime, language: str) -> str:
    """'tisdag 10 mars 2026', 'tirsdag 10. mars 2026', 'Tuesday 10 March 2026'."""
    weekday = WEEKDAYS[language][moment.weekday()]
    month = MONTHS[language][moment.month - 1]
    day = f"{moment.day}." if language == "nb" else str(moment.day)
    return f"{weekday} {day} {month} {moment.year}"


def clock_text(moment: datetime, language: str) -> str:
    # Swedish and Norwegian write 10.00 (Språkrådet, Språkrådet i Norge); English 10:00.
    separator = ":" if language == "en" else "."
    return f"{moment.hour:02d}{separator}{moment.minute:02d}"


def window_text(facts: LetterFacts) -> tuple[str, str]:
    """(the date, the time window) as the letter prints them."""
    start, end = local_window(facts)
    language = facts.language
    window = text(
        "window", language, start=clock_text(start, language), end=clock_text(end, language)
    )
    return date_text(start, language), window


def shown_url(url: str) -> str:
    """The short address as printed: without the scheme, which nobody needs to type."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return url[len(scheme) :]
    return url


# -- drawing -------------------------------------------------------------------------------------


def _new_document() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.add_font(FONT_FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT_FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    # Metadata stays neutral: a PDF's title shows in print queues and file lists.
    pdf.set_title("Bokningsbrev / booking letter")
    pdf.set_creator("Lockwork")
    return pdf


def _draw_qr(pdf: FPDF, content: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules in a row."""
    qr = segno.make_qr(content, error="m")
    rows = list(qr.matrix_iter(scale=1, border=0))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(rows):
        run_start: int | None = None
        for column, dark in enumerate([*row, 0]):
            if dark and run_start is None:
                run_start = column
            elif not dark and run_start is not None:
                pdf.rect(
                    x + run_start * module,
                    y + row_index * module,
                    (column - run_start) * module,
                    module,
                    style="F",
                )
                run_start = None


def _draw_letter(pdf: FPDF, facts: LetterFacts) -> None:
    missing = missing_for_letter(facts)
    if missing:
        raise letter_incomplete(missing)
    too_long = too_long_for_letter(facts)
    if too_long:
        raise BookingError(
            f"Too long to print on a letter: {', '.join(too_long)} (limits: "
            + ", ".join(f"{n} {LETTER_LIMITS[n]}" for n in too_long)
            + " characters). Shorten them on the order and try again.",
            code="letter_field_too_long",
            field=too_long[0],
            message_sv="För lång text för brevet: "
            + ", ".join(too_long)
            + ". Korta den på ordern och försök igen.",
        )
    if not codes.is_code(facts.booking_code):
        raise BookingError(
            "The booking has no valid booking code yet; lock the appointment first.",
            code="booking_code_missing",
            message_sv="Bokningen har ingen giltig bokningskod än; lås tiden först.",
        )
    language = facts.language
    width = pdf.w - 2 * MARGIN_MM
    pdf.add_page()

    # Sender and whom to call, top left.
    pdf.set_xy(MARGIN_MM, MARGIN_MM)
    pdf.set_font(FONT_FAMILY, "B", 12)
    pdf.multi_cell(width, 6, facts.organisation_name, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.cell(width, 5, facts.contact_phone, new_x="LMARGIN", new_y="NEXT")

    # The resident's address, in the envelope window.
    pdf.set_xy(MARGIN_MM, ADDRESS_TOP_MM)
    pdf.set_font(FONT_FAMILY, "", 12)
    for line in (facts.resident_name, facts.street, f"{facts.postcode}  {facts.town}"):
        pdf.multi_cell(ADDRESS_WIDTH_MM, 6, line, align="L", new_x="LMARGIN", new_y="NEXT")

    # What, when, who: below the window, or below a long address.
    pdf.set_xy(MARGIN_MM, max(BODY_TOP_MM, pdf.get_y() + 6))
    pdf.set_font(FONT_FAMILY, "B", 15)
    pdf.multi_cell(width, 7, text("title", language), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", TEXT_FONT_PT)
    pdf.multi_cell(
        width, LINE_MM, text("intro", language), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    day, window = window_text(facts)
    facts_rows = [
        (text("date", language), day),
        (text("time", language), window),
        (text("fitter", language), facts.fitter_name),
    ]
    if facts.order_reference:
        facts_rows.append((text("reference", language), facts.order_reference))
    for label, value in facts_rows:
        pdf.set_font(FONT_FAMILY, "", TEXT_FONT_PT)
        pdf.cell(28, 6.5, label + ":")
        pdf.set_font(FONT_FAMILY, "B", 12)
        pdf.multi_cell(width - 28, 6.5, value, align="L", new_x="LMARGIN", new_y="NEXT")

    # The booking code, large, in a box.
    pdf.ln(3)
    box_top = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.5)
    pdf.rect(MARGIN_MM, box_top, width, 31)
    pdf.set_xy(MARGIN_MM + 4, box_top + 2.5)
    pdf.set_font(FONT_FAMILY, "", TEXT_FONT_PT)
    pdf.cell(width - 8, 5, text("code_heading", language), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(MARGIN_MM + 4)
    pdf.set_font(FONT_FAMILY, "B", CODE_FONT_PT)
    pdf.set_char_spacing(2)
    pdf.cell(width - 8, 13, codes.format_code(facts.booking_code), new_x="LMARGIN", new_y="NEXT")
    pdf.set_char_spacing(0)
    pdf.set_x(MARGIN_MM + 4)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.multi_cell(
        width - 8, 4.5, text("code_at_door", language), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_y(box_top + 31 + 5)

    # How to answer: SMS, and/or the reply page with its QR code on the right.
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(width, 7, text("answer_heading", language), new_x="LMARGIN", new_y="NEXT")
    answer_top = pdf.get_y()
    text_width = width - (QR_SIZE_MM + 6 if facts.reply_url else 0)
    spoken = codes.spoken_groups(facts.booking_code)
    if facts.reply_sms_number:
        number = phones.display(facts.reply_sms_number, facts.country)
        pdf.set_font(FONT_FAMILY, "", TEXT_FONT_PT)
        pdf.multi_cell(text_width, LINE_MM, text("sms_ok", language, number=number), align="L")
        pdf.set_font(FONT_FAMILY, "B", 14)
        pdf.set_x(MARGIN_MM + 6)
        pdf.cell(text_width - 6, 8, f"{spoken} OK", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, "", TEXT_FONT_PT)
        pdf.multi_cell(text_width, LINE_MM, text("sms_contact", language), align="L")
        pdf.set_font(FONT_FAMILY, "B", 14)
        pdf.set_x(MARGIN_MM + 6)
        pdf.cell(text_width - 6, 8, f"{spoken} {CONTACT_ANSWER}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, "", 9.5)
        pdf.multi_cell(text_width, 4.5, text("sms_rule", language), align="L")
        pdf.ln(2)
    if facts.reply_url:
        pdf.set_font(FONT_FAMILY, "", TEXT_FONT_PT)
        pdf.multi_cell(
            text_width, LINE_MM, text("web", language, url=shown_url(facts.reply_url)), align="L"
        )
        _draw_qr(
            pdf,
            reply_link(facts.reply_url, facts.booking_code),
            pdf.w - MARGIN_MM - QR_SIZE_MM,
            answer_top + 1,
            QR_SIZE_MM,
        )
    below_qr = answer_top + QR_SIZE_MM + 2 if facts.reply_url else 0.0
    pdf.set_y(max(pdf.get_y(), below_qr) + 4)

    # Whom to call.
    pdf.set_font(FONT_FAMILY, "B", TEXT_FONT_PT)
    pdf.multi_cell(
        width,
        LINE_MM,
        text("call", language, phone=facts.contact_phone),
        align="L",
    )
    if pdf.get_y() > pdf.h - BOTTOM_MARGIN_MM:
        # Cannot happen within the database's field lengths (a test draws the longest); a
        # letter cut off at the bottom must never be printed.
        raise BookingError(
            "The letter does not fit on one page; shorten the names or address.",
            code="letter_too_long",
            message_sv="Brevet ryms inte på en sida; korta namn eller adress.",
        )


def render_letter(facts: LetterFacts) -> bytes:
    """One letter, one A4 page. Raises :class:`LetterIncomplete` when something is missing."""
    pdf = _new_document()
    _draw_letter(pdf, facts)
    return bytes(pdf.output())


def render_letters(many: Iterable[LetterFacts]) -> bytes:
    """Several letters drawn into one document, one page each (the font embedded once)."""
    pdf = _new_document()
    for facts in many:
        _draw_letter(pdf, facts)
    return bytes(pdf.output())


def render_each(many: Sequence[LetterFacts]) -> list[bytes]:
    """Several letters, each as its own PDF, drawn together: parsing the font and cutting its
    subset once for the lot instead of once a letter makes a letter about three times
    cheaper (bench/letters.py). Each file is the pages of its letter, taken out of the common
    document with pypdf; it carries the common font subset, so it is a few kB larger."""
    pdf = _new_document()
    first_pages = []
    for facts in many:
        first_pages.append(pdf.page)  # pages are numbered from 1; 0 before the first
        _draw_letter(pdf, facts)
    reader = PdfReader(io.BytesIO(bytes(pdf.output())))
    bounds = [*first_pages[1:], len(reader.pages)]
    out = []
    for start, end in zip(first_pages, bounds, strict=True):
        writer = PdfWriter()
        for index in range(start, end):
            writer.add_page(reader.pages[index])
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def merge_letters(letters: Iterable[bytes]) -> bytes:
    """Stored letters, one after the other, as one PDF to print (a day's batch)."""
    writer = PdfWriter()
    for letter in letters:
        writer.append(PdfReader(io.BytesIO(letter)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
