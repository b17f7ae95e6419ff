"""Pull and push: the server side of the offline sync protocol."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import msgspec

from server.accounts.permissions import Principal
from server.context import Services
from server.customers.service import CUSTOMER_COLUMNS, contacts_of
from server.customers.tables import Customer
from server.customers.views import customers_out
from server.db import lock_rows, lost_a_conflict, read_snapshot, retry_conflicts
from server.errors import Conflict, LockworkError
from server.locks.tables import Lock
from server.locks.views import lock_out
from server.orders.service import ORDER_SELECT, OrderService
from server.orders.tables import (
    CompletionReport,
    ContactAttempt,
    OrderEvent,
    OrderMessage,
    WorkOrder,
)
from server.orders.views import (
    contact_attempt_out,
    message_out,
    order_event_out,
    order_out,
)
from server.sync import changes as log
from server.sync import live, mutations, scopes
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
from server.sync.tables import SyncChange, SyncClient, SyncCounter, SyncMutation, SyncResend

logger = logging.getLogger(__name__)

# SQLSTATE class of a value the database cannot take (22: data exception, e.g. a date-time
# out of its range): the mutation's input, not the server, is at fault.
DATA_EXCEPTION_SQLSTATE_CLASS = "22"
# A push that PostgreSQL rolled back to settle a deadlock or a serialization conflict with
# another (two devices writing the same orders) is run again from the start. A few attempts
# outlast the collisions of one fitter's devices; after that the client is told to retry (503).
PUSH_ATTEMPTS = 5
# The longest random pause before another attempt: about as long as one colliding push.
PUSH_RETRY_PAUSE_SECONDS = 0.1


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

    async def _client(
        self, principal: Principal, client_id: UUID, *, for_update: bool = False
    ) -> dict[str, Any]:
        if for_update:  # a client's pushes take turns (PostgreSQL; SQLite's writers always do)
            await lock_rows(self.s.engine, SyncClient, [client_id])
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
            for customer in customers_out(rows, await contacts_of(rows)):
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
                put(row["id"], order_event_out(row))
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

    # -- live feed ------------------------------------------------------------------------
    async def newest_change(self) -> int:
        """The newest committed change number (0 before any), also told to this process's live
        feed, so a new listener starts from it."""
        counter = await SyncCounter.select(SyncCounter.value).first()
        newest = int(counter["value"]) if counter else 0
        live.FEED.publish(newest)
        return newest

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
        """Apply a batch; run it again if PostgreSQL rolled it back to settle a conflict."""
        return await retry_conflicts(
            lambda: self._push_once(principal, client_id, batch),
            attempts=PUSH_ATTEMPTS,
            pause_seconds=PUSH_RETRY_PAUSE_SECONDS,
        )

    async def _push_once(
        self, principal: Principal, client_id: UUID, batch: list[MutationIn]
    ) -> PushOut:
        """Apply a batch in one transaction, each mutation under its own savepoint.

        One commit per batch instead of one per mutation (each commit is an fsync on SQLite):
        a refused mutation rolls back only its savepoint, and its refusal is stored in the same
        transaction. The outcomes, the sequence claims and the change-log numbers all commit
        together, so a crash loses the whole unacknowledged batch and the client resends it.

        Rows are locked in one order: the client, then the orders the batch names (by id),
        then what each mutation writes, then the change-log counter. Two pushes of one client
        take turns; two devices writing the same orders wait for each other, never deadlock.
        """
        outcomes: list[dict[str, Any]] = []
        applied: list[dict[str, Any]] = []
        resend_from: int | None = None
        async with log.unit_of_work(self.s.engine) as change_set:
            client = await self._client(principal, client_id, for_update=True)
            last_seq = int(client["last_seq"])
            await self.orders.lock(_named_orders(m for m in batch if m.seq > last_seq))
            stored = await self._stored_outcomes(
                client_id, [m.seq for m in batch if m.seq <= last_seq]
            )
            for mutation in batch:
                if mutation.seq <= last_seq:
                    outcomes.append(await self._answer_stored(principal, stored, mutation))
                    continue
                if mutation.seq != last_seq + 1:
                    resend_from = last_seq + 1
                    break
                outcome = await self._apply_once(principal, client_id, mutation, change_set)
                if outcome is None:  # another request took this sequence number meanwhile
                    again = await self._stored_outcomes(client_id, [mutation.seq])
                    outcome = await self._answer_stored(principal, again, mutation)
                elif outcome["status"] != "rejected" and outcome.get("new"):
                    applied.append(outcome)
                outcomes.append(outcome)
                last_seq = mutation.seq
            if applied:

                async def store_number(done: log.ChangeSet) -> None:
                    for outcome in applied:
                        outcome["change_number"] = done.last_change_number
                    await SyncMutation.update(
                        {SyncMutation.change_number: done.last_change_number}
                    ).where(SyncMutation.id.is_in([o["id"] for o in applied]))

                change_set.after_flush.append(store_number)
        results = [MutationResult(**_result(o)) for o in outcomes]
        return PushOut(results=results, last_seq=last_seq, resend_from=resend_from)

    async def _stored_outcomes(self, client_id: UUID, seqs: list[int]) -> dict[int, dict[str, Any]]:
        """The outcomes that answer these sequence numbers of the client."""
        if not seqs:
            return {}
        keys = [f"{client_id}:{seq}" for seq in seqs]
        rows = await SyncMutation.select().where(SyncMutation.key.is_in(keys))
        found = {int(row["seq"]): row for row in rows}
        missing = [key for seq, key in zip(seqs, keys, strict=True) if seq not in found]
        if missing:
            resent: dict[str, list[int]] = defaultdict(list)  # mutation id -> numbers it took
            for r in await SyncResend.select(SyncResend.key, SyncResend.mutation).where(
                SyncResend.key.is_in(missing)
            ):
                resent[str(r["mutation"])].append(int(str(r["key"]).rpartition(":")[2]))
            if resent:
                for row in await SyncMutation.select().where(SyncMutation.id.is_in(list(resent))):
                    found.update(dict.fromkeys(resent[str(row["id"])], row))
        return found

    async def _answer_stored(
        self, principal: Principal, stored: dict[int, dict[str, Any]], mutation: MutationIn
    ) -> dict[str, Any]:
        """The answer to a mutation whose sequence number was taken before."""
        row = stored.get(mutation.seq)
        if row is None or str(row["id"]) != str(mutation.id):
            # Not what this number answered: the mutation itself may still have an outcome
            # (stored under another registration before resends were kept).
            row = await SyncMutation.select().where(SyncMutation.id == mutation.id).first()
        if row is None:
            raise Conflict(
                f"Sequence {mutation.seq} was acknowledged before but its outcome is not stored. "
                "The app registers again by itself and resends; nothing you changed is lost.",
                code="sequence_lost",
                message_sv=f"Servern har inte kvar svaret på ändring nummer {mutation.seq}. "
                "Appen registrerar sig på nytt och skickar igen; inget du ändrat går förlorat.",
            )
        return _answer(principal, row, mutation.seq)

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
        change_set: log.ChangeSet,
    ) -> dict[str, Any] | None:
        """One mutation inside the batch's transaction; None if its sequence was taken.

        Every sequence number taken gets an outcome stored under it in the same transaction:
        the mutation's own, or a ``SyncResend`` pointing at the outcome stored before.
        """
        if not await self._advance(client_id, mutation.seq):
            return None
        now = self.s.clock.now()
        record = SyncMutation(
            id=mutation.id,
            key=f"{client_id}:{mutation.seq}",
            client_id=client_id,
            user=principal.user_id,
            seq=mutation.seq,
            name=mutations.without_nul(mutation.name),
            args=mutations.stored_args(mutation.name, mutation.args),
            # What most mutations end as, so that only the others are written twice.
            status="applied",
            entity_id=_uuid_or_none(mutation.args.get("order_id")),
            at=now,
        )
        # The mutation's id is claimed before anything is applied. The same mutation sent under
        # another registration at the same moment waits here for that push to commit and is
        # then answered with its outcome: applied once, with no unique violation on its rows.
        claimed = (
            await SyncMutation.insert(record)
            .on_conflict(target=SyncMutation.id, action="DO NOTHING")
            .returning(SyncMutation.id)
        )
        if not claimed:
            earlier = await SyncMutation.select().where(SyncMutation.id == mutation.id).first()
            if earlier is None:  # the conflicting push rolled back after all: run this again
                raise RuntimeError(f"Mutation {mutation.id} vanished while being claimed.")
            await SyncResend.insert(SyncResend(key=record.key, mutation=mutation.id, at=now))
            return _answer(principal, earlier, mutation.seq)
        outcome: dict[str, Any] = {
            "id": mutation.id,
            "seq": mutation.seq,
            "status": "applied",
            "code": "",
            "message": "",
            "message_sv": "",
            "change_number": None,
            "new": True,
        }
        mark = change_set.mark()
        savepoint = await log.savepoint(self.s.engine)
        try:
            args = mutations.decode(mutation.name, mutation.args)
            before = await mutations.order_version(args.order_id)
            entity_id = await mutations.apply(self.orders, principal, mutation.name, args)
        except Exception as failure:
            if lost_a_conflict(failure):
                raise  # the whole push rolls back and runs again
            # Undo this mutation's writes (the claims above stay) and what it noted for the
            # change log; then store its refusal in the same transaction. Whatever the failure,
            # it is this mutation's own: the rest of the batch goes on.
            await savepoint.rollback_to()
            change_set.restore(mark)
            refusal = failure if isinstance(failure, LockworkError) else _cannot_apply(failure)
            if not isinstance(failure, LockworkError):
                logger.error(
                    "Mutation %s (%s) failed; stored as refused",
                    mutation.id,
                    record.name,
                    exc_info=failure,
                )
            refused: dict[Any, Any] = {
                SyncMutation.status: "rejected",
                SyncMutation.code: refusal.code,
                # A refusal may quote what was sent (a mutation's name): never a NUL stored.
                SyncMutation.message: mutations.without_nul(refusal.message),
                SyncMutation.message_sv: mutations.without_nul(
                    getattr(refusal, "message_sv", "") or ""
                ),
            }
            await SyncMutation.update(refused).where(SyncMutation.id == mutation.id)
            log.changed(log.MUTATION, mutation.id, frozenset({scopes.user(principal.user_id)}))
            return outcome | {column._meta.name: value for column, value in refused.items()}
        await savepoint.release()
        overrode = (
            mutation.base_version is not None
            and before is not None
            and before > mutation.base_version
        )
        outcome["status"] = "overridden" if overrode else "applied"
        if overrode or str(entity_id) != str(record.entity_id):
            await SyncMutation.update(
                {SyncMutation.status: outcome["status"], SyncMutation.entity_id: entity_id}
            ).where(SyncMutation.id == mutation.id)
        return outcome


def _named_orders(batch: Iterable[MutationIn]) -> list[UUID]:
    """The orders a batch's mutations name (those that parse), to lock before applying them."""
    named = (_uuid_or_none(m.args.get("order_id")) for m in batch)
    return [order_id for order_id in named if order_id is not None]


def _answer(principal: Principal, row: dict[str, Any], seq: int) -> dict[str, Any]:
    """A stored outcome as the answer at this sequence number (the client matches by it)."""
    if str(row["user"]) != principal.user_id:
        # Another person's mutation id: refused, and nothing about their change is told.
        return {
            "id": row["id"],
            "seq": seq,
            "status": "rejected",
            "code": "duplicate_id",
            "message": "This change's id is already used by another change. Make it again.",
            "message_sv": "Ändringens id används redan av en annan ändring. Gör om den.",
            "change_number": None,
        }
    return {**row, "seq": seq}


def _cannot_apply(failure: Exception) -> LockworkError:
    """A readable refusal for a failure no rule of ours named (a bug, or input no schema bounds
    yet): the person learns it was not saved and what to check; the log has the details."""
    if isinstance(failure, OverflowError):
        what, what_sv = (
            "a date, time or number in it is out of range",
            "ett datum, en tid eller ett tal i den är utanför det tillåtna",
        )
    elif isinstance(failure, ValueError | TypeError) or str(
        getattr(failure, "sqlstate", "")
    ).startswith(DATA_EXCEPTION_SQLSTATE_CLASS):
        what, what_sv = (
            "a value in it is not valid (a date and time must have its time zone, for example)",
            "ett värde i den är ogiltigt (en tidpunkt måste till exempel ha sin tidszon)",
        )
    else:
        what, what_sv = ("the server failed on it", "servern fick ett fel")
    return LockworkError(
        f"The server could not apply this change: {what}. It was not saved; your other changes "
        "were. Check it and make it again, or tell your administrator if it happens again.",
        code="cannot_apply",
        message_sv=f"Servern kunde inte spara ändringen: {what_sv}. Dina övriga ändringar "
        "sparades. Kontrollera den och gör om den, eller kontakta administratören om det "
        "händer igen.",
    )


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
