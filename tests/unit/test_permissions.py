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
    can_close_forward,
    can_forward,
    can_have_calendar_feed,
    can_receive_forward,
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


@given(principals(), st.none() | st.sampled_from(["device-1", "device-2"]), USER_IDS)
def test_devices_are_managed_by_people_only_and_revoked_by_their_owner_or_an_admin(
    person: Principal, device_id: str | None, owner: str
) -> None:
    from dataclasses import replace

    from server.accounts.permissions import can_manage_devices, can_revoke_device

    principal = replace(person, device_id=device_id)
    assert can_manage_devices(principal) is (device_id is None)
    assert can_revoke_device(principal, owner) is (
        device_id is None and (Role.ADMIN in principal.roles or owner == principal.user_id)
    )


@given(principals(), orders())
def test_forwarding_is_the_planners_and_never_reaches_past_the_order(
    principal: Principal, order: OrderFacts
) -> None:
    if can_forward(principal, order):
        assert can_see_order(principal, order)
        assert Role.ADMIN in principal.roles or Role.PLANNER in principal.roles
    # Every recipient sees the order and is a colleague (not oneself).
    for user_id in ("user-1", "user-2", "user-3"):
        for roles in (frozenset({Role.PLANNER}), frozenset({Role.FITTER})):
            recipient = Principal(user_id, "org-1", roles)
            if can_receive_forward(principal, recipient, order):
                assert can_see_order(recipient, order)
                assert recipient.organisation_id == principal.organisation_id
                assert recipient.user_id != principal.user_id


def test_forwards_between_colleagues_of_one_company() -> None:
    order = OrderFacts("provider", "company", "fitter-1")
    planner = Principal("planner", "company", frozenset({Role.PLANNER}))
    colleague = Principal("planner-2", "company", frozenset({Role.PLANNER}))
    assigned = Principal("fitter-1", "company", frozenset({Role.FITTER}))
    other_fitter = Principal("fitter-2", "company", frozenset({Role.FITTER}))
    stranger = Principal("planner-x", "other-company", frozenset({Role.PLANNER}))
    orderer = Principal("orderer", "provider", frozenset({Role.ORDERER}))
    assert can_forward(planner, order)
    assert not can_forward(assigned, order) and not can_forward(orderer, order)
    assert can_receive_forward(planner, colleague, order)
    assert can_receive_forward(planner, assigned, order)
    assert not can_receive_forward(planner, other_fitter, order)  # does not see it
    assert not can_receive_forward(planner, stranger, order)
    assert not can_receive_forward(planner, planner, order)
    assert can_close_forward(colleague, "planner", "planner-2")
    assert can_close_forward(planner, "planner", "planner-2")
    assert not can_close_forward(assigned, "planner", "planner-2")
    admin = Principal("admin", "administration", frozenset({Role.ADMIN}))
    assert can_close_forward(admin, "planner", "planner-2")


def test_only_fitters_have_a_calendar_feed() -> None:
    for role in Role:
        assert can_have_calendar_feed(Principal("u", "o", frozenset({role}))) == (
            role is Role.FITTER
        )
