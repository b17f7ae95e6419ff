"""What a resident's reply means (seed 002, "Respons fra kunde"). Pure: no I/O.

The rule is the seed's and it is strict: the text "OK" confirms the appointment; "KONTAKT",
or any other text, sends the order to manual follow-up, with the text kept for the planner.

**"Exactly OK", decided**: the reply is trimmed of surrounding white space and compared
without regard to case, so ``"OK"``, ``" ok "``, ``"Ok"`` and ``"ok\\n"`` confirm. Phones
capitalise the first letter on their own and add a space or a line break after a word; none
of that changes what the resident meant. Anything inside the text does: ``"Ok!!"``, ``"OK."``,
``"O K"``, ``"okej"`` and ``"Ok, men ring först"`` go to a person, as the seed says of "Ok!!"
and "Det er greit" (punctuation can turn a yes into a question: "Ok?"). A human reads every
reply that is not a plain yes.

SMS replies carry the booking code first, as the letter instructs ("K7Q HM3 XPR OK"):
:func:`parse_sms` takes the code from the start of the message, however it is spaced or
cased, and the rest is the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from server.booking import codes

CONFIRM_WORD: Final = "OK"
CONTACT_WORD: Final = "KONTAKT"
# Between the code and the answer a person may put a colon, a comma or a full stop; they
# belong to neither ("K7Q-HM3-XPR: OK").
_BETWEEN_CODE_AND_ANSWER: Final = frozenset(":;,.")


class Answer(StrEnum):
    CONFIRM = "confirm"  # -> ready_for_execution
    FOLLOW_UP = "follow_up"  # -> manual_followup, the text kept


class FollowUpReason(StrEnum):
    NONE = ""  # a confirmation
    CONTACT_REQUESTED = "contact_requested"  # "KONTAKT": call me
    OTHER_TEXT = "other_text"  # anything else, also an empty answer


@dataclass(frozen=True)
class Interpretation:
    answer: Answer
    reason: FollowUpReason
    text: str  # exactly what the resident wrote, kept for the planner


@dataclass(frozen=True)
class SmsReply:
    code: str | None  # the stored form of the code, or None when the message starts with none
    text: str  # the answer after the code; the whole message when there is no code


def interpret(text: str) -> Interpretation:
    """The meaning of an answer (the reply page's answer field, or an SMS after its code)."""
    word = text.strip().casefold()
    if word == CONFIRM_WORD.casefold():
        return Interpretation(Answer.CONFIRM, FollowUpReason.NONE, text)
    if word == CONTACT_WORD.casefold():
        return Interpretation(Answer.FOLLOW_UP, FollowUpReason.CONTACT_REQUESTED, text)
    return Interpretation(Answer.FOLLOW_UP, FollowUpReason.OTHER_TEXT, text)


def parse_sms(body: str) -> SmsReply:
    """Split an SMS into the booking code it starts with and the answer after it.

    The first nine symbols are read in any case, with or without spaces or dashes between the
    groups of three ("K7Q HM3 XPR OK", "k7qhm3xpr ok", "K7Q-HM3-XPROK"). A separator anywhere
    else, or a character that is no symbol, means the message does not start with a code
    ("Takk det passer" is not the code TAKKDETPA): it is then kept whole as the text. The raw
    message is stored apart from this reading, so nothing a resident wrote is lost.
    """
    stripped = body.lstrip()
    symbols: list[str] = []
    index = 0
    while index < len(stripped) and len(symbols) < codes.LENGTH:
        char = stripped[index]
        index += 1
        if codes.is_ignored(char):
            if len(symbols) % codes.GROUP:
                return SmsReply(None, body)  # a break inside a group: words, not a code
            continue
        mapped = codes.symbol(char)
        if mapped is None:
            return SmsReply(None, body)
        symbols.append(mapped)
    if len(symbols) < codes.LENGTH:
        return SmsReply(None, body)
    rest = stripped[index:].lstrip()
    while rest and rest[0] in _BETWEEN_CODE_AND_ANSWER:
        rest = rest[1:].lstrip()
    return SmsReply("".join(symbols), rest)


def interpret_sms(body: str) -> tuple[str | None, Interpretation]:
    """The code an SMS names (or None) and what its answer means."""
    reply = parse_sms(body)
    return reply.code, interpret(reply.text)
