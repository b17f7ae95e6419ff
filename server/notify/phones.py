"""Phone numbers as E.164 (``+46701234567``), for SMS. Pure: no I/O.

People write Nordic numbers in many ways: ``070-123 45 67``, ``+46 (0)70 123 45 67``,
``0046701234567``, ``412 34 567`` (Norway has no trunk 0). The SMS provider wants E.164, and
a reply is matched to a number only if both are written the same way, so every number is
normalised here, once.

Only Swedish (+46) and Norwegian (+47) numbers are accepted: those are the countries Lockwork
books residents in, and a number elsewhere is more likely a typo than a resident abroad.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from server.errors import ValidationFailed

Country = Literal["SE", "NO"]

# National significant numbers (after the country code, without a trunk 0): Swedish numbers
# have 7 to 9 digits (area code plus subscriber number), Norwegian numbers always 8.
SE_DIGITS: Final = range(7, 10)
NO_DIGITS: Final = range(8, 9)
# Country code -> the lengths its national numbers may have.
_NATIONAL_DIGITS: Final = (("46", SE_DIGITS), ("47", NO_DIGITS))
# Mobile numbers, the ones an SMS reaches: Swedish 07x with 9 digits after +46 (70, 72, 73,
# 76 and 79 are the mobile ranges), Norwegian 8 digits starting with 4 or 9.
_SE_MOBILE: Final = re.compile(r"^\+467[02369]\d{7}$")
_NO_MOBILE: Final = re.compile(r"^\+47[49]\d{7}$")
# ASCII digits only: str.isdigit() would also accept other scripts' digits.
_DIGITS: Final = re.compile(r"[0-9]+")
# What people put between digits.
_SPACING: Final = re.compile(r"[\s\-./()\u00a0\u2010-\u2015]")


class PhoneNumberInvalid(ValidationFailed):
    code = "phone_number_invalid"


def _invalid(reason: str, reason_sv: str) -> PhoneNumberInvalid:
    # The message never repeats the number: error texts reach logs.
    return PhoneNumberInvalid(
        f"The phone number {reason}. Write it as 070-123 45 67 or +46 70 123 45 67 "
        "(Norway: 412 34 567 or +47 412 34 567).",
        message_sv=f"Telefonnumret {reason_sv}. Skriv det som 070-123 45 67 eller "
        "+46 70 123 45 67 (Norge: 412 34 567 eller +47 412 34 567).",
        field="phone",
    )


def to_e164(text: str, country: Country = "SE") -> str:
    """The number in E.164, reading a national number as ``country``'s; raises when invalid."""
    raw = text.strip()
    # "+46 (0)70 ..." : the trunk 0 in brackets is a common way of writing it; drop it.
    raw = re.sub(r"\(0\)", "", raw)
    compact = _SPACING.sub("", raw)
    if not compact:
        raise _invalid("is empty", "saknas")
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    else:
        digits = ""
    if not _DIGITS.fullmatch(digits or compact):
        raise _invalid("holds characters that are not digits", "innehåller annat än siffror")
    if digits:
        for code, lengths in _NATIONAL_DIGITS:
            if digits.startswith(code):
                national = digits[len(code) :]
                if code == "46" and national.startswith("0"):
                    national = national[1:]  # "+46 070 ...": a trunk 0 written after +46
                return _checked(code, national, lengths)
        raise _invalid(
            "is not Swedish (+46) or Norwegian (+47)", "är inte svenskt (+46) eller norskt (+47)"
        )
    if country == "SE":
        if not compact.startswith("0"):
            raise _invalid(
                "lacks the area code (it starts with 0) or +46",
                "saknar riktnummer (0...) eller +46",
            )
        return _checked("46", compact[1:], SE_DIGITS)
    return _checked("47", compact, NO_DIGITS)


def _checked(country_code: str, national: str, lengths: range) -> str:
    if len(national) not in lengths or national.startswith("0"):
        raise _invalid("has the wrong number of digits", "har fel antal siffror")
    return f"+{country_code}{national}"


def to_e164_or_none(text: str, country: Country = "SE") -> str | None:
    try:
        return to_e164(text, country)
    except PhoneNumberInvalid:
        return None


def is_mobile(e164: str) -> bool:
    """True for a Swedish or Norwegian mobile number (one that can receive an SMS)."""
    return bool(_SE_MOBILE.match(e164) or _NO_MOBILE.match(e164))


def mobile_or_none(text: str, country: Country = "SE") -> str | None:
    """The number in E.164 when it is a mobile number, else None (for "can we text them?")."""
    number = to_e164_or_none(text, country)
    return number if number is not None and is_mobile(number) else None


def display(e164: str, country: Country = "SE") -> str:
    """A number as a person writes it: nationally at home, with +46/+47 from abroad.

    A letter to a Norwegian resident with a Swedish reply number must show the country code,
    or the SMS goes nowhere.
    """
    if e164.startswith("+46") and _SE_MOBILE.match(e164):
        n = e164[3:]
        if country == "SE":
            return f"0{n[:2]}-{n[2:5]} {n[5:7]} {n[7:]}"
        return f"+46 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}"
    if e164.startswith("+47") and len(e164) == 11:
        n = e164[3:]
        grouped = f"{n[:3]} {n[3:5]} {n[5:]}"
        return grouped if country == "NO" else f"+47 {grouped}"
    if e164.startswith("+46") and country == "SE":
        return "0" + e164[3:]
    return e164
