"""The pre-order checklist of seed 000 (step 1), as data, and its validation.

Seed 000: before a service order is placed, the home-care provider checks five things. Each
question below carries the seed's Swedish text, an English translation, the allowed answers,
and which answers refuse the order (with the explanation shown to the orderer in both
languages). Pure: no I/O.

Which kinds need it: the seed is about service orders; a battery order comes from the same
checks (the battery question points at it), so it is required for ``service`` and ``battery``.
Installation, removal and inspection are planned work, not fault reports, and need none.
For a battery order only the lock-case answer refuses: a flat battery is a common reason why
the lock did not wake, and the other checks are about faults a battery change does not fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from server.errors import ChecklistRefused
from server.orders.lifecycle import OrderKind

KINDS_WITH_CHECKLIST: frozenset[OrderKind] = frozenset({OrderKind.SERVICE, OrderKind.BATTERY})


class ChecklistAnswerRefused(ChecklistRefused):
    """A checklist problem, with the message also in Swedish for the orderer's UI."""

    def __init__(
        self, message: str, *, message_sv: str, field: str | None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.message_sv = message_sv


@dataclass(frozen=True)
class Answer:
    value: str
    text_sv: str
    text_en: str


@dataclass(frozen=True)
class Refusal:
    """An answer that stops the order, for the listed kinds, with what to do instead."""

    answer: str
    kinds: frozenset[OrderKind]
    explanation_sv: str
    explanation_en: str
    code: str = "checklist_refused"


@dataclass(frozen=True)
class ChecklistQuestion:
    key: str
    text_sv: str
    text_en: str
    answers: tuple[Answer, ...]
    refusals: tuple[Refusal, ...] = ()

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(answer.value for answer in self.answers)

    def refusal_for(self, kind: OrderKind, answer: str) -> Refusal | None:
        for refusal in self.refusals:
            if refusal.answer == answer and kind in refusal.kinds:
                return refusal
        return None


_SERVICE = frozenset({OrderKind.SERVICE})
_YES_NO = (Answer("yes", "Ja", "Yes"), Answer("no", "Nej", "No"))

CHECKLIST: tuple[ChecklistQuestion, ...] = (
    ChecklistQuestion(
        key="door_handled_like_metal_key",
        text_sv=(
            "Har personal hanterat dörren på samma sätt som om de hade haft en plåtnyckel? "
            "T.ex. tryckt till en dörr som svällt under vintern?"
        ),
        text_en=(
            "Have staff handled the door the same way as if they had a metal key? "
            "For example, pushed a door that has swollen during the winter?"
        ),
        answers=_YES_NO,
        refusals=(
            Refusal(
                answer="no",
                kinds=_SERVICE,
                explanation_sv=(
                    "Hantera först dörren som med en plåtnyckel, t.ex. tryck till en dörr som "
                    "svällt under vintern. Fungerar det ändå inte, lägg beställningen då."
                ),
                explanation_en=(
                    "First handle the door as you would with a metal key, for example push a "
                    "door that has swollen in the winter. If it still does not work, place the "
                    "order then."
                ),
            ),
        ),
    ),
    ChecklistQuestion(
        key="battery_checked",
        text_sv="Är batteriet bytt eller i behov av att bytas?",
        text_en="Has the battery been replaced, or does it need replacing?",
        answers=(
            Answer("replaced", "Batteriet är bytt", "The battery has been replaced"),
            Answer("not_needed", "Batteriet behöver inte bytas", "The battery is fine"),
            Answer("needs_replacement", "Batteriet behöver bytas", "The battery needs replacing"),
        ),
        refusals=(
            Refusal(
                answer="needs_replacement",
                kinds=_SERVICE,
                explanation_sv=(
                    "Batteriet behöver bytas: beställ ett batteribyte i stället för ett "
                    "serviceärende."
                ),
                explanation_en=(
                    "The battery needs replacing: order a battery change instead of a service job."
                ),
                code="battery_order_needed",
            ),
        ),
    ),
    ChecklistQuestion(
        key="lock_woken",
        text_sv="Har låset väckts? Eller kan det ha varit portlåset som visades i telefonen?",
        text_en=(
            "Has the lock been woken? Or could it have been the building's entrance lock "
            "that was shown on the phone?"
        ),
        answers=(
            Answer("woken", "Låset har väckts", "The lock was woken"),
            Answer(
                "was_entrance_lock",
                "Det var troligen portlåset som visades",
                "It was probably the entrance lock that was shown",
            ),
            Answer("not_woken", "Låset har inte väckts", "The lock was not woken"),
        ),
        refusals=(
            Refusal(
                answer="was_entrance_lock",
                kinds=_SERVICE,
                explanation_sv=(
                    "Det var troligen portlåset (fastighetens entrélås) som visades i "
                    "telefonen. Kontrollera först att det är rätt lås, vid kundens dörr."
                ),
                explanation_en=(
                    "It was probably the building's entrance lock that was shown on the phone. "
                    "First check that you are at the right lock, the customer's own door."
                ),
            ),
            Refusal(
                answer="not_woken",
                kinds=_SERVICE,
                explanation_sv=(
                    "Väck låset först (rör vid låset så att det vaknar) och försök igen "
                    "innan ett serviceärende beställs."
                ),
                explanation_en=(
                    "Wake the lock first (touch the lock so that it wakes up) and try again "
                    "before ordering a service job."
                ),
            ),
        ),
    ),
    ChecklistQuestion(
        key="linked_correctly_in_care_system",
        text_sv=(
            "Ligger allt rätt kopplat i vårdsystemet (Phoniro Care)? T.ex. finns låset "
            "kopplat? Finns en pågående beställning? Är telefonen kopplad till rätt enhet?"
        ),
        text_en=(
            "Is everything linked correctly in the care system (Phoniro Care)? For example: "
            "is the lock linked? Is there an ongoing order? Is the phone linked to the right "
            "unit?"
        ),
        answers=_YES_NO,
        refusals=(
            Refusal(
                answer="no",
                kinds=_SERVICE,
                explanation_sv=(
                    "Rätta först kopplingarna i vårdsystemet: är låset kopplat, finns redan en "
                    "pågående beställning, är telefonen kopplad till rätt enhet?"
                ),
                explanation_en=(
                    "First fix the linking in the care system: is the lock linked, is there "
                    "already an ongoing order, is the phone linked to the right unit?"
                ),
            ),
        ),
    ),
    ChecklistQuestion(
        key="fault_location",
        text_sv=(
            "Är det låset (Phonirolåset) det är fel på, eller är det låskistan, dvs. "
            "låsdelen som är monterad inuti dörren?"
        ),
        text_en=(
            "Is the fault in the lock unit (the Phoniro lock), or in the lock case, that is "
            "the lock part mounted inside the door?"
        ),
        answers=(
            Answer("lock_unit", "Fel på låset", "The lock unit is faulty"),
            Answer("lock_case", "Fel på låskistan", "The lock case is faulty"),
            Answer("unknown", "Vet inte", "Not known"),
        ),
        refusals=(
            Refusal(
                answer="lock_case",
                kinds=KINDS_WITH_CHECKLIST,
                explanation_sv=(
                    "Låskistan (låsdelen inuti dörren) ansvarar kunden själv för att åtgärda, "
                    "så ingen beställning läggs. Kunden eller fastighetsägaren kontaktar en "
                    "låssmed."
                ),
                explanation_en=(
                    "The lock case (the lock part inside the door) is the customer's own "
                    "responsibility, so no order is placed. The customer or the property "
                    "owner contacts a locksmith."
                ),
                code="lock_case_customer_responsibility",
            ),
        ),
    ),
)

QUESTIONS_BY_KEY: Mapping[str, ChecklistQuestion] = {q.key: q for q in CHECKLIST}

# When several answers refuse, say the most decisive first: a lock-case fault means no order
# at all, and a flat battery means another kind of order (which the other answers may not stop).
REFUSAL_ORDER: tuple[str, ...] = (
    "fault_location",
    "battery_checked",
    "door_handled_like_metal_key",
    "lock_woken",
    "linked_correctly_in_care_system",
)
assert sorted(REFUSAL_ORDER) == sorted(QUESTIONS_BY_KEY)


def checklist_required(kind: OrderKind) -> bool:
    return kind in KINDS_WITH_CHECKLIST


def _normalise(text: str) -> str:
    return text.strip().casefold()


def _quoted(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def validate_checklist(kind: OrderKind, answers: Mapping[str, str]) -> dict[str, str]:
    """Check the answers for an order of ``kind``; return them normalised, in checklist order.

    Raises :class:`ChecklistAnswerRefused` (a :class:`ChecklistRefused`) for an unknown
    question, a missing answer, an answer that is not allowed, or an answer that stops the
    order. Kinds without a checklist get ``{}``: there is nothing to keep.
    """
    if not checklist_required(kind):
        return {}
    given = {_normalise(key): _normalise(value) for key, value in answers.items()}

    unknown = sorted(key for key in given if key not in QUESTIONS_BY_KEY)
    if unknown:
        known = _quoted([q.key for q in CHECKLIST])
        raise ChecklistAnswerRefused(
            f"Unknown checklist question(s): {_quoted(unknown)}. The questions are: {known}.",
            message_sv=f"Okänd(a) kontrollfråga(or): {_quoted(unknown)}. Frågorna är: {known}.",
            field=unknown[0],
            code="checklist_unknown_question",
        )

    missing = [q for q in CHECKLIST if not given.get(q.key)]
    if missing:
        raise ChecklistAnswerRefused(
            "Answer every checklist question before ordering. Missing: "
            + " ".join(f"'{q.key}' ({q.text_en})" for q in missing),
            message_sv="Besvara alla kontrollfrågor innan beställning. Saknas: "
            + " ".join(f"'{q.key}' ({q.text_sv})" for q in missing),
            field=missing[0].key,
            code="checklist_incomplete",
        )

    for question in CHECKLIST:
        answer = given[question.key]
        if answer not in question.allowed:
            allowed = _quoted(question.allowed)
            raise ChecklistAnswerRefused(
                f"'{answer}' is not an answer to '{question.key}'. Allowed answers: {allowed}.",
                message_sv=(
                    f"'{answer}' är inget svar på '{question.key}'. Tillåtna svar: {allowed}."
                ),
                field=question.key,
                code="checklist_invalid_answer",
            )

    for key in REFUSAL_ORDER:
        question = QUESTIONS_BY_KEY[key]
        refusal = question.refusal_for(kind, given[question.key])
        if refusal is not None:
            raise ChecklistAnswerRefused(
                refusal.explanation_en,
                message_sv=refusal.explanation_sv,
                field=question.key,
                code=refusal.code,
            )

    return {question.key: given[question.key] for question in CHECKLIST}
