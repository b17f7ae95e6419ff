"""Initial sync in its own process: register, pull everything in the token's scope, and keep
each page in a local SQLite file in one transaction (as the PWA writes one IndexedDB transaction
per page, and as PouchDB writes into leveldb). Prints JSON: seconds (timed inside this process,
after imports), changes, rows held and, with ``--measure-bytes``, the response bodies' size raw
gzip-compressed at level 6, and as received on the wire.

    python -m bench.pull_all --url http://127.0.0.1:PORT --token TOKEN [--measure-bytes]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from gateway.sync_client import SyncClient, changes_in

BATCH = 1000  # the server's largest page, as PouchDB's batch_size in the bench
# The level the server compresses at (server/app.py) and Node's zlib default on PouchDB's side.
GZIP_LEVEL = 6


class StoringClient(SyncClient):
    """The protocol client, plus one local transaction per pulled page."""

    store: sqlite3.Connection | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await super()._post(path, body)
        if path.endswith("/pull") and self.store is not None:
            changes = changes_in(answer)
            with self.store:
                self.store.executemany(
                    "INSERT INTO row (entity, id, version, data) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, "
                    "data = excluded.data",
                    [
                        (c["entity"], c["id"], c["version"], json.dumps(c["data"]))
                        for c in changes
                        if c["op"] == "upsert"
                    ],
                )
                self.store.executemany(
                    "DELETE FROM row WHERE entity = ? AND id = ?",
                    [(c["entity"], c["id"]) for c in changes if c["op"] == "remove"],
                )
        return answer


async def pull_all(url: str, token: str, measure_bytes: bool) -> dict[str, Any]:
    sizes: dict[str, Any] = {"responses": 0, "raw": 0, "gzip": 0, "wire": 0, "encodings": {}}

    async def count(response: httpx.Response) -> None:
        body = await response.aread()
        sizes["responses"] += 1
        sizes["raw"] += len(body)
        sizes["gzip"] += len(gzip.compress(body, compresslevel=GZIP_LEVEL))
        sizes["wire"] += response.num_bytes_downloaded  # as received (compressed or not)
        encoding = response.headers.get("content-encoding")
        if encoding:
            sizes["encodings"][encoding] = sizes["encodings"].get(encoding, 0) + 1

    hooks = {"response": [count]} if measure_bytes else {}
    with tempfile.TemporaryDirectory(prefix="lockwork-pull-") as tmp:
        store = sqlite3.connect(Path(tmp) / "client.sqlite3")
        store.execute("PRAGMA journal_mode = WAL")
        store.execute(
            "CREATE TABLE row (entity TEXT, id TEXT, version INTEGER, data TEXT, "
            "PRIMARY KEY (entity, id))"
        )
        async with httpx.AsyncClient(base_url=url, timeout=120, event_hooks=hooks) as http:
            client = StoringClient(http=http, headers={"Authorization": f"Bearer {token}"})
            client.store = store
            started = time.perf_counter()
            changes = await client.pull(limit=BATCH)
            seconds = time.perf_counter() - started
        held = store.execute("SELECT count(*) FROM row").fetchone()[0]
        store.close()
    result: dict[str, Any] = {"seconds": seconds, "changes": changes, "held": held}
    result["by_entity"] = {}
    for entity, _ in client.rows:
        result["by_entity"][entity] = result["by_entity"].get(entity, 0) + 1
    if measure_bytes:
        result["bytes"] = sizes
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--measure-bytes", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(pull_all(args.url, args.token, args.measure_bytes))))


if __name__ == "__main__":
    main()
