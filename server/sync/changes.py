"""Recording changes: every write runs in a unit of work that logs what it changed.

Services call ``changed(entity, id)`` for each row they write. When the unit of work ends
without an error, ``flush`` works out each row's scope tokens, writes one compacted change-log
row per token (a removal for a token the row left) and numbers them from the counter, as the
last statement before commit. A reader therefore never sees number N+1 committed before N.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from server.customers.tables import Customer
from server.db import write_transaction
from server.locks.tables import GatewayLock, Lock
from server.orders.tables import ContactAttempt, OrderEvent, OrderMessage, WorkOrder
from server.sync import live, scopes
from server.sync.tables import SyncChange, SyncCounter

ORDER = "order"
CUSTOMER = "customer"
LOCK = "lock"
CONTACT_ATTEMPT = "contact_attempt"
ORDER_EVENT = "order_event"
MESSAGE = "message"
MUTATION = "mutation"
ENTITIES = (ORDER, CUSTOMER, LOCK, CONTACT_ATTEMPT, ORDER_EVENT, MESSAGE, MUTATION)
# Rows whose scope is their order's.
ORDER_CHILDREN: dict[str, Any] = {
    CONTACT_ATTEMPT: ContactAttempt,
    ORDER_EVENT: OrderEvent,
    MESSAGE: OrderMessage,
}


@dataclass
class ChangeSet:
    touched: dict[str, set[Any]] = field(default_factory=lambda: {e: set() for e in ENTITIES})
    # Tokens given by the caller (a mutation outcome belongs to one user), not derived.
    fixed_tokens: dict[tuple[str, Any], frozenset[str]] = field(default_factory=dict)
    last_change_number: int | None = None
    # Looked up once per flush: _expand and flush both need an order's tokens and entries.
    token_cache: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    existing_cache: dict[tuple[str, str], dict[str, bool]] = field(default_factory=dict)
    # An order's customer and lock, from the same look-up (the expansion needs them).
    order_links: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    # Run inside the transaction after the change numbers are known (e.g. to store them).
    after_flush: list[Callable[[ChangeSet], Awaitable[None]]] = field(default_factory=list)

    def add(self, entity: str, entity_id: Any, tokens: frozenset[str] | None = None) -> None:
        self.touched[entity].add(str(entity_id))
        if tokens is not None:
            self.fixed_tokens[(entity, str(entity_id))] = tokens

    def mark(self) -> ChangeMark:
        """What has been noted so far, to go back to when a savepoint is rolled back."""
        return ChangeMark(
            touched={entity: set(ids) for entity, ids in self.touched.items()},
            fixed_tokens=dict(self.fixed_tokens),
            after_flush=len(self.after_flush),
        )

    def restore(self, mark: ChangeMark) -> None:
        self.touched = {entity: set(ids) for entity, ids in mark.touched.items()}
        self.fixed_tokens = dict(mark.fixed_tokens)
        del self.after_flush[mark.after_flush :]


@dataclass(frozen=True)
class ChangeMark:
    touched: dict[str, set[str]]
    fixed_tokens: dict[tuple[str, str], frozenset[str]]
    after_flush: int


_current: ContextVar[ChangeSet | None] = ContextVar("lockwork_change_set", default=None)


def changed(entity: str, entity_id: Any, tokens: frozenset[str] | None = None) -> None:
    """Note that a row was written in the running unit of work."""
    change_set = _current.get()
    if change_set is None:
        raise RuntimeError("A synced row was written outside a unit of work.")
    change_set.add(entity, entity_id, tokens)


@contextlib.asynccontextmanager
async def unit_of_work(engine: Any) -> AsyncIterator[ChangeSet]:
    """A write transaction that logs its changes; nested calls join the outer one."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    change_set = ChangeSet()
    token = _current.set(change_set)
    try:
        async with write_transaction(engine):
            yield change_set
            await flush(change_set)
            for step in change_set.after_flush:
                await step(change_set)
            if change_set.last_change_number is not None:
                await live.notify_in_transaction(engine, change_set.last_change_number)
    finally:
        _current.reset(token)
    if change_set.last_change_number is not None:
        live.FEED.publish(change_set.last_change_number)


async def savepoint(engine: Any) -> Any:
    """A savepoint in the running transaction (``rollback_to()`` / ``release()``)."""
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("A savepoint needs a running unit of work.")
    return await transaction.savepoint()


async def _existing(entity: str, entity_id: str, change_set: ChangeSet) -> dict[str, bool]:
    """The row's current log entries: scope -> removed."""
    key = (entity, entity_id)
    if key not in change_set.existing_cache:
        rows = await SyncChange.select(SyncChange.scope, SyncChange.removed).where(
            (SyncChange.entity == entity) & (SyncChange.entity_id == entity_id)
        )
        change_set.existing_cache[key] = {row["scope"]: row["removed"] for row in rows}
    return change_set.existing_cache[key]


async def _order_token_sets(*conditions: Any) -> list[frozenset[str]]:
    rows = await WorkOrder.select(
        WorkOrder.ordering_organisation,
        WorkOrder.performing_organisation,
        WorkOrder.assigned_fitter,
    ).where(*conditions)
    return [
        scopes.order_tokens(
            r["ordering_organisation"], r["performing_organisation"], r["assigned_fitter"]
        )
        for r in rows
    ]


async def _tokens_of(entity: str, entity_id: str, change_set: ChangeSet) -> frozenset[str]:
    """The tokens the row belongs to now; empty if it no longer exists."""
    key = (entity, entity_id)
    if key not in change_set.token_cache:
        change_set.token_cache[key] = await _derive_tokens(entity, entity_id, change_set)
    return change_set.token_cache[key]


async def _derive_tokens(entity: str, entity_id: str, change_set: ChangeSet) -> frozenset[str]:
    fixed = change_set.fixed_tokens.get((entity, entity_id))
    if fixed is not None:
        return fixed
    if entity == ORDER:
        sets = await _order_token_sets(WorkOrder.id == entity_id)
        return sets[0] if sets else frozenset()
    if entity in ORDER_CHILDREN:
        table = ORDER_CHILDREN[entity]
        row = await table.select(table.order).where(table.id == entity_id).first()
        if row is None:
            return frozenset()
        sets = await _order_token_sets(WorkOrder.id == row["order"])
        return sets[0] if sets else frozenset()
    if entity == CUSTOMER:
        row = await Customer.select(Customer.provider).where(Customer.id == entity_id).first()
        if row is None:
            return frozenset()
        return scopes.customer_tokens(
            row["provider"], await _order_token_sets(WorkOrder.customer == entity_id)
        )
    if entity == LOCK:
        row = (
            await Lock.select(Lock.customer, Lock.customer.provider.as_alias("provider"))
            .where(Lock.id == entity_id)
            .first()
        )
        if row is None:
            return frozenset()
        related = WorkOrder.lock == entity_id
        if row["customer"] is not None:
            related = related | (WorkOrder.customer == row["customer"])
        served = await GatewayLock.select(GatewayLock.device).where(GatewayLock.lock == entity_id)
        return scopes.lock_tokens(
            row["provider"],
            await _order_token_sets(related),
            [r["device"] for r in served],
        )
    raise ValueError(f"Unknown synced entity {entity!r}")


# Bounds the ids in one ``IN (...)`` look-up, well under both engines' parameter limits.
LOOKUP_CHUNK = 500
# Log rows per INSERT statement: 7 parameters each, under both engines' parameter limits.
LOG_INSERT_CHUNK = 500


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + LOOKUP_CHUNK] for start in range(0, len(ids), LOOKUP_CHUNK)]


async def _prefetch(change_set: ChangeSet) -> None:
    """Look up the touched orders, order children and log entries a few queries at a time.

    A batch of pushed mutations touches hundreds of rows; one query per row and look-up was
    most of a push's time. Rows not handled here (customers, locks) are looked up one by one.
    """
    tokens, existing = change_set.token_cache, change_set.existing_cache
    orders_of: dict[str, str] = {}  # child id -> its order
    for entity, table in ORDER_CHILDREN.items():
        ids = [
            i
            for i in change_set.touched[entity]
            if (entity, i) not in tokens and (entity, i) not in change_set.fixed_tokens
        ]
        for chunk in _chunks(ids):
            for row in await table.select(table.id, table.order).where(table.id.is_in(chunk)):
                orders_of[str(row["id"])] = str(row["order"])
    wanted = {
        i
        for i in change_set.touched[ORDER]
        if (ORDER, i) not in tokens and (ORDER, i) not in change_set.fixed_tokens
    } | set(orders_of.values())
    order_tokens: dict[str, frozenset[str]] = {}
    for chunk in _chunks(sorted(wanted)):
        rows = await WorkOrder.select(
            WorkOrder.id,
            WorkOrder.customer,
            WorkOrder.lock,
            WorkOrder.ordering_organisation,
            WorkOrder.performing_organisation,
            WorkOrder.assigned_fitter,
        ).where(WorkOrder.id.is_in(chunk))
        for r in rows:
            order_tokens[str(r["id"])] = scopes.order_tokens(
                r["ordering_organisation"], r["performing_organisation"], r["assigned_fitter"]
            )
            change_set.order_links[str(r["id"])] = (r["customer"], r["lock"])
    for order_id in change_set.touched[ORDER]:
        if order_id in wanted:
            tokens[(ORDER, order_id)] = order_tokens.get(order_id, frozenset())
    for entity in ORDER_CHILDREN:
        for child_id in change_set.touched[entity]:
            if (entity, child_id) in tokens or (entity, child_id) in change_set.fixed_tokens:
                continue
            parent = orders_of.get(child_id)
            tokens[(entity, child_id)] = (
                order_tokens.get(parent, frozenset()) if parent else frozenset()
            )
    for entity in ENTITIES:
        ids = [i for i in change_set.touched[entity] if (entity, i) not in existing]
        for entity_id in ids:
            existing[(entity, entity_id)] = {}
        for chunk in _chunks(ids):
            rows = await SyncChange.select(
                SyncChange.entity_id, SyncChange.scope, SyncChange.removed
            ).where((SyncChange.entity == entity) & SyncChange.entity_id.is_in(chunk))
            for row in rows:
                existing[(entity, str(row["entity_id"]))][row["scope"]] = row["removed"]


async def _expand(change_set: ChangeSet) -> None:
    """A changed order can change who may see every row whose tokens come from it.

    These are exactly the rows ``_derive_tokens`` reads orders for: the order's children, its
    customer, and every lock named by it or installed at its customer (a lock's tokens come
    from all the orders at its customer, not only from the order that names it).
    """
    for order_id in list(change_set.touched[ORDER]):
        before = {
            scope
            for scope, removed in (await _existing(ORDER, order_id, change_set)).items()
            if not removed
        }
        after = await _tokens_of(ORDER, order_id, change_set)
        if before == after:
            continue
        if order_id not in change_set.order_links:
            row = (
                await WorkOrder.select(WorkOrder.customer, WorkOrder.lock)
                .where(WorkOrder.id == order_id)
                .first()
            )
            if row is None:
                continue
            change_set.order_links[order_id] = (row["customer"], row["lock"])
        customer, lock = change_set.order_links[order_id]
        change_set.add(CUSTOMER, customer)
        if lock is not None:
            change_set.add(LOCK, lock)
        for at_customer in await Lock.select(Lock.id).where(Lock.customer == customer):
            change_set.add(LOCK, at_customer["id"])
        for entity, table in ORDER_CHILDREN.items():
            for child in await table.select(table.id).where(table.order == order_id):
                change_set.add(entity, child["id"])


async def flush(change_set: ChangeSet) -> None:
    await _prefetch(change_set)
    await _expand(change_set)
    await _prefetch(change_set)  # what the expansion added
    planned: list[tuple[str, str, str, bool]] = []  # (scope, entity, id, removed)
    for entity in ENTITIES:
        for entity_id in sorted(change_set.touched[entity]):
            now = await _tokens_of(entity, entity_id, change_set)
            before = await _existing(entity, entity_id, change_set)
            planned.extend((scope, entity, entity_id, False) for scope in sorted(now))
            planned.extend(
                (scope, entity, entity_id, True)
                for scope, removed in sorted(before.items())
                if scope not in now and not removed
            )
    if not planned:
        return
    # The counter is taken last: its lock is held until commit, which orders the numbers.
    rows = await SyncCounter.raw(
        "INSERT INTO sync_counter (id, value) VALUES (1, {}) ON CONFLICT (id) "
        "DO UPDATE SET value = sync_counter.value + excluded.value RETURNING value",
        len(planned),
    )
    last = int(rows[0]["value"])
    first = last - len(planned) + 1
    # Plain multi-row statements: building a Piccolo object per log row cost more than the
    # write itself when a pushed batch logs a thousand rows.
    for start in range(0, len(planned), LOG_INSERT_CHUNK):
        chunk = planned[start : start + LOG_INSERT_CHUNK]
        values: list[Any] = []
        for offset, (scope, entity, entity_id, removed) in enumerate(chunk, start=first + start):
            key = f"{scope}|{entity}|{entity_id}"
            values.extend((str(uuid.uuid4()), key, scope, entity, entity_id, offset, removed))
        await SyncChange.raw(
            "INSERT INTO sync_change (id, key, scope, entity, entity_id, change_number, removed) "
            "VALUES "
            + ", ".join(["({}, {}, {}, {}, {}, {}, {})"] * len(chunk))
            + " ON CONFLICT (key) DO UPDATE SET change_number = excluded.change_number, "
            "removed = excluded.removed",
            *values,
        )
    change_set.last_change_number = last


async def touch_everything(engine: Any, *, batch: int = 500) -> int:
    """Log every synced row anew (after a bulk load such as the demo data). Returns the count."""
    total = 0
    for entity, table in (
        (ORDER, WorkOrder),
        (CUSTOMER, Customer),
        (LOCK, Lock),
        *ORDER_CHILDREN.items(),
    ):
        ids = [str(r["id"]) for r in await table.select(table.id)]
        for start in range(0, len(ids), batch):
            async with unit_of_work(engine):
                for entity_id in ids[start : start + batch]:
                    changed(entity, entity_id)
            total += len(ids[start : start + batch])
    return total
