"""Scope tokens: which clients may hold a row, as short strings (pure, no I/O).

A row is written to the change log once per token it belongs to; a client pulls the tokens
of its principal. The tokens mirror the access rules of ``server.accounts.permissions``:

- ``all``: administrators;
- ``org:ID``: the home-care provider's orderers (its customers, their locks, its orders);
- ``company:ID``: the fitters' company's planners (orders it performs, their customers and locks);
- ``fitter:ID``: one fitter (orders assigned to them, their customers and locks);
- ``stock``: locks not installed anywhere (planners);
- ``user:ID``: what belongs to one person (the outcomes of their pushed mutations);
- ``gateway:ID``: one gateway device (the locks a planner registered it to serve, hub mode).
"""

from __future__ import annotations

from collections.abc import Iterable

from server.accounts.permissions import Principal, Role

ALL = "all"
STOCK = "stock"


def org(organisation_id: object) -> str:
    return f"org:{organisation_id}"


def company(organisation_id: object) -> str:
    return f"company:{organisation_id}"


def fitter(user_id: object) -> str:
    return f"fitter:{user_id}"


def user(user_id: object) -> str:
    return f"user:{user_id}"


def gateway(device_id: object) -> str:
    return f"gateway:{device_id}"


def principal_tokens(principal: Principal) -> frozenset[str]:
    tokens = {user(principal.user_id)}
    if principal.device_id is not None:
        tokens.add(gateway(principal.device_id))
    if principal.is_admin:
        tokens.add(ALL)
    if principal.has(Role.ORDERER):
        tokens.add(org(principal.organisation_id))
    if principal.has(Role.PLANNER):
        tokens.update({company(principal.organisation_id), STOCK})
    if principal.has(Role.FITTER):
        tokens.add(fitter(principal.user_id))
    return frozenset(tokens)


def order_tokens(
    ordering_organisation: object,
    performing_organisation: object | None,
    assigned_fitter: object | None,
) -> frozenset[str]:
    tokens = {ALL, org(ordering_organisation)}
    if performing_organisation is not None:
        tokens.add(company(performing_organisation))
    if assigned_fitter is not None:
        tokens.add(fitter(assigned_fitter))
    return frozenset(tokens)


def through_orders(order_token_sets: Iterable[frozenset[str]]) -> frozenset[str]:
    """The tokens a customer or lock gets from the orders that concern it.

    Only the fitters' side is inherited: an orderer sees a customer through the provider, not
    through an order another provider placed.
    """
    inherited: set[str] = set()
    for tokens in order_token_sets:
        inherited.update(t for t in tokens if t.startswith(("company:", "fitter:")))
    return frozenset(inherited)


def customer_tokens(provider: object, order_token_sets: Iterable[frozenset[str]]) -> frozenset[str]:
    return frozenset({ALL, org(provider)}) | through_orders(order_token_sets)


def lock_tokens(
    customer_provider: object | None,
    order_token_sets: Iterable[frozenset[str]],
    serving_gateways: Iterable[object] = (),
) -> frozenset[str]:
    base = {ALL, org(customer_provider) if customer_provider is not None else STOCK}
    base.update(gateway(device_id) for device_id in serving_gateways)
    return frozenset(base) | through_orders(order_token_sets)
