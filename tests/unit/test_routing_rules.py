"""The assignment rules and recurring periods (server.routing.rules, recurrence), on their own.

The property tests hold ``place`` to an oracle written here from the rule's words, not from
the module: the first active rule, in the planner's order, whose every condition holds.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.routing import recurrence, rules
from server.routing.rules import Area, AreaKind, Customer, NewOrder, Rule, Target

KINDS = ["installation", "service", "battery", "removal", "inspection"]
PROVIDERS = ["p1", "p2"]
DISTRICTS = ["Centrum", "Gottsunda", "Sävja"]
POSTCODES = ["753 21", "752 30", "756 51"]
STREETS = ["Storgatan 1", "Kungsgatan 12", "Svartbäcksgatan 3"]

areas = st.one_of(
    st.builds(
        Area,
        id=st.just("a-d"),
        kind=st.just(AreaKind.DISTRICT),
        values=st.lists(st.sampled_from(DISTRICTS), min_size=1, max_size=2).map(tuple),
    ),
    st.builds(
        Area,
        id=st.just("a-p"),
        kind=st.just(AreaKind.POSTCODE),
        values=st.lists(st.sampled_from(["753", "752 3", "75651"]), min_size=1).map(tuple),
    ),
    st.builds(
        Area,
        id=st.just("a-s"),
        kind=st.just(AreaKind.ADDRESSES),
        values=st.lists(st.sampled_from(["storgatan 1", "KUNGSGATAN  12"]), min_size=1).map(tuple),
    ),
)


@st.composite
def rule_lists(draw) -> list[Rule]:
    count = draw(st.integers(min_value=0, max_value=6))
    positions = draw(st.permutations(list(range(1, count + 1))))
    made = []
    for index in range(count):
        to_fitter = draw(st.booleans())
        made.append(
            Rule(
                id=f"r{index}",
                name=f"rule {index}",
                position=positions[index],
                fitter_id=f"f{index}" if to_fitter else None,
                group_id=None if to_fitter else f"g{index}",
                area=draw(st.none() | areas),
                kinds=frozenset(draw(st.lists(st.sampled_from(KINDS), max_size=2))),
                provider_id=draw(st.none() | st.sampled_from(PROVIDERS)),
                active=draw(st.booleans()),
            )
        )
    return made


orders = st.builds(
    NewOrder,
    kind=st.sampled_from(KINDS),
    provider_id=st.sampled_from(PROVIDERS),
    customer=st.builds(
        Customer,
        area=st.sampled_from(DISTRICTS),
        postcode=st.sampled_from(POSTCODES),
        street=st.sampled_from(STREETS),
    ),
)


def oracle_holds(rule: Rule, order: NewOrder) -> bool:
    """The rule's conditions, written out from its words."""
    if not rule.active:
        return False
    if rule.kinds and order.kind not in rule.kinds:
        return False
    if rule.provider_id and rule.provider_id != order.provider_id:
        return False
    area = rule.area
    if area is None:
        return True
    c = order.customer
    if area.kind is AreaKind.DISTRICT:
        return c.area.lower() in [v.lower() for v in area.values]
    if area.kind is AreaKind.POSTCODE:
        digits = c.postcode.replace(" ", "")
        return any(digits.startswith(v.replace(" ", "")) for v in area.values)
    return " ".join(c.street.lower().split()) in [" ".join(v.lower().split()) for v in area.values]


@given(rule_lists(), orders)
def test_every_order_lands_in_exactly_one_place_by_the_first_matching_rule(
    listed: list[Rule], order: NewOrder
) -> None:
    placement = rules.place(listed, order)
    matching = [r for r in sorted(listed, key=lambda r: r.position) if oracle_holds(r, order)]
    if not matching:
        assert placement == rules.PLANNER_QUEUE
        return
    first = matching[0]
    assert placement.rule_id == first.id and placement.rule_name == first.name
    # One place: a fitter, or a group, never both.
    assert (placement.fitter_id is None) != (placement.group_id is None)
    if first.fitter_id:
        assert placement.target is Target.FITTER and placement.fitter_id == first.fitter_id
    else:
        assert placement.target is Target.GROUP and placement.group_id == first.group_id


def test_a_rule_sends_to_one_place_and_says_what_it_does() -> None:
    for fitter, group in ((None, None), ("f", "g")):
        try:
            rules.check_rule(Rule(id="x", name="x", position=1, fitter_id=fitter, group_id=group))
        except rules.RuleInvalid:
            continue
        raise AssertionError("a rule with no or two targets was allowed")
    try:
        rules.check_rule(Rule(id="x", name=" ", position=1, fitter_id="f"))
    except rules.RuleInvalid:
        pass
    else:
        raise AssertionError("a rule without a name was allowed")


def test_months_are_added_as_calendars_do() -> None:
    assert recurrence.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert recurrence.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert recurrence.add_months(date(2026, 5, 15), 18) == date(2027, 11, 15)


@given(
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
    interval=st.integers(min_value=1, max_value=24),
    lead=st.integers(min_value=0, max_value=60),
    offset=st.integers(min_value=-100, max_value=2000),
)
def test_the_period_in_force_is_the_last_one_whose_lead_has_begun(
    first: date, interval: int, lead: int, offset: int
) -> None:
    spec = recurrence.Schedule(first, interval, lead)
    today = first + timedelta(days=offset)
    period = recurrence.due_period(spec, today)
    lead_time = timedelta(days=lead)
    if period is None:
        assert today < first - lead_time
        return
    assert recurrence.period_start(spec, period) - lead_time <= today
    assert recurrence.period_start(spec, period + 1) - lead_time > today


def test_the_battery_rule_reads_the_locks_own_reading_and_its_age() -> None:
    from datetime import UTC, datetime

    from server.routing.jobs import battery_reason

    rule = {"below_percent": 20, "stale_after_days": 90}
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    fresh = {"battery_percent": 55, "battery_verified_at": now - timedelta(days=10)}
    assert battery_reason(fresh, rule, now) is None
    low = {"battery_percent": 19, "battery_verified_at": now - timedelta(days=1)}
    reason = battery_reason(low, rule, now)
    assert reason is not None and "19 %" in reason.english() and "19 %" in reason.swedish()
    stale = {"battery_percent": 80, "battery_verified_at": now - timedelta(days=91)}
    reason = battery_reason(stale, rule, now)
    assert reason is not None
    assert reason.english() == "No battery reading verified since 2026-03-02 (more than 90 days)."
    assert "sedan 2026-03-02" in reason.swedish()
    never = {"battery_percent": None, "battery_verified_at": None}
    reason = battery_reason(never, rule, now)
    assert reason is not None and reason.english().endswith("ever (more than 90 days).")
