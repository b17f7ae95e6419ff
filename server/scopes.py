"""The access rules of ``server.accounts.permissions`` as query filters, for lists.

A list shows exactly the rows the single-object checks would let through; the access-matrix
tests hold both to the same answers.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

from server.accounts.permissions import Principal, Role
from server.customers.tables import Customer
from server.locks.tables import Lock
from server.orders.tables import WorkOrder


def _any_of(conditions: list[Any]) -> Any:
    return reduce(lambda a, b: a | b, conditions)


def order_scope(principal: Principal) -> Any | None:
    """None means everything (administrators); otherwise a Piccolo where-clause."""
    if principal.is_admin:
        return None
    conditions: list[Any] = []
    if principal.has(Role.ORDERER):
        conditions.append(WorkOrder.ordering_organisation == principal.organisation_id)
    if principal.has(Role.PLANNER):
        conditions.append(WorkOrder.performing_organisation == principal.organisation_id)
    if principal.has(Role.FITTER):
        conditions.append(WorkOrder.assigned_fitter == principal.user_id)
    if not conditions:
        return WorkOrder.id.is_null()  # matches nothing
    return _any_of(conditions)


def _visible_order_column(principal: Principal, column: Any) -> Any:
    scope = order_scope(principal)
    query = WorkOrder.select(column)
    return query if scope is None else query.where(scope)


def customer_scope(principal: Principal) -> Any | None:
    if principal.is_admin:
        return None
    conditions: list[Any] = []
    if principal.has(Role.ORDERER):
        conditions.append(Customer.provider == principal.organisation_id)
    if principal.has(Role.PLANNER) or principal.has(Role.FITTER):
        conditions.append(Customer.id.is_in(_visible_order_column(principal, WorkOrder.customer)))
    if not conditions:
        return Customer.id.is_null()
    return _any_of(conditions)


def lock_scope(principal: Principal) -> Any | None:
    if principal.is_admin:
        return None
    conditions: list[Any] = []
    if principal.has(Role.ORDERER):
        conditions.append(
            Lock.customer.is_in(
                Customer.select(Customer.id).where(Customer.provider == principal.organisation_id)
            )
        )
    if principal.has(Role.PLANNER):
        conditions.append(Lock.customer.is_null())
    if principal.has(Role.PLANNER) or principal.has(Role.FITTER):
        conditions.append(Lock.id.is_in(_visible_order_column(principal, WorkOrder.lock)))
        conditions.append(Lock.customer.is_in(_visible_order_column(principal, WorkOrder.customer)))
    if not conditions:
        return Lock.id.is_null()
    return _any_of(conditions)


async def has_visible_order(
    principal: Principal, *, customer_id: Any = None, lock_id: Any = None
) -> bool:
    """Whether one of the principal's visible orders concerns this customer or lock."""
    scope = order_scope(principal)
    if scope is None:
        return True
    if customer_id is not None:
        return bool(await WorkOrder.exists().where(scope & (WorkOrder.customer == customer_id)))
    if lock_id is not None:
        return bool(await WorkOrder.exists().where(scope & (WorkOrder.lock == lock_id)))
    return False
