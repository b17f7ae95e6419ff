"""The report queue: durable before "done", uploaded flag only after the server's answer,
and nothing lost when the gateway process is SIGKILLed right after queuing.

The sync server here is a small stand-in on httpx's MockTransport (the server's
`lock_report.add` does not exist yet); it keeps the protocol's rule that a mutation id is
applied once and answered the same way when resent.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.report_queue import (
    MUTATION_NAME,
    ReportKind,
    ReportQueue,
    UploadFailed,
    UploadStatus,
)
from gateway.sync_client import SyncClient

REPO_ROOT = Path(__file__).resolve().parents[3]
# The child imports the queue module and writes one row: well under a second; 20 s only
# guards a stuck CI machine.
CHILD_TIMEOUT_S = 20.0

REPORT = bytes.fromhex("00ff") * 40


class FakeSyncServer:
    """Exactly-once by mutation id, as server/sync does; rejects data starting with 'bad'."""

    def __init__(self) -> None:
        self.outcomes: dict[str, dict[str, Any]] = {}
        self.applied: list[dict[str, Any]] = []
        self.down = False
        self.drop_next_answer = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("server unreachable", request=request)
        body = json.loads(request.content)
        if request.url.path == "/api/sync/register":
            return httpx.Response(200, json={"client_id": "c1"})
        results = []
        for mutation in body["mutations"]:
            assert mutation["name"] == MUTATION_NAME
            outcome = self.outcomes.get(mutation["id"])
            if outcome is None:
                if mutation["args"]["data"].startswith("bad"):
                    outcome = {"status": "rejected", "code": "bad_report", "message": "forged"}
                else:
                    outcome = {"status": "applied", "code": "", "message": ""}
                    self.applied.append(mutation)
                self.outcomes[mutation["id"]] = outcome
            results.append({"id": mutation["id"], "seq": mutation["seq"], **outcome})
        if self.drop_next_answer:  # applied on the server, but the answer is lost on the way
            self.drop_next_answer = False
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, json={"results": results, "last_seq": 0})


def sync_client(server: FakeSyncServer) -> SyncClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handle), base_url="http://s")
    return SyncClient(http)


async def test_uploaded_only_after_the_server_acknowledged(tmp_path: Path) -> None:
    queue = await ReportQueue.open(tmp_path / "reports.sqlite3")
    server = FakeSyncServer()
    client = sync_client(server)
    try:
        good = await queue.add(
            ReportKind.LOCK_REPORT,
            serial="LWSA",
            lock_id=b"\x01" * 16,
            data=REPORT,
            server_nonce=b"\x02" * 16,
        )
        server.down = True
        with pytest.raises(UploadFailed, match="stay queued"):
            await queue.upload(client)
        assert [r.status for r in await queue.all()] == [UploadStatus.PENDING]

        server.down = False
        server.drop_next_answer = True
        with pytest.raises(UploadFailed):
            await queue.upload(client)
        assert len(server.applied) == 1  # the server has it, the gateway does not know yet
        assert (await queue.get(good.id)).status is UploadStatus.PENDING  # type: ignore[union-attr]

        summary = await queue.upload(client)
        assert summary.uploaded == [good.id] and len(server.applied) == 1  # not applied twice
        row = await queue.get(good.id)
        assert row is not None and row.status is UploadStatus.UPLOADED and row.uploaded_at
        assert server.applied[0]["id"] == good.id
        assert server.applied[0]["args"]["data"] == REPORT.hex()
        assert server.applied[0]["args"]["kind"] == "lock_report"

        forged = await queue.add(
            ReportKind.LOCK_REPORT, serial="LWSB", lock_id=b"\x03" * 16, data=b"\xba\xd0"
        )
        summary = await queue.upload(client)
        assert summary.rejected == [forged.id] and summary.uploaded == []
        rejected = await queue.get(forged.id)
        assert rejected is not None and rejected.status is UploadStatus.REJECTED
        assert "forged" in rejected.reason
        assert await queue.pending() == []
    finally:
        await client.http.aclose()
        await queue.close()


CHILD = """
import asyncio, sys
from pathlib import Path
from gateway.report_queue import ReportKind, ReportQueue

async def main() -> None:
    queue = await ReportQueue.open(Path(sys.argv[1]))
    report = await queue.add(
        ReportKind.LOCK_REPORT, serial="LWSKILL", lock_id=bytes(16),
        data=bytes.fromhex(sys.argv[2]), server_nonce=bytes(16),
    )
    print(report.id, flush=True)
    await asyncio.sleep(3600)  # "still working" when the SIGKILL comes

asyncio.run(main())
"""


async def test_a_queued_report_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "gateway" / "reports.sqlite3"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        str(path),
        REPORT.hex(),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    try:
        async with asyncio.timeout(CHILD_TIMEOUT_S):
            report_id = (await child.stdout.readline()).decode().strip()
        assert report_id, "the child did not queue the report"
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL

    queue = await ReportQueue.open(path)
    try:
        row = await queue.get(report_id)
        assert row is not None and row.data == REPORT.hex()
        assert row.status is UploadStatus.PENDING and row.uploaded_at is None
        assert [r.id for r in await queue.pending()] == [report_id]
    finally:
        await queue.close()
