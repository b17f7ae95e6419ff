"""The bench's work orders, generated once and written into both systems.

Ours: a fresh SQLite database with the server's own tables (migrated by the server's code),
bulk inserts like ``server/demo.py``, and the change log loaded in bulk with exactly the rows
``touch_everything`` would write (``verify_log`` checks that on a small database).

PouchDB: one document per order carrying the same facts (reference, kind, status, fitter,
customer name/address/phone, lock serial, description, dates): about 330 bytes, as in the notes.

Orders are spread over ``FITTERS`` fitters round-robin, so each fitter holds 2 %.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

FITTERS = 50  # one fitter holds 1/50 = 2 % of the orders
SEED = 2026
# Bump when the generated data changes, so cached databases are rebuilt.
GENERATOR_VERSION = 4
BENCH_PASSWORD = "lockwork-bench-password"
STATUSES = ["ordered", "contacting", "scheduled", "ready_for_execution"]
KINDS = ["service", "service", "battery", "inspection", "installation"]
FIRST = ["Astrid", "Gunnar", "Karin", "Sven", "Margit", "Bengt", "Ingrid", "Lennart", "Elsa"]
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Berg"]
STREETS = ["Gottsundavägen", "Hjalmar Bergmans väg", "Götgatan", "Eriksbergsvägen", "Gränbyvägen"]
DESCRIPTIONS = [
    "Låset går inte att öppna med telefonen, personalen använder reservnyckel.",
    "Låset piper vid låsning och batterilarm visas i appen.",
    "Dörren går trögt sedan kylan kom, låset stänger inte alltid.",
    "Låsvredet snurrar utan att kolven rör sig.",
]


@dataclass
class World:
    """Ids the scenarios need, saved next to the database as JSON."""

    orders: int
    company: str = ""
    providers: list[str] = field(default_factory=list)
    planner: str = ""
    orderer: str = ""
    fitters: list[str] = field(default_factory=list)
    # Device tokens (bearer) by user id, created in the database directly.
    tokens: dict[str, str] = field(default_factory=dict)
    # Orders per fitter, in generation order.
    orders_of: dict[str, list[str]] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__))

    @classmethod
    def load(cls, path: Path) -> World:
        return cls(**json.loads(path.read_text()))


def _orders(n: int, world: World, customers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    today = date(2026, 3, 2)
    out = []
    for index in range(n):
        customer = customers[index // 2]
        fitter = world.fitters[index % FITTERS]
        status = STATUSES[index % len(STATUSES)]
        ordered_on = today - timedelta(days=rng.randint(0, 20))
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "reference": f"LW-{index:07d}",
                "kind": rng.choice(KINDS),
                "status": status,
                "customer": customer,
                "fitter": fitter,
                "description": rng.choice(DESCRIPTIONS),
                "ordered_at": datetime(
                    ordered_on.year, ordered_on.month, ordered_on.day, 9, 0, tzinfo=UTC
                ),
                "due_on": ordered_on + timedelta(days=14),
                "planned_start": datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
                if status in {"scheduled", "ready_for_execution"}
                else None,
            }
        )
    return out


def _customers(n: int, world: World) -> list[dict[str, Any]]:
    rng = random.Random(SEED + 1)
    out = []
    for index in range((n + 1) // 2):  # two orders per customer
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "lock": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "serial": f"LW-{1000000 + index}",
                "provider": world.providers[index % len(world.providers)],
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "street": f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
                "postal_code": f"75{rng.randint(100, 799)}",
                "phone": f"018-{rng.randint(100000, 999999)}",
            }
        )
    return out


def pouch_doc(order: dict[str, Any]) -> dict[str, Any]:
    """The PouchDB document of one order (~330 bytes as JSON)."""
    customer = order["customer"]
    return {
        "_id": f"order:{order['id']}",
        "type": "order",
        "reference": order["reference"],
        "kind": order["kind"],
        "status": order["status"],
        "fitter": order["fitter"],
        "customer": {
            "name": customer["name"],
            "address": f"{customer['street']}, Uppsala",
            "phone": customer["phone"],
        },
        "lock": customer["serial"],
        "description": order["description"],
        "due_on": order["due_on"].isoformat(),
    }


async def _build(url: str, n: int, docs_path: Path) -> World:
    from server import db
    from server.accounts.service import DEVICE_TOKEN_PREFIX, hash_password, token_hash
    from server.accounts.tables import DeviceToken, Organisation, User
    from server.customers.tables import Customer
    from server.locks.tables import Lock
    from server.orders.tables import WorkOrder

    world = World(orders=n)
    async with db.connected(url):
        await db.migrate()
        company = Organisation(name="Bench Lås AB", kind="fitters_company")
        await Organisation.insert(company)
        providers = [
            Organisation(
                name=f"Bench Hemtjänst {i}", kind="home_care_provider", contractor=company.id
            )
            for i in range(2)
        ]
        await Organisation.insert(*providers)
        world.company = str(company.id)
        world.providers = [str(p.id) for p in providers]
        password = await hash_password(BENCH_PASSWORD)

        def person(org: Organisation, username: str, roles: list[str]) -> User:
            return User(
                organisation=org.id,
                username=username,
                full_name=username.title(),
                roles=roles,
                password_hash=password,
            )

        planner = person(company, "planner", ["planner"])
        orderer = person(providers[0], "orderer", ["orderer"])
        fitters = [person(company, f"fitter{i:02d}", ["fitter"]) for i in range(FITTERS)]
        await User.insert(planner, orderer, *fitters)
        world.planner, world.orderer = str(planner.id), str(orderer.id)
        world.fitters = [str(f.id) for f in fitters]
        tokens = []
        for user in [planner, orderer, *fitters]:
            token = f"{DEVICE_TOKEN_PREFIX}bench-{uuid.uuid4().hex}"
            world.tokens[str(user.id)] = token
            tokens.append(DeviceToken(token_hash=token_hash(token), user=user.id, name="bench"))
        await DeviceToken.insert(*tokens)

        customers = _customers(n, world)
        orders = _orders(n, world, customers)
        for start in range(0, len(customers), 400):
            chunk = customers[start : start + 400]
            await Customer.insert(
                *[
                    Customer(
                        id=c["id"],
                        provider=c["provider"],
                        name=c["name"],
                        street_address=c["street"],
                        postal_code=c["postal_code"],
                        city="Uppsala",
                        area="Gottsunda",
                        phone=c["phone"],
                    )
                    for c in chunk
                ]
            )
            await Lock.insert(
                *[
                    Lock(
                        id=c["lock"],
                        serial=c["serial"],
                        model="Lockwork D1",
                        firmware="1.4.2",
                        state="installed",
                        customer=c["id"],
                        battery_percent=80,
                    )
                    for c in chunk
                ]
            )
        for start in range(0, len(orders), 400):
            await WorkOrder.insert(
                *[
                    WorkOrder(
                        id=o["id"],
                        reference=o["reference"],
                        kind=o["kind"],
                        status=o["status"],
                        customer=o["customer"]["id"],
                        lock=o["customer"]["lock"],
                        ordering_organisation=o["customer"]["provider"],
                        ordered_by=orderer.id,
                        performing_organisation=company.id,
                        description=o["description"],
                        assigned_fitter=o["fitter"],
                        ordered_at=o["ordered_at"],
                        due_on=o["due_on"],
                        planned_start=o["planned_start"],
                        estimate_minutes=45 if o["planned_start"] else None,
                        created_at=o["ordered_at"],
                        updated_at=o["ordered_at"],
                    )
                    for o in orders[start : start + 400]
                ]
            )
        for order in orders:
            world.orders_of.setdefault(order["fitter"], []).append(order["id"])
    _load_change_log(url.removeprefix("sqlite:///"), world, customers, orders)
    with docs_path.open("w") as out:
        for order in orders:
            line = json.dumps(pouch_doc(order), ensure_ascii=False, separators=(",", ":"))
            out.write(line + "\n")
    return world


def _load_change_log(
    path: str, world: World, customers: list[dict[str, Any]], orders: list[dict[str, Any]]
) -> None:
    """What ``touch_everything`` writes, computed from the generated rows, in one transaction.

    Same keys, scopes and order (orders, then customers, then locks; scopes sorted), numbered
    from 1; ``verify_log`` compares it with ``touch_everything`` itself.
    """
    from server.sync import scopes

    order_sets: dict[str, list[frozenset[str]]] = {}
    planned: list[tuple[str, str, str]] = []
    for o in sorted(orders, key=lambda o: o["id"]):
        tokens = scopes.order_tokens(o["customer"]["provider"], world.company, o["fitter"])
        order_sets.setdefault(o["customer"]["id"], []).append(tokens)
        planned.extend((scope, "order", o["id"]) for scope in sorted(tokens))
    for c in sorted(customers, key=lambda c: c["id"]):
        tokens = scopes.customer_tokens(c["provider"], order_sets.get(c["id"], []))
        planned.extend((scope, "customer", c["id"]) for scope in sorted(tokens))
    for c in sorted(customers, key=lambda c: c["lock"]):
        # A lock's orders: those naming it and those of its customer (the same ones here).
        tokens = scopes.lock_tokens(c["provider"], order_sets.get(c["id"], []))
        planned.extend((scope, "lock", c["lock"]) for scope in sorted(tokens))
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executemany(
                "INSERT INTO sync_change (id, key, scope, entity, entity_id, change_number, "
                "removed) VALUES (?, ?, ?, ?, ?, ?, 0)",
                (
                    (str(uuid.uuid4()), f"{scope}|{entity}|{eid}", scope, entity, eid, i)
                    for i, (scope, entity, eid) in enumerate(planned, start=1)
                ),
            )
            connection.execute(
                "INSERT INTO sync_counter (id, value) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET value = excluded.value",
                (len(planned),),
            )
    finally:
        connection.close()


async def verify_log(url: str) -> None:
    """The bulk-loaded change log holds exactly what ``touch_everything`` writes."""
    from server import db
    from server.sync.changes import touch_everything
    from server.sync.tables import SyncChange

    async def snapshot() -> set[tuple[str, bool]]:
        rows = await SyncChange.select(SyncChange.key, SyncChange.removed)
        return {(r["key"], bool(r["removed"])) for r in rows}

    async with db.connected(url) as engine:
        bulk = await snapshot()
        await touch_everything(engine)
        after = await snapshot()
    if bulk != after:
        raise AssertionError(
            f"bulk change log differs from touch_everything: {len(bulk ^ after)} keys"
        )


def build(directory: Path, n: int, *, verify: bool = False) -> tuple[Path, Path, World]:
    """The cached database, the PouchDB documents (NDJSON) and the world for ``n`` orders."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"orders-{n}-v{GENERATOR_VERSION}"
    database, docs, meta = (
        stem.with_suffix(".sqlite3"),
        stem.with_suffix(".ndjson"),
        stem.with_suffix(".json"),
    )
    if not (database.exists() and docs.exists() and meta.exists()):
        for path in (database, docs, meta):
            path.unlink(missing_ok=True)
        partial = stem.with_suffix(".partial.sqlite3")
        partial.unlink(missing_ok=True)
        world = asyncio.run(_build(f"sqlite:///{partial}", n, docs))
        if verify:
            check = stem.with_suffix(".verify.sqlite3")
            check.write_bytes(partial.read_bytes())
            asyncio.run(verify_log(f"sqlite:///{check}"))
            check.unlink()
        _checkpoint(partial)
        partial.rename(database)
        world.save(meta)
    return database, docs, World.load(meta)


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file so a plain copy is a complete database."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
