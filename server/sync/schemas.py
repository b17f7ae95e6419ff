"""Wire types of the sync protocol. Every request carries the protocol and the client's schema
version, so an old client is told to update instead of being misread.

Protocol 2 sends a pull's upserts as tables (one per entity: ids, versions and a list of values
per field) instead of one object per row; gzip then finds the repeats within a field. Protocol
1 (one object per change) is still answered, for clients not yet updated."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

PROTOCOL_VERSION = 2
OLDEST_PROTOCOL_VERSION = 1
# From this protocol on, a pull's upserts come as ``ChangeTable``s.
TABLES_PROTOCOL = 2
SCHEMA_VERSION = 1
MAX_PULL_BATCH = 1000
DEFAULT_PULL_BATCH = 500
MAX_PUSH_BATCH = 200

# The mutations this server applies are ``server.sync.mutations.ARGUMENTS``. A name it does not
# know (a newer app's) is refused on its own, stored like any refusal: the batch goes on.
MutationName = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class Versioned(msgspec.Struct, kw_only=True):
    protocol: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    schema: Annotated[int, msgspec.Meta(ge=1, le=1000)]


class RegisterIn(Versioned, kw_only=True):
    device: Annotated[str, msgspec.Meta(max_length=100)] = ""


class RegisterOut(msgspec.Struct, kw_only=True):
    client_id: UUID
    cursor: int
    protocol: int
    schema: int


class PullIn(Versioned, kw_only=True):
    client_id: UUID
    cursor: Annotated[int, msgspec.Meta(ge=0, le=2**62)]
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_PULL_BATCH)] = DEFAULT_PULL_BATCH


class Change(msgspec.Struct, kw_only=True, omit_defaults=True):
    entity: str
    id: UUID
    op: Literal["upsert", "remove"]
    version: int
    data: dict[str, Any] | None = None


class ChangeTable(msgspec.Struct, kw_only=True):
    """Upserts of one entity, column by column: row i is ``{field: columns[field][i]}`` plus
    ``"id": ids[i]`` (the row's own id, sent once), at change number ``versions[i]``."""

    entity: str
    ids: list[UUID]
    versions: list[int]
    columns: dict[str, list[Any]]


class PullOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    cursor: int
    more: bool
    # Protocol 1: every change; protocol 2: removals only, upserts are in ``tables``.
    changes: list[Change]
    server_time: datetime
    tables: list[ChangeTable] | None = None


class MutationIn(msgspec.Struct, kw_only=True):
    id: UUID
    seq: Annotated[int, msgspec.Meta(ge=1, le=2**62)]
    name: MutationName
    args: dict[str, Any]
    base_version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class PushIn(Versioned, kw_only=True):
    client_id: UUID
    mutations: Annotated[list[MutationIn], msgspec.Meta(min_length=1, max_length=MAX_PUSH_BATCH)]


class MutationResult(msgspec.Struct, kw_only=True):
    id: UUID
    seq: int
    status: Literal["applied", "rejected", "overridden"]
    code: str = ""
    message: str = ""
    message_sv: str = ""
    change_number: int | None = None


class PushOut(msgspec.Struct, kw_only=True):
    results: list[MutationResult]
    last_seq: int
    # Set when the batch stopped early: resend from last_seq + 1.
    resend_from: int | None = None


class ScopeChecksum(msgspec.Struct, kw_only=True):
    count: int
    digest: str


class ChecksumsOut(msgspec.Struct, kw_only=True):
    cursor: int
    scopes: dict[str, ScopeChecksum]
