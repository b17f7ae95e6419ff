"""A small client of the sync protocol, used by the gateway, the tests and the benchmark.

It keeps what it pulled in memory (``rows``) and its unsent mutations in ``outbox``; a caller
that must survive restarts persists ``state()`` and restores it with ``restore()``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PROTOCOL_VERSION = 2
SCHEMA_VERSION = 1
PULL_BATCH = 500
PUSH_BATCH = 100
# Answers after which the client registers anew and resends (mutation ids keep that exactly
# once): the server forgot this client, or no longer has the outcome of a number it took.
REGISTER_AGAIN = frozenset({"unknown_client", "sequence_lost"})


class SyncClientError(Exception):
    """The server refused a sync request as a whole (not one mutation)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message", str(status)))
        self.status = status
        self.code = body.get("code", "")
        self.body = body


def changes_in(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """A pull answer's changes, one object each (protocol 2 sends upserts as tables)."""
    changes = list(answer["changes"])
    for table in answer.get("tables") or []:
        columns = table["columns"]
        for index, (row_id, version) in enumerate(
            zip(table["ids"], table["versions"], strict=True)
        ):
            data = {"id": row_id, **{field: values[index] for field, values in columns.items()}}
            if data["id"] is None:  # the row's data had no id of its own
                del data["id"]
            changes.append(
                {
                    "entity": table["entity"],
                    "id": row_id,
                    "op": "upsert",
                    "version": version,
                    "data": data,
                }
            )
    return changes


@dataclass
class Pending:
    id: str
    seq: int
    name: str
    args: dict[str, Any]
    base_version: int | None = None

    def wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "name": self.name,
            "args": self.args,
        }
        if self.base_version is not None:
            body["base_version"] = self.base_version
        return body


@dataclass
class SyncClient:
    http: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)
    device: str = "python"
    client_id: str | None = None
    cursor: int = 0
    next_seq: int = 1
    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    versions: dict[tuple[str, str], int] = field(default_factory=dict)
    outbox: list[Pending] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _versioned(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "schema": SCHEMA_VERSION, **body}

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(path, json=self._versioned(body), headers=self.headers)
        payload = response.json()
        if response.status_code >= 400:
            raise SyncClientError(response.status_code, payload)
        return payload  # type: ignore[no-any-return]

    async def register(self) -> None:
        """Register anew; pending mutations are renumbered and keep their ids."""
        answer = await self._post("/api/sync/register", {"device": self.device})
        self.client_id = answer["client_id"]
        self._renumber(1)

    def enqueue(
        self,
        name: str,
        args: dict[str, Any],
        base_version: int | None = None,
        mutation_id: str | None = None,
    ) -> str:
        """Queue a mutation. A caller that keeps its own durable record passes that record's id
        as ``mutation_id``, so a resend after a restart is still the same mutation."""
        mutation_id = mutation_id or str(uuid.uuid4())
        self.outbox.append(Pending(mutation_id, self.next_seq, name, args, base_version))
        self.next_seq += 1
        return mutation_id

    async def pull(self, limit: int = PULL_BATCH) -> int:
        """Pull until up to date; returns the number of changes applied."""
        if self.client_id is None:
            await self.register()
        applied = 0
        while True:
            try:
                answer = await self._post(
                    "/api/sync/pull",
                    {"client_id": self.client_id, "cursor": self.cursor, "limit": limit},
                )
            except SyncClientError as error:
                if error.code not in REGISTER_AGAIN:
                    raise
                await self.register()
                continue
            for change in changes_in(answer):
                key = (change["entity"], change["id"])
                if change["op"] == "remove":
                    self.rows.pop(key, None)
                    self.versions.pop(key, None)
                else:
                    self.rows[key] = change["data"]
                    self.versions[key] = change["version"]
                applied += 1
            self.cursor = answer["cursor"]
            if not answer["more"]:
                return applied

    async def push(self) -> list[dict[str, Any]]:
        """Send the outbox in order; acknowledged mutations leave it. Returns the results.

        No answer leaves it stuck: a gap in the numbering (``resend_from``) renumbers the
        outbox from where the server expects it; if that settles nothing either, it
        registers anew.
        """
        if self.client_id is None:
            await self.register()
        answered: list[dict[str, Any]] = []
        stuck = 0  # answers in a row that settled nothing
        while self.outbox:
            batch = self.outbox[:PUSH_BATCH]
            try:
                answer = await self._post(
                    "/api/sync/push",
                    {"client_id": self.client_id, "mutations": [p.wire() for p in batch]},
                )
            except SyncClientError as error:
                if error.code not in REGISTER_AGAIN:
                    raise
                await self.register()
                continue
            done = {r["seq"] for r in answer["results"]}
            for result in answer["results"]:
                self.results[result["id"]] = result
            answered.extend(answer["results"])
            self.outbox = [p for p in self.outbox if p.seq not in done]
            if done:
                stuck = 0
                continue
            stuck += 1
            if stuck == 1 and answer.get("resend_from") is not None:
                self._renumber(int(answer["resend_from"]))
            elif stuck <= 2:
                await self.register()
            else:  # not even a fresh registration settles anything: a server fault, try later
                raise SyncClientError(409, {"code": "sequence_gap", "message": str(answer)})
        return answered

    def _renumber(self, first: int) -> None:
        """Number the outbox from ``first`` on, in order, keeping each mutation's id."""
        self.next_seq = first
        for pending in self.outbox:
            pending.seq = self.next_seq
            self.next_seq += 1

    def held(self, entity: str) -> dict[str, dict[str, Any]]:
        return {entity_id: data for (kind, entity_id), data in self.rows.items() if kind == entity}
