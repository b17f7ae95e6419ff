"""Pull and push: the server side of the offline sync protocol."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from typing import Any
from uuid import UUID

import msgspec

from server.accounts.permissions import Principal
from server.customers.routes import CUSTOMER_COLUMNS, customers_out
from server.customers.tables import Customer
from server.db import read_snapshot
from server.errors import Conflict, LockworkError
from server.locks.routes import lock_out
from server.locks.tables import Lock
from server.orders.routes import contact_attempt_out, message_out, order_out
from server.orders.service import ORDER_SELECT, OrderService
from server.orders.tables import (
    CompletionReport,
    ContactAttempt,
    OrderEvent,
    OrderMessage,
    WorkOrder,
)
from server.sync import changes as log
from server.sync import mutations, scopes
from server.sync.schemas import (
    OLDEST_PROTOCOL_VERSION,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    TABLES_PROTOCOL,
    Change,
    ChangeTable,
    ChecksumsOut,
    MutationIn,
    MutationResult,
    PullOut,
    PushOut,
    ScopeChecksum,
    Versioned,
)
from server.sync.tables import SyncChange, SyncClient, SyncCounter, SyncMutation
from server.web import Services


class UnknownClient(Conflict):
    code = "unknown_client"


def check_versions(request: Versioned) -> None:
    if (
        not OLDEST_PROTOCOL_VERSION <= request.protocol <= PROTOCOL_VERSION
        or request.schema > SCHEMA_VERSION
    ):
        raise Conflict(
            f"This app speaks sync protocol {request.protocol} with data schema {request.schema}; "
            f"the server speaks protocol {PROTOCOL_VERSION}, schema {SCHEMA_VERSION}. Reload the "
            "app to update it; changes made offline are kept on the device.",
            code="version_unsupported",
        )


def _digest(entity: str, entity_id: object, version: int) -> int:
    raw = hashlib.sha256(f"{entity}|{entity_id}|{version}".encode()).digest()
    return int.from_bytes(raw[:8], "big")


def scope_digest(rows: list[tuple[str, object, int]]) -> ScopeChecksum:
    """Order-free digest of (entity, id, version): the client computes the same over its rows."""
    folded = 0
    for entity, entity_id, version in rows:
        folded ^= _digest(entity, entity_id, version)
    return ScopeChecksum(count=len(rows), digest=f"{folded:016x}")


def as_tables(upserts: list[Change]) -> list[ChangeTable]:
    """Upserts as one table per entity and field set (protocol 2), in change order."""
    tables: dict[tuple[str, tuple[str, ...]], ChangeTable] = {}
    for change in upserts:
        data = dict(change.data or {})
        # The row's id is the change's id: sent once, in ``ids``.
        if data.get("id") == str(change.id):
            del data["id"]
        else:  # its own id column (None: the data has no id; the client leaves it out)
            data["id"] = data.get("id")
        fields = tuple(data)
        table = tables.get((change.entity, fields))
        if table is None:
            table = ChangeTable(
                entity=change.entity, ids=[], versions=[], columns={f: [] for f in fields}
            )
            tables[(change.entity, fields)] = table
        table.ids.append(change.id)
        table.versions.append(change.version)
        for field, value in data.items():
            table.columns[field].append(value)
    return list(tables.values())


class SyncService:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.orders = OrderService(services)

    # -- clients --------------------------------------------------------------------------
    async def register(self, principal: Principal, device: str) -> UUID:
        client_id = uuid.uuid4()
        await SyncClient.insert(
            SyncClient(id=client_id, user=principal.user_id, device=device or principal.device)
        )
        return client_id

    async def _client(self, principal: Principal, client_id: UUID) -> dict[str, Any]:
        row = (
            await SyncClient.select()
            .where((SyncClient.id == client_id) & (SyncClient.user == principal.user_id))
            .first()
        )
        if row is None:
            raise UnknownClient(
                "The server does not know this device. It registers again by itself; "
                "nothing you changed is lost.",
            )
        return row

    # -- pull -------------------------------------------------------------------------------
    async def pull(
        self,
        principal: Principal,
        client_id: UUID,
        cursor: int,
        limit: int,
        protocol: int = PROTOCOL_VERSION,
    ) -> PullOut:
        await self._client(principal, client_id)
        tokens = sorted(scopes.principal_tokens(principal))
        # Most pulls find nothing new: one statement (its own snapshot) answers those.
        if not await self._entries(tokens, cursor, 1):
            return PullOut(cursor=cursor, more=False, changes=[], server_time=self.s.clock.now())
        async with read_snapshot(self.s.engine):
            entries = await self._entries(tokens, cursor, limit)
            new_cursor = entries[-1]["change_number"] if entries else cursor
            changes = await self._changes(principal, tokens, entries)
        if protocol < TABLES_PROTOCOL:
            return PullOut(
                cursor=new_cursor,
                more=len(entries) == limit,
                changes=changes,
                server_time=self.s.clock.now(),
            )
        return PullOut(
            cursor=new_cursor,
            more=len(entries) == limit,
            changes=[c for c in changes if c.op == "remove"],
            server_time=self.s.clock.now(),
            tables=as_tables([c for c in changes if c.op == "upsert"]),
        )

    @staticmethod
    async def _entries(tokens: list[str], cursor: int, limit: int) -> list[dict[str, Any]]:
        return (
            await SyncChange.select(
                SyncChange.entity,
                SyncChange.entity_id,
                SyncChange.change_number,
                SyncChange.removed,
            )
            .where(SyncChange.scope.is_in(tokens) & (SyncChange.change_number > cursor))
            .order_by(SyncChange.change_number)
            .limit(limit)
        )

    async def _changes(
        self, principal: Principal, tokens: list[str], entries: list[dict[str, Any]]
    ) -> list[Change]:
        # One entity may appear under several of the client's scopes: merge them.
        latest: dict[tuple[str, str], int] = {}
        visible: set[tuple[str, str]] = set()
        for entry in entries:
            key = (entry["entity"], str(entry["entity_id"]))
            latest[key] = max(latest.get(key, 0), entry["change_number"])
            if not entry["removed"]:
                visible.add(key)
        gone = [key for key in latest if key not in visible]
        if gone:
            # Left one scope but still held through another: not a removal for this client.
            still = await SyncChange.select(SyncChange.entity, SyncChange.entity_id).where(
                SyncChange.entity_id.is_in([entity_id for _, entity_id in gone])
                & SyncChange.scope.is_in(tokens)
                & (SyncChange.removed == False)  # noqa: E712
            )
            visible.update((r["entity"], str(r["entity_id"])) for r in still)
        by_entity: dict[str, list[str]] = defaultdict(list)
        for entity, entity_id in latest:
            if (entity, entity_id) in visible:
                by_entity[entity].append(entity_id)
        payloads: dict[tuple[str, str], dict[str, Any]] = {}
        for entity, ids in by_entity.items():
            for entity_id, data in (await self._payloads(principal, entity, ids)).items():
                payloads[(entity, entity_id)] = data
        result = []
        for (entity, entity_id), version in sorted(latest.items(), key=lambda item: item[1]):
            payload = payloads.get((entity, entity_id))
            if payload is None:
                result.append(
                    Change(entity=entity, id=UUID(entity_id), op="remove", version=version)
                )
            else:
                result.append(
                    Change(
                        entity=entity,
                        id=UUID(entity_id),
                        op="upsert",
                        version=version,
                        data=payload,
                    )
                )
        return result

    async def _payloads(
        self, principal: Principal, entity: str, ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        """Current rows for an entity type, as the API shows them (missing rows are left out)."""
        out: dict[str, dict[str, Any]] = {}

        def put(row_id: object, struct: Any) -> None:
            out[str(row_id)] = msgspec.to_builtins(struct)

        if entity == log.ORDER:
            rows = (
                await WorkOrder.select(*ORDER_SELECT)
                .where(WorkOrder.id.is_in(ids))
                .output(load_json=True)
            )
            reports = {
                str(r["order"]): r
                for r in await CompletionReport.select()
                .where(CompletionReport.order.is_in(ids))
                .output(load_json=True)
            }
            for row in rows:
                put(row["id"], order_out(self.orders, principal, row, reports.get(str(row["id"]))))
        elif entity == log.CUSTOMER:
            rows = await Customer.select(*CUSTOMER_COLUMNS).where(Customer.id.is_in(ids))
            for customer in await customers_out(rows):
                put(customer.id, customer)
        elif entity == log.LOCK:
            for row in await Lock.select().where(Lock.id.is_in(ids)):
                put(row["id"], lock_out(row))
        elif entity == log.CONTACT_ATTEMPT:
            for row in await ContactAttempt.select().where(ContactAttempt.id.is_in(ids)):
                put(row["id"], contact_attempt_out(row))
        elif entity == log.ORDER_EVENT:
            for row in (
                await OrderEvent.select().where(OrderEvent.id.is_in(ids)).output(load_json=True)
            ):
                out[str(row["id"])] = {
                    "id": str(row["id"]),
                    "order_id": str(row["order"]),
                    "at": row["at"].isoformat(),
                    "actor_id": str(row["actor"]) if row["actor"] else None,
                    "actor_name": row["actor_name"],
                    "device": row["device"],
                    "action": row["action"],
                    "from_status": row["from_status"],
                    "to_status": row["to_status"],
                    "changes": row["changes"] or {},
                    "flagged": row["flagged"],
                    "note": row["note"],
                }
        elif entity == log.MESSAGE:
            for row in await OrderMessage.select().where(OrderMessage.id.is_in(ids)):
                put(row["id"], message_out(row))
        elif entity == log.MUTATION:
            for row in await SyncMutation.select().where(SyncMutation.id.is_in(ids)):
                put(
                    row["id"],
                    _result(row) | {"client_id": str(row["client_id"]), "name": row["name"]},
                )
        return out

    async def checksums(self, principal: Principal) -> ChecksumsOut:
        """Per scope: how many rows the client should hold and a digest of their versions."""
        tokens = sorted(scopes.principal_tokens(principal))
        async with read_snapshot(self.s.engine):
            counter = await SyncCounter.select(SyncCounter.value).first()
            rows = await SyncChange.select(
                SyncChange.scope, SyncChange.entity, SyncChange.entity_id, SyncChange.change_number
            ).where(SyncChange.scope.is_in(tokens) & (SyncChange.removed == False))  # noqa: E712
        grouped: dict[str, list[tuple[str, object, int]]] = defaultdict(list)
        for row in rows:
            grouped[row["scope"]].append((row["entity"], row["entity_id"], row["change_number"]))
        return ChecksumsOut(
            cursor=int(counter["value"]) if counter else 0,
            scopes={token: scope_digest(grouped.get(token, [])) for token in tokens},
        )

    # -- push -------------------------------------------------------------------------------
    async def push(self, principal: Principal, client_id: UUID, batch: list[MutationIn]) -> PushOut:
        """Apply a batch in one transaction, each mutation under its own savepoint.

        One commit per batch instead of one per mutation (each commit is an fsync on SQLite):
        a refused mutation rolls back only its savepoint, and its refusal is stored in the same
        transaction. The outcomes, the sequence claims and the change-log numbers all commit
        together, so a crash loses the whole unacknowledged batch and the client resends it.
        """
        outcomes: list[dict[str, Any] | SyncMutation] = []
        applied: list[SyncMutation] = []
        resend_from: int | None = None
        async with log.unit_of_work(self.s.engine) as change_set:
            # Read inside the write transaction: on SQLite it holds the write lock, so the
            # sequence is current; on PostgreSQL ``_advance`` re-checks it under a row lock.
            client = await self._client(principal, client_id)
            last_seq = int(client["last_seq"])
            stored = await self._stored_outcomes(
                client_id, [m.seq for m in batch if m.seq <= last_seq]
            )
            earlier = await self._earlier_outcomes([m.id for m in batch if m.seq > last_seq])
            for mutation in batch:
                if mutation.seq <= last_seq:
                    outcomes.append(self._stored(stored, mutation.seq))
                    continue
                if mutation.seq != last_seq + 1:
                    resend_from = last_seq + 1
                    break
                outcome = await self._apply_once(
                    principal, client_id, mutation, earlier.get(mutation.id), change_set
                )
                if outcome is None:  # another request took this sequence number meanwhile
                    again = await self._stored_outcomes(client_id, [mutation.seq])
                    outcomes.append(self._stored(again, mutation.seq))
                else:
                    outcomes.append(outcome)
                    if isinstance(outcome, SyncMutation) and outcome.status != "rejected":
                        applied.append(outcome)
                last_seq = mutation.seq
            if applied:

                async def store_number(done: log.ChangeSet) -> None:
                    for record in applied:
                        record.change_number = done.last_change_number
                    await SyncMutation.update(
                        {SyncMutation.change_number: done.last_change_number}
                    ).where(SyncMutation.id.is_in([record.id for record in applied]))

                change_set.after_flush.append(store_number)
        results = [
            MutationResult(**_result(o.to_dict() if isinstance(o, SyncMutation) else o))
            for o in outcomes
        ]
        return PushOut(results=results, last_seq=last_seq, resend_from=resend_from)

    async def _stored_outcomes(self, client_id: UUID, seqs: list[int]) -> dict[int, dict[str, Any]]:
        if not seqs:
            return {}
        rows = await SyncMutation.select().where(
            SyncMutation.key.is_in([f"{client_id}:{seq}" for seq in seqs])
        )
        return {int(row["seq"]): row for row in rows}

    @staticmethod
    def _stored(stored: dict[int, dict[str, Any]], seq: int) -> dict[str, Any]:
        row = stored.get(seq)
        if row is None:
            raise Conflict(
                f"Sequence {seq} was acknowledged before but its outcome is not stored.",
                code="sequence_lost",
            )
        return row

    async def _earlier_outcomes(self, ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
        """Outcomes already stored under these mutation ids (re-sent under a new registration)."""
        if not ids:
            return {}
        rows = await SyncMutation.select().where(SyncMutation.id.is_in(ids))
        return {UUID(str(row["id"])): row for row in rows}

    async def _advance(self, client_id: UUID, seq: int) -> bool:
        """Claim the next sequence number; the row lock orders a client's pushes."""
        rows = await SyncClient.raw(
            "UPDATE sync_client SET last_seq = {}, last_seen_at = {} "
            "WHERE id = {} AND last_seq = {} RETURNING id",
            seq,
            self.s.clock.now(),
            client_id,
            seq - 1,
        )
        return bool(rows)

    async def _apply_once(
        self,
        principal: Principal,
        client_id: UUID,
        mutation: MutationIn,
        earlier: dict[str, Any] | None,
        change_set: log.ChangeSet,
    ) -> dict[str, Any] | SyncMutation | None:
        """One mutation inside the batch's transaction; None if its sequence was taken."""
        if not await self._advance(client_id, mutation.seq):
            return None
        if earlier is not None:
            # Re-sent under a new registration after its answer was lost: the mutation's own
            # id keeps it exactly once. Answered under this push's sequence number: the client
            # matches answers to its outbox by it.
            return {**earlier, "seq": mutation.seq}
        record = SyncMutation(
            id=mutation.id,
            key=f"{client_id}:{mutation.seq}",
            client_id=client_id,
            user=principal.user_id,
            seq=mutation.seq,
            name=mutation.name,
            args=mutation.args,
            at=self.s.clock.now(),
        )
        mark = change_set.mark()
        savepoint = await log.savepoint(self.s.engine)
        try:
            args = mutations.decode(mutation.name, mutation.args)
            before = await mutations.order_version(args.order_id)
            record.entity_id = await mutations.apply(self.orders, principal, mutation.name, args)
        except LockworkError as refusal:
            # Undo this mutation's writes (the sequence claim above stays) and what it noted
            # for the change log; then store the refusal in the same transaction.
            await savepoint.rollback_to()
            change_set.restore(mark)
            self._refuse(record, mutation, refusal)
            await record.save()
            log.changed(log.MUTATION, record.id, frozenset({scopes.user(principal.user_id)}))
            return record
        await savepoint.release()
        overrode = (
            mutation.base_version is not None
            and before is not None
            and before > mutation.base_version
        )
        record.status = "overridden" if overrode else "applied"
        await record.save()
        return record

    @staticmethod
    def _refuse(record: SyncMutation, mutation: MutationIn, refusal: LockworkError) -> None:
        """A refusal is durable and comes back on pull; the queue moves on past it."""
        record.status = "rejected"
        record.code = refusal.code
        record.message = refusal.message
        record.message_sv = getattr(refusal, "message_sv", "") or ""
        record.entity_id = _uuid_or_none(mutation.args.get("order_id"))


def _result(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "seq": row["seq"],
        "status": row["status"],
        "code": row["code"] or "",
        "message": row["message"] or "",
        "message_sv": row["message_sv"] or "",
        "change_number": row["change_number"],
    }


def _uuid_or_none(value: object) -> UUID | None:
    """The order a refused mutation named, if it named one that parses (refusals keep it)."""
    try:
        return UUID(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None
