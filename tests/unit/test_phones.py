"""Phone numbers to E.164 for SMS: the ways Swedes and Norwegians write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.notify.phones import (
    PhoneNumberInvalid,
    is_mobile,
    mobile_or_none,
    to_e164,
    to_e164_or_none,
)

VALID = [
    ("070-123 45 67", "SE", "+46701234567"),
    ("0701234567", "SE", "+46701234567"),
    ("+46 70 123 45 67", "SE", "+46701234567"),
    ("+46 (0)70-123 45 67", "SE", "+46701234567"),
    ("+46 070 123 45 67", "SE", "+46701234567"),
    ("0046 70 123 45 67", "SE", "+46701234567"),
    ("(070) 123.45.67", "SE", "+46701234567"),
    ("018-12 34 56", "SE", "+4618123456"),  # an Uppsala landline
    ("08-123 456 78", "SE", "+46812345678"),  # Stockholm
    ("412 34 567", "NO", "+4741234567"),
    ("+47 412 34 567", "NO", "+4741234567"),
    ("+47 412 34 567", "SE", "+4741234567"),  # an international number ignores the default
    ("0047 22 33 44 55", "SE", "+4722334455"),  # an Oslo landline
    ("070\u00a0123\u00a045\u00a067", "SE", "+46701234567"),  # no-break spaces from a web form
]


@pytest.mark.parametrize(("text", "country", "e164"), VALID)
def test_written_forms_normalise(text: str, country: str, e164: str) -> None:
    assert to_e164(text, country) == e164  # type: ignore[arg-type]


INVALID = [
    ("", "SE"),
    ("   ", "SE"),
    ("123", "SE"),
    ("701234567", "SE"),  # Swedish national numbers start with 0
    ("070-123 45 67 8", "SE"),  # too long
    ("07O-123 45 67", "SE"),  # a letter O
    ("+45 12 34 56 78", "SE"),  # Danish
    ("+4612", "SE"),
    ("4123456", "NO"),  # 7 digits
    ("041234567", "NO"),  # Norwegian numbers have no trunk 0
    ("+46 70 123 45 67 ext 2", "SE"),
    ("\u0660\u0667\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667", "SE"),  # Arabic-Indic
]


@pytest.mark.parametrize(("text", "country"), INVALID)
def test_invalid_numbers_are_refused_without_repeating_them(text: str, country: str) -> None:
    with pytest.raises(PhoneNumberInvalid) as refused:
        to_e164(text, country)  # type: ignore[arg-type]
    assert refused.value.field == "phone"
    assert refused.value.message_sv
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= 6:
        assert digits not in refused.value.message
    assert to_e164_or_none(text, country) is None  # type: ignore[arg-type]


def test_mobile_numbers_are_the_ones_an_sms_reaches() -> None:
    assert is_mobile("+46701234567") and is_mobile("+46761234567")
    assert is_mobile("+4741234567") and is_mobile("+4791234567")
    assert not is_mobile("+4618123456")  # landline
    assert not is_mobile("+4722334455")  # Oslo landline
    assert mobile_or_none("018-12 34 56") is None
    assert mobile_or_none("070-123 45 67") == "+46701234567"


@given(st.from_regex(r"\A7[02369][0-9]{7}\Z"), st.sampled_from(["", " ", "-", "  "]))
def test_every_swedish_mobile_written_nationally_or_internationally_agrees(
    digits: str, sep: str
) -> None:
    national = "0" + digits[:2] + sep + digits[2:5] + sep + digits[5:]
    international = "+46" + sep + digits
    assert to_e164(national) == to_e164(international) == "+46" + digits
    assert is_mobile(to_e164(national))


@given(st.text(max_size=25))
def test_any_result_is_e164(text: str) -> None:
    result = to_e164_or_none(text)
    if result is not None:
        assert result.startswith(("+46", "+47"))
        assert result[1:].isascii() and result[1:].isdigit() and 10 <= len(result) <= 12
