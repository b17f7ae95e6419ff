"""Identity numbers: validated, sealed to one customer, shown masked, never echoed."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from server.errors import ValidationFailed
from server.secrets_box import SecretBox, normalise_identity_number

BOX = SecretBox("k" * 64)


@pytest.mark.parametrize(
    ("raw", "normalised", "masked"),
    [
        ("19121212-1212", "19121212-1212", "19121212-****"),
        ("191212121212", "19121212-1212", "19121212-****"),
        ("121212-1212", "121212-1212", "121212-****"),
    ],
)
def test_swedish_numbers(raw: str, normalised: str, masked: str) -> None:
    assert normalise_identity_number(raw, "SE") == (normalised, masked)


@pytest.mark.parametrize("raw", ["19121212-1213", "1912121212", "abc", "19121212-121"])
def test_bad_swedish_numbers_are_refused_without_echo(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_identity_number(raw, "SE")
    assert raw not in caught.value.message


def test_norwegian_numbers() -> None:
    # 010101 123 with control digits 7 and 7 (weights 3765 18945 2 and 5432765432).
    number = "01010112377"
    assert normalise_identity_number(number, "NO") == (number, "010101*****")
    with pytest.raises(ValidationFailed):
        normalise_identity_number("01010112378", "NO")


def test_a_sealed_number_opens_only_for_its_customer() -> None:
    sealed = BOX.seal_identity_number("19121212-1212", "customer-1")
    assert "1212" not in sealed
    assert BOX.open_identity_number(sealed, "customer-1") == "19121212-1212"
    with pytest.raises(InvalidTag):
        BOX.open_identity_number(sealed, "customer-2")
    assert BOX.seal_identity_number("19121212-1212", "customer-1") != sealed  # fresh nonce
