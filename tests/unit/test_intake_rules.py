"""The intake's pure rules on their own: the case life cycle against a literal table, the case
number, the reporter's contact, the QR and form tokens, and the label sheet."""

from __future__ import annotations

import io
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from server.errors import ValidationFailed
from server.intake import tokens
from server.intake.cases import (
    CaseAction,
    CaseStatus,
    allowed_actions,
    case_number,
    check_contact,
    order_description,
    parse_case_number,
    transition,
)
from server.intake.errors import CaseRefused, FormTokenRefused, QrTokenInvalid
from server.intake.labels import LABELS_PER_PAGE, Label, render_labels

# Written out by hand from the brief; deliberately not derived from the module.
EXPECTED = {
    ("new", "make_order"): "triaged",
    ("new", "close"): "closed",
    ("triaged", "close"): "closed",
}


@pytest.mark.parametrize(("status", "action"), list(product(CaseStatus, CaseAction)))
def test_every_move_of_a_case(status: CaseStatus, action: CaseAction) -> None:
    wanted = EXPECTED.get((status.value, action.value))
    if wanted is None:
        with pytest.raises(CaseRefused) as refused:
            transition(status, action)
        assert refused.value.message_sv  # said to the planner in Swedish too
        assert action not in allowed_actions(status)
    else:
        assert transition(status, action).value == wanted
        assert action in allowed_actions(status)


def test_a_closed_case_stays_closed() -> None:
    assert allowed_actions(CaseStatus.CLOSED) == []


def test_case_numbers_read_out_and_back() -> None:
    assert case_number(2026, 123) == "F-2026-000123"
    assert case_number(2027, 1_234_567) == "F-2027-1234567"
    assert parse_case_number(" f-2026-000123 ") == (2026, 123)
    assert parse_case_number("F-26-1") is None
    with pytest.raises(ValueError):
        case_number(2026, 0)


@pytest.mark.parametrize(
    ("name", "phone", "email", "field"),
    [
        ("", "070-123 45 67", "", "name"),
        ("Anna", "", "", "phone"),
        ("Anna", "ring mig", "", "phone"),
        ("Anna", "12345", "", "phone"),
        ("Anna", "+46 70 123 45 67 89 00 11", "", "phone"),
        ("Anna", "", "anna@example", "email"),
        ("Anna", "", "anna example.se", "email"),
    ],
)
def test_a_contact_that_cannot_be_used(name: str, phone: str, email: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_contact(name, phone, email)
    assert refused.value.field == field


def test_a_contact_is_trimmed() -> None:
    assert check_contact(" Anna ", " +46 (0)70-123 45 67 ", "") == (
        "Anna",
        "+46 (0)70-123 45 67",
        "",
    )
    assert check_contact("Anna", "", "anna@example.se") == ("Anna", "", "anna@example.se")


def test_an_orders_description_from_a_case() -> None:
    text = order_description(
        "F-2026-000007", " Låset piper. ", "Anna", "relative", "070-1234567", "a@example.se"
    )
    assert text == (
        "Felanmälan F-2026-000007 från Anna (anhörig), 070-1234567, a@example.se:\nLåset piper."
    )


KEY = b"k" * 32
OTHER_KEY = b"o" * 32
LOCK_A = tokens.QrTarget("lock", "11111111-1111-1111-1111-111111111111")
LOCK_B = tokens.QrTarget("lock", "22222222-2222-2222-2222-222222222222")


def test_a_qr_token_names_its_target_only_through_its_signature() -> None:
    token_id = tokens.new_token_id()
    text = tokens.qr_token(KEY, token_id, LOCK_A)
    assert len(text) == 39 and text.startswith(token_id + ".")
    assert LOCK_A.target_id not in text
    assert tokens.qr_token_valid(KEY, text, LOCK_A)
    # The same token for another lock, under another key, or altered: not valid.
    assert not tokens.qr_token_valid(KEY, text, LOCK_B)
    assert not tokens.qr_token_valid(OTHER_KEY, text, LOCK_A)
    assert not tokens.qr_token_valid(KEY, tokens.qr_token(KEY, token_id, LOCK_B), LOCK_A)
    assert not tokens.qr_token_valid(
        KEY, tokens.qr_token(KEY, tokens.new_token_id(), LOCK_A), LOCK_B
    )
    assert not tokens.qr_token_valid(
        KEY, tokens.qr_token(KEY, token_id, tokens.QrTarget("customer", LOCK_A.target_id)), LOCK_A
    )


@given(st.text(max_size=60))
def test_any_text_is_a_valid_token_or_refused_alike(text: str) -> None:
    try:
        tokens.qr_token_id(text)
    except QrTokenInvalid as refused:
        assert refused.code == "qr_token_invalid"


def test_a_form_token_between_its_ages() -> None:
    text = tokens.form_token(KEY, 1_000_000)
    check = {"min_seconds": 3, "max_seconds": 3600}
    tokens.check_form_token(KEY, text, now=1_000_003, **check)
    tokens.check_form_token(KEY, text, now=1_003_600, **check)
    with pytest.raises(FormTokenRefused) as early:
        tokens.check_form_token(KEY, text, now=1_000_001, **check)
    assert (early.value.code, early.value.retry_after) == ("form_too_fast", 2)
    with pytest.raises(FormTokenRefused) as late:
        tokens.check_form_token(KEY, text, now=1_003_601, **check)
    assert late.value.code == "form_expired"
    # Another key, a moved time, a changed nonce: not the server's token.
    stamp, nonce, mac = text.split(".")
    for forged in (
        tokens.form_token(OTHER_KEY, 1_000_000),
        f"{int(stamp) - 100}.{nonce}.{mac}",
        f"{stamp}.{nonce[::-1]}.{mac}",
        "",
    ):
        with pytest.raises(FormTokenRefused) as refused:
            tokens.check_form_token(KEY, forged, now=1_000_010, **check)
        assert refused.value.code == "form_invalid", forged


def test_follow_secrets_are_kept_as_hashes() -> None:
    secret = tokens.new_follow_secret()
    assert len(secret) == 43
    hashed = tokens.follow_hash(secret)
    assert hashed is not None and len(hashed) == 64 and secret not in hashed
    assert tokens.follow_hash(f" {secret} ") == hashed
    assert tokens.follow_hash(secret[:-1]) is None
    assert tokens.follow_hash("") is None


def test_a_sheet_of_labels_has_24_a_page_and_no_names() -> None:
    labels = [
        Label(url=f"https://lockwork.example.se/f#t=token{i}", serial=f"LW-{100000 + i}")
        for i in range(LABELS_PER_PAGE + 1)
    ]
    labels.append(Label(url="https://lockwork.example.se/f#t=site", reference="Qx7K2a"))
    reader = PdfReader(io.BytesIO(render_labels(labels, "nb")))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "Feil på låsen?" in first and "lockwork.example.se/f" in first
    assert "LW-100000" in first and "LW-100023" in first and "LW-100024" not in first
    second = reader.pages[1].extract_text()
    assert "LW-100024" in second and "Etikett Qx7K2a" in second
    assert "#t=" not in first  # the token is in the code, not printed for anyone to copy
    assert len(PdfReader(io.BytesIO(render_labels([]))).pages) == 1
