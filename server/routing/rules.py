"""Where a new order goes: the assignment rules (seeds 003/004). Pure: no I/O.

A planner keeps an ordered list of rules. Each names what it matches (a responsibility area,
order kinds, one home-care provider; an empty condition matches anything) and where matching
orders go (one fitter, or a group's queue). A new order goes where the **first** active rule
that matches sends it; when none matches, to the planner's queue. So every order lands in
exactly one place, and the rule that placed it is recorded on it.

Areas (seed 004: "drifttekniker ser per geografiskt område"): a municipal district (the
customer's ``area``), postcodes (a prefix: ``753`` covers ``753 21``), or a list of street
addresses, compared without case, spaces or punctuation differences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class AreaKind(StrEnum):
    DISTRICT = "district"
    POSTCODE = "postcode"
    ADDRESSES = "addresses"


class Target(StrEnum):
    FITTER = "fitter"
    GROUP = "group"
    PLANNER_QUEUE = "planner_queue"


@dataclass(frozen=True)
class Area:
    id: str
    kind: AreaKind
    values: tuple[str, ...]


@dataclass(frozen=True)
class Customer:
    area: str = ""
    postcode: str = ""
    street: str = ""


@dataclass(frozen=True)
class NewOrder:
    kind: str
    provider_id: str
    customer: Customer


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    position: int
    fitter_id: str | None = None
    group_id: str | None = None
    area: Area | None = None
    kinds: frozenset[str] = field(default_factory=frozenset)  # empty: every kind
    provider_id: str | None = None  # None: every home-care provider
    active: bool = True


@dataclass(frozen=True)
class Placement:
    target: Target
    fitter_id: str | None = None
    group_id: str | None = None
    rule_id: str | None = None
    rule_name: str = ""


PLANNER_QUEUE = Placement(Target.PLANNER_QUEUE)


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s.,\-]+", " ", folded).strip()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def area_covers(area: Area, customer: Customer) -> bool:
    if area.kind is AreaKind.DISTRICT:
        return _fold(customer.area) in {_fold(v) for v in area.values if v.strip()}
    if area.kind is AreaKind.POSTCODE:
        code = _digits(customer.postcode)
        return bool(code) and any(code.startswith(_digits(v)) for v in area.values if _digits(v))
    return _fold(customer.street) in {_fold(v) for v in area.values if v.strip()}


def matches(rule: Rule, order: NewOrder) -> bool:
    if not rule.active:
        return False
    if rule.kinds and order.kind not in rule.kinds:
        return False
    if rule.provider_id is not None and rule.provider_id != order.provider_id:
        return False
    return rule.area is None or area_covers(rule.area, order.customer)


def in_order(rules: Iterable[Rule]) -> list[Rule]:
    """The rules as the planner ordered them (a tie, which saving prevents, by id)."""
    return sorted(rules, key=lambda r: (r.position, r.id))


def place(rules: Sequence[Rule], order: NewOrder) -> Placement:
    """Where ``order`` goes: the first matching rule's target, or the planner's queue."""
    for rule in in_order(rules):
        if matches(rule, order):
            if rule.fitter_id is not None:
                return Placement(
                    Target.FITTER, fitter_id=rule.fitter_id, rule_id=rule.id, rule_name=rule.name
                )
            if rule.group_id is not None:
                return Placement(
                    Target.GROUP, group_id=rule.group_id, rule_id=rule.id, rule_name=rule.name
                )
    return PLANNER_QUEUE


class RuleInvalid(ValueError):
    """A rule that cannot be saved, with what to change."""


def check_rule(rule: Rule) -> None:
    """A rule sends to exactly one place, and an area has something to match."""
    if (rule.fitter_id is None) == (rule.group_id is None):
        raise RuleInvalid("A rule sends its orders to one fitter or to one group: choose one.")
    if not rule.name.strip():
        raise RuleInvalid("Give the rule a name that says what it does.")
