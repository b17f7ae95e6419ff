"""The PDF booking letter: what it says in each language, its QR code, what it still lacks.

The PDF is read back as a reader would: its text through pypdf, its QR code by rendering the
page to pixels (PDFium) and decoding them (zxing-cpp), not by asking the module what it drew.
"""

from __future__ import annotations

import io
from dataclasses import fields, replace
from datetime import UTC, datetime

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from server.booking.errors import BookingError, LetterIncomplete
from server.booking.letters import (
    BookingChannel,
    LetterFacts,
    MissingField,
    merge_letters,
    missing_for_letter,
    render_letter,
    render_letters,
    too_long_for_letter,
)

# Tuesday 10 March 2026, 09:00 UTC = 10:00 in Stockholm and Oslo (winter time, UTC+1).
WINTER_START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
# Wednesday 10 June 2026, 06:30 UTC = 08:30 local (summer time, UTC+2).
SUMMER_START = datetime(2026, 6, 10, 6, 30, tzinfo=UTC)

FACTS = LetterFacts(
    organisation_name="Låsservice Uppsala AB",
    contact_phone="018-727 00 00",
    resident_name="Åsa Öberg-Ærøe",
    street="Kungsängsgatan 12 B",
    postcode="753 22",
    town="Uppsala",
    planned_start=WINTER_START,
    estimate_minutes=60,
    fitter_name="Jørgen Sæther",
    booking_code="K7RHM3XPR",
    resident_phone="070-123 45 67",
    order_reference="W-000123",
    reply_sms_number="+46766861004",
    reply_url="https://lockwork.example.se/s",
)

# Written out by hand per language, not taken from the module's tables.
EXPECTED = {
    "sv": [
        "tisdag 10 mars 2026",
        "mellan kl. 10.00 och 11.00",
        "Din bokningskod",
        "Skicka ett sms till 076-686 10 04",
        "K7R HM3 XPR OK",
        "K7R HM3 XPR KONTAKT",
        "lockwork.example.se/s",
        "Ring oss på 018-727 00 00",
    ],
    "nb": [
        "tirsdag 10. mars 2026",
        "mellom kl. 10.00 og 11.00",
        "Din bookingkode",
        "Send en SMS til 076-686 10 04",
        "K7R HM3 XPR OK",
        "K7R HM3 XPR KONTAKT",
        "lockwork.example.se/s",
        "Ring oss på 018-727 00 00",
    ],
    "en": [
        "Tuesday 10 March 2026",
        "between 10:00 and 11:00",
        "Your booking code",
        "Send a text message to 076-686 10 04",
        "K7R HM3 XPR OK",
        "K7R HM3 XPR KONTAKT",
        "lockwork.example.se/s",
        "Call us on 018-727 00 00",
    ],
}


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, with line breaks folded into spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def qr_codes(pdf: bytes, page: int = 0) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


@pytest.mark.parametrize("language", ["sv", "nb", "en"])
def test_the_letter_says_when_who_the_code_and_how_to_answer(language: str) -> None:
    pdf = render_letter(replace(FACTS, language=language))  # type: ignore[arg-type]
    pages = pdf_text(pdf)
    assert len(pages) == 1
    page = pages[0]
    for expected in [*EXPECTED[language], "K7R-HM3-XPR", "Jørgen Sæther", "W-000123"]:
        assert expected in page, (language, expected, page)
    # The address, with the Nordic letters intact.
    for line in ("Åsa Öberg-Ærøe", "Kungsängsgatan 12 B", "753 22 Uppsala"):
        assert line in page


def test_the_qr_code_decodes_to_the_reply_page_with_the_code_in_the_fragment() -> None:
    pdf = render_letter(FACTS)
    assert qr_codes(pdf) == ["https://lockwork.example.se/s#K7RHM3XPR"]


def test_summer_time_and_norway() -> None:
    summer = pdf_text(render_letter(replace(FACTS, planned_start=SUMMER_START)))[0]
    assert "onsdag 10 juni 2026" in summer and "mellan kl. 08.30 och 09.30" in summer
    oslo = replace(
        FACTS, country="NO", language="nb", planned_start=SUMMER_START, estimate_minutes=90
    )
    page = pdf_text(render_letter(oslo))[0]
    assert "onsdag 10. juni 2026" in page and "mellom kl. 08.30 og 10.00" in page
    # A Swedish reply number on a letter to Norway needs its country code, or the SMS is lost.
    assert "+46 76 686 10 04" in page


def test_sms_only_and_web_only_letters() -> None:
    sms_only = render_letter(replace(FACTS, reply_url=""))
    text = pdf_text(sms_only)[0]
    assert "K7R HM3 XPR OK" in text and "lockwork.example.se" not in text
    assert qr_codes(sms_only) == []
    web_only = render_letter(replace(FACTS, reply_sms_number=""))
    text = pdf_text(web_only)[0]
    assert "lockwork.example.se/s" in text and "XPR OK" not in text and "sms" not in text
    assert qr_codes(web_only) == ["https://lockwork.example.se/s#K7RHM3XPR"]


def test_names_beyond_the_nordic_letters_render() -> None:
    pdf = render_letter(replace(FACTS, resident_name="Дмитрий Čađo Øyvind"))
    assert "Дмитрий Čađo Øyvind" in pdf_text(pdf)[0]


def test_a_letter_never_has_a_field_for_an_identity_number() -> None:
    names = {f.name for f in fields(LetterFacts)}
    assert not {n for n in names if "identity" in n or "personnummer" in n or "ssn" in n}


# (what is blank, the channel, what is missing)
MISSING_CASES = [
    ({}, BookingChannel.LETTER, []),
    ({}, BookingChannel.SMS, []),
    ({"street": " "}, BookingChannel.LETTER, [MissingField.STREET]),
    ({"postcode": ""}, BookingChannel.LETTER, [MissingField.POSTCODE]),
    ({"town": ""}, BookingChannel.LETTER, [MissingField.TOWN]),
    ({"resident_name": ""}, BookingChannel.LETTER, [MissingField.RESIDENT_NAME]),
    ({"resident_phone": ""}, BookingChannel.LETTER, []),  # a letter needs no phone
    ({"resident_phone": ""}, BookingChannel.SMS, [MissingField.PHONE]),
    ({"resident_phone": "018-12 34 56"}, BookingChannel.SMS, [MissingField.PHONE]),  # landline
    ({"resident_phone": "12"}, BookingChannel.SMS, [MissingField.PHONE]),
    ({"planned_start": None}, BookingChannel.LETTER, [MissingField.APPOINTMENT]),
    ({"estimate_minutes": 0}, BookingChannel.LETTER, [MissingField.APPOINTMENT]),
    (
        {"planned_start": datetime(2026, 3, 10, 9)},
        BookingChannel.LETTER,
        [MissingField.APPOINTMENT],
    ),
    ({"fitter_name": ""}, BookingChannel.LETTER, [MissingField.FITTER]),
    ({"contact_phone": ""}, BookingChannel.LETTER, [MissingField.CONTACT_PHONE]),
    (
        {"reply_sms_number": "", "reply_url": ""},
        BookingChannel.LETTER,
        [MissingField.REPLY_CHANNEL],
    ),
    (
        {"street": "", "postcode": "", "town": "", "resident_name": "", "resident_phone": ""},
        BookingChannel.SMS,
        [
            MissingField.RESIDENT_NAME,
            MissingField.STREET,
            MissingField.POSTCODE,
            MissingField.TOWN,
            MissingField.PHONE,
        ],
    ),
]


@pytest.mark.parametrize(("blank", "channel", "missing"), MISSING_CASES)
def test_what_a_booking_still_lacks(
    blank: dict[str, object], channel: BookingChannel, missing: list[MissingField]
) -> None:
    facts = replace(FACTS, **blank)  # type: ignore[arg-type]
    assert missing_for_letter(facts, channel) == missing


def test_an_incomplete_letter_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(LetterIncomplete) as refused:
        render_letter(replace(FACTS, street="", town=""))
    assert refused.value.missing == ["street", "town"]
    assert "street address" in refused.value.message and "town" in refused.value.message
    assert "gatuadress" in refused.value.message_sv and "ort" in refused.value.message_sv
    with pytest.raises(BookingError):
        render_letter(replace(FACTS, booking_code="K7R-HM3"))


def test_letters_merge_into_one_file_to_print_page_by_page() -> None:
    codes = ["K7RHM3XPR", "2345679AC", "DEFHJKMNP"]
    letters = [render_letter(replace(FACTS, booking_code=c)) for c in codes]
    merged = merge_letters(letters)
    pages = pdf_text(merged)
    assert len(pages) == 3
    for page, code in zip(pages, codes, strict=True):
        assert f"{code[:3]}-{code[3:6]}-{code[6:]}" in page
    assert qr_codes(merged, page=2) == ["https://lockwork.example.se/s#DEFHJKMNP"]
    # Drawn as one document, the batch says the same, one page per letter.
    batch = pdf_text(render_letters(replace(FACTS, booking_code=c) for c in codes))
    assert batch == pages


def test_the_longest_printable_fields_still_fit_on_one_page() -> None:
    # Written out by hand: organisation, resident and fitter names and the street 80
    # characters, the town 60, the postcode 10, the reference 20.
    words = ("Åsa-Britt Öberg Sæther " * 10)[:80]
    longest = replace(
        FACTS,
        organisation_name=words,
        contact_phone="018-727 00 00 (vardagar 8-16)",
        resident_name=words,
        street=("Kungsängsgatan 12 B " * 10)[:80],
        town=("Övre Ullerud " * 8)[:60],
        postcode="1234567890",
        fitter_name=words,
        order_reference="W" * 20,
    )
    for language in ("sv", "nb", "en"):
        pdf = render_letter(replace(longest, language=language))  # type: ignore[arg-type]
        [page] = pdf_text(pdf)
        assert "K7R-HM3-XPR" in page and "K7R HM3 XPR KONTAKT" in page
        assert page.endswith("(vardagar 8-16).")  # the last line, whom to call, is there
        assert qr_codes(pdf) == ["https://lockwork.example.se/s#K7RHM3XPR"]
    # One character more is refused, naming the field, before anything is drawn.
    with pytest.raises(BookingError) as refused:
        render_letter(replace(longest, street=longest.street + "x"))
    assert refused.value.code == "letter_field_too_long" and refused.value.field == "street"
    assert too_long_for_letter(replace(FACTS, resident_name="x" * 81)) == ["resident_name"]
    assert too_long_for_letter(FACTS) == []


def test_letters_drawn_together_come_apart_one_per_order() -> None:
    """render_each: the letters of a draw, each its own file with its own code and address."""
    import io

    from pypdf import PdfReader

    from server.booking import codes
    from server.booking.letters import render_each

    many = [
        replace(FACTS, resident_name=f"Märta Öberg {n}", booking_code=codes.new_code())
        for n in range(4)
    ]
    parts = render_each(many)
    assert len(parts) == len(many)
    for facts, part in zip(many, parts, strict=True):
        reader = PdfReader(io.BytesIO(part))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert codes.format_code(facts.booking_code) in text
        assert facts.resident_name in text
        others = [f for f in many if f is not facts]
        assert not any(codes.format_code(o.booking_code) in text for o in others)
