"""The access rules on their own (no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.accounts.permissions import (
    ACTION_ROLES,
    OrderFacts,
    Principal,
    Role,
    can_assign,
    can_see_customer,
    can_see_lock,
    can_see_order,
    can_transition,
)
from server.orders.lifecycle import Action

ORG_IDS = st.sampled_from(["org-1", "org-2", "org-3"])
USER_IDS = st.sampled_from(["user-1", "user-2", "user-3"])
ROLES = st.frozensets(st.sampled_from(list(Role)), min_size=0, max_size=4)


@st.composite
def principals(draw) -> Principal:
    return Principal(user_id=draw(USER_IDS), organisation_id=draw(ORG_IDS), roles=draw(ROLES))


@st.composite
def orders(draw) -> OrderFacts:
    return OrderFacts(
        ordering_organisation_id=draw(ORG_IDS),
        performing_organisation_id=draw(st.none() | ORG_IDS),
        assigned_fitter_id=draw(st.none() | USER_IDS),
    )


@given(principals(), orders())
def test_an_order_is_seen_only_through_a_relation(principal: Principal, order: OrderFacts) -> None:
    related = (
        (
            Role.ORDERER in principal.roles
            and order.ordering_organisation_id == principal.organisation_id
        )
        or (
            Role.PLANNER in principal.roles
            and order.performing_organisation_id == principal.organisation_id
        )
        or (Role.FITTER in principal.roles and order.assigned_fitter_id == principal.user_id)
    )
    assert can_see_order(principal, order) == (Role.ADMIN in principal.roles or related)


@given(principals(), orders(), st.sampled_from(list(Action)))
def test_no_action_on_an_invisible_order(
    principal: Principal, order: OrderFacts, action: Action
) -> None:
    if not can_see_order(principal, order):
        assert not can_transition(principal, order, action)
        assert not can_assign(principal, order)


def test_only_the_assigned_fitter_starts_and_completes() -> None:
    order = OrderFacts("provider", "company", "fitter-1")
    assigned = Principal("fitter-1", "company", frozenset({Role.FITTER}))
    colleague = Principal("fitter-2", "company", frozenset({Role.FITTER}))
    planner = Principal("planner", "company", frozenset({Role.PLANNER}))
    orderer = Principal("orderer", "provider", frozenset({Role.ORDERER}))
    for action in (Action.START, Action.COMPLETE):
        assert can_transition(assigned, order, action)
        assert not can_transition(colleague, order, action)
        assert not can_transition(planner, order, action)
        assert not can_transition(orderer, order, action)
    assert can_transition(orderer, order, Action.CANCEL)
    assert not can_transition(orderer, order, Action.SCHEDULE)
    assert set(ACTION_ROLES) == set(Action)


def test_customers_and_locks_follow_the_provider_or_a_visible_order() -> None:
    orderer = Principal("o", "provider", frozenset({Role.ORDERER}))
    fitter = Principal("f", "company", frozenset({Role.FITTER}))
    assert can_see_customer(orderer, "provider", via_visible_order=False)
    assert not can_see_customer(orderer, "other", via_visible_order=False)
    assert not can_see_customer(fitter, "provider", via_visible_order=False)
    assert can_see_customer(fitter, "provider", via_visible_order=True)
    assert not can_see_lock(orderer, None, via_visible_order=False)  # stock is the fitters' side
    assert can_see_lock(
        Principal("p", "company", frozenset({Role.PLANNER})), None, via_visible_order=False
    )
