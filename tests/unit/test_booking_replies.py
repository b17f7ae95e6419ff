"""Seed 002's reply rule: exactly "OK" confirms; "KONTAKT" or any other text goes to a person."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.booking import codes
from server.booking.replies import Answer, FollowUpReason, interpret, interpret_sms, parse_sms

C, F = Answer.CONFIRM, Answer.FOLLOW_UP
CONTACT, OTHER = FollowUpReason.CONTACT_REQUESTED, FollowUpReason.OTHER_TEXT

# (what the resident wrote, answer, reason). The examples first.
ANSWERS = [
    ("OK", C, FollowUpReason.NONE),
    (" ok ", C, FollowUpReason.NONE),
    ("KONTAKT", F, CONTACT),
    ("Passer ikke", F, OTHER),
    ("Ok", C, FollowUpReason.NONE),
    ("oK\n", C, FollowUpReason.NONE),
    ("\tOK\r\n", C, FollowUpReason.NONE),
    ("Ok!!", F, OTHER),  # the seed's own example of a text that is not exactly OK
    ("Det er greit", F, OTHER),  # ditto
    ("OK.", F, OTHER),
    ("Ok?", F, OTHER),
    ("O K", F, OTHER),
    ("okej", F, OTHER),
    ("OK OK", F, OTHER),
    ("Ok, men ring först", F, OTHER),
    ("kontakt", F, CONTACT),
    (" Kontakt ", F, CONTACT),
    ("KONTAKT!", F, OTHER),
    ("", F, OTHER),
    ("   ", F, OTHER),
    ("ОК", F, OTHER),  # Cyrillic O and K: looks the same, is not the word
]


@pytest.mark.parametrize(("text", "answer", "reason"), ANSWERS)
def test_the_answer_rule(text: str, answer: Answer, reason: FollowUpReason) -> None:
    result = interpret(text)
    assert (result.answer, result.reason) == (answer, reason)
    assert result.text == text  # kept exactly as written


# (SMS body, code found, answer text after it)
SMS = [
    ("K7R HM3 XPR OK", "K7RHM3XPR", "OK"),
    ("k7r hm3 xpr ok", "K7RHM3XPR", "ok"),
    ("K7RHM3XPR OK", "K7RHM3XPR", "OK"),
    ("K7R-HM3-XPR OK", "K7RHM3XPR", "OK"),
    ("K7R-HM3-XPROK", "K7RHM3XPR", "OK"),
    ("  K7R  HM3   XPR    ok  ", "K7RHM3XPR", "ok  "),
    ("K7R HM3 XPR: OK", "K7RHM3XPR", "OK"),
    ("K7R HM3 XPR KONTAKT", "K7RHM3XPR", "KONTAKT"),
    ("K7R HM3 XPR Passer ikke, ring meg", "K7RHM3XPR", "Passer ikke, ring meg"),
    ("K7R HM3 XPR", "K7RHM3XPR", ""),
    ("K7R HM3 XPR\nOK", "K7RHM3XPR", "OK"),
    ("k7r hm3 xpr Ok!!", "K7RHM3XPR", "Ok!!"),
    ("B7R HM3 XPR OK", "87RHM3XPR", "OK"),  # B is never in a code: it was an 8
    # No code at the start: the whole message is the text.
    ("OK", None, "OK"),
    ("OK K7R HM3 XPR", None, "OK K7R HM3 XPR"),
    ("Takk det passer", None, "Takk det passer"),
    ("K7R HM3 XP OK", None, "K7R HM3 XP OK"),
    ("K7 RHM3 XPR OK", None, "K7 RHM3 XPR OK"),
    ("KONTAKT", None, "KONTAKT"),
    ("", None, ""),
]


@pytest.mark.parametrize(("body", "code", "text"), SMS)
def test_the_code_comes_first_in_an_sms(body: str, code: str | None, text: str) -> None:
    reply = parse_sms(body)
    assert (reply.code, reply.text) == (code, text)


def test_an_sms_answer_follows_the_same_rule() -> None:
    assert interpret_sms("k7r hm3 xpr ok")[1].answer is C
    assert interpret_sms("K7R HM3 XPR Ok!!")[1].answer is F
    code, meaning = interpret_sms("K7R HM3 XPR KONTAKT")
    assert code == "K7RHM3XPR" and meaning.reason is CONTACT
    assert interpret_sms("OK")[1].answer is C  # no code: the caller keeps it for a planner


@given(
    st.text(alphabet=codes.ALPHABET, min_size=codes.LENGTH, max_size=codes.LENGTH),
    st.sampled_from([" ", "  ", "-", ""]),
    st.sampled_from([" ", "\n", ": ", " "]),
    st.text(max_size=40).filter(
        lambda t: t == t.lstrip() and not t.startswith((":", ";", ",", "."))
    ),
)
def test_any_code_and_answer_read_back(code: str, sep: str, gap: str, answer: str) -> None:
    groups = [code[i : i + 3] for i in range(0, 9, 3)]
    body = sep.join(groups).lower() + gap + answer
    reply = parse_sms(body)
    assert reply.code == code
    assert reply.text == answer
