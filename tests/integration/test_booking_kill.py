"""Kill test for bulk letters (seed 002): the server is SIGKILLed while it makes a job's letters.

After each kill, before and after the restart, every order either has its letter and is
awaiting a response, or has neither and is still ready to print; no order has two letters or
a changed booking code. The restarted server takes the job over (its claim expires) and
finishes it: every order ends with exactly one letter, and the job counts each order once.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import httpx

from server.demo import DEMO_PASSWORD
from tests.conftest import _truncate_postgres, require_postgres
from tests.live_server import Instance, check_integrity, run_cli, server_env

ORDERS = 30
KILLS = 2
# Letters take tens of milliseconds each: a kill this long after some letters were made
# lands inside the job, with letters still to make.
LETTERS_BEFORE_KILL = 3
# The job's claim (server.booking.service.LETTER_JOB_CLAIM_SECONDS) must expire before the
# restarted server takes it over, then every letter is made: this bounds a failing run.
FINISH_TIMEOUT_SECONDS = 120.0


async def _prepare(database_url: str) -> list[str]:
    """Demo orders made ready to print for tomorrow, each with a booking code."""
    from server import db
    from server.accounts.tables import User
    from server.booking import codes
    from server.clock import LOCAL_ZONE
    from server.orders.tables import WorkOrder

    async with db.connected(database_url):
        fitter = await User.select(User.id).where(User.username == "montor1").first()
        assert fitter is not None
        rows = await WorkOrder.select(WorkOrder.id).where(
            WorkOrder.status.is_in(["ordered", "contacting", "scheduled", "ready_for_execution"])
        )
        ids = [str(r["id"]) for r in rows][:ORDERS]
        tomorrow = datetime.now(LOCAL_ZONE).date() + timedelta(days=1)
        for index, order_id in enumerate(ids):
            await WorkOrder.update(
                {
                    WorkOrder.status: "ready_to_print",
                    WorkOrder.assigned_fitter: fitter["id"],
                    WorkOrder.planned_start: datetime.combine(
                        tomorrow, datetime.min.time(), LOCAL_ZONE
                    )
                    + timedelta(hours=7, minutes=15 * index),
                    WorkOrder.estimate_minutes: 45,
                    WorkOrder.booking_code: codes.new_code(),
                    WorkOrder.booking_channel: "letter",
                }
            ).where(WorkOrder.id == order_id)
        return ids


async def _state(database_url: str, ids: list[str]) -> dict[str, tuple[str, str, int]]:
    """Each order's (status, code, letters)."""
    from server import db
    from server.booking.tables import BookingLetter
    from server.orders.tables import WorkOrder

    async with db.connected(database_url):
        orders = await WorkOrder.select(
            WorkOrder.id, WorkOrder.status, WorkOrder.booking_code
        ).where(WorkOrder.id.is_in(ids))
        letters = await BookingLetter.select(BookingLetter.order, BookingLetter.code).where(
            BookingLetter.order.is_in(ids)
        )
        state = {}
        for row in orders:
            mine = [x for x in letters if str(x["order"]) == str(row["id"])]
            assert all(x["code"] == row["booking_code"] for x in mine)
            state[str(row["id"])] = (row["status"], row["booking_code"], len(mine))
        return state


def _check(state: dict[str, tuple[str, str, int]], codes_before: dict[str, str]) -> int:
    """The invariant; how many orders have their letter."""
    for order_id, (status, code, letters) in state.items():
        assert code == codes_before[order_id], "an order got a second code"
        assert (status, letters) in {("ready_to_print", 0), ("awaiting_response", 1)}, (
            order_id,
            status,
            letters,
        )
    return sum(letters for _, _, letters in state.values())


def _job(url: str, headers: dict[str, str], job_id: str) -> dict:
    return httpx.get(f"{url}/api/booking/letter-jobs/{job_id}", headers=headers, timeout=5).json()


def _run(database_url: str, tmp_path) -> None:
    env = server_env(database_url, tmp_path)
    assert run_cli(["demo-data", "--reset", "--customers", "30"], env).returncode == 0
    ids = asyncio.run(_prepare(database_url))
    assert len(ids) == ORDERS
    codes_before = {i: s[1] for i, s in asyncio.run(_state(database_url, ids)).items()}
    server = Instance(env, log=tmp_path / "server.log")
    server.start()
    try:
        server.wait_healthy()
        login = httpx.post(
            server.url + "/api/auth/login",
            json={"username": "planerare", "password": DEMO_PASSWORD},
        )
        assert login.status_code == 200, login.text
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
        cookies = dict(login.cookies)
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        started = httpx.post(
            server.url + "/api/booking/letter-jobs",
            json={"order_ids": ids},
            headers=headers,
            timeout=10,
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        made_at_kills = []
        for _ in range(KILLS):
            deadline = time.monotonic() + FINISH_TIMEOUT_SECONDS
            wanted = (made_at_kills[-1] if made_at_kills else 0) + LETTERS_BEFORE_KILL
            while _job(server.url, headers, job_id)["done"] < wanted:
                assert time.monotonic() < deadline, "the job made no progress"
                time.sleep(0.02)
            server.kill()
            made = _check(asyncio.run(_state(database_url, ids)), codes_before)
            assert made < ORDERS, "the job finished before the kill: make more letters"
            made_at_kills.append(made)
            server.start()
            server.wait_healthy()
            # Right after the restart, before the job is taken over: still consistent.
            assert _check(asyncio.run(_state(database_url, ids)), codes_before) >= made
        deadline = time.monotonic() + FINISH_TIMEOUT_SECONDS
        while (job := _job(server.url, headers, job_id))["state"] != "done":
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["done"] == job["total"] == ORDERS and job["failed"] == 0, job
        assert _check(asyncio.run(_state(database_url, ids)), codes_before) == ORDERS
        asyncio.run(check_integrity(database_url))
    finally:
        server.close()


def test_kill_during_bulk_letters_sqlite(tmp_path) -> None:
    _run(f"sqlite:///{tmp_path / 'letters.sqlite3'}", tmp_path)


def test_kill_during_bulk_letters_postgresql(tmp_path, postgres_database) -> None:
    database = require_postgres(postgres_database)
    _truncate_postgres(database.url)
    _run(database.url, tmp_path)
