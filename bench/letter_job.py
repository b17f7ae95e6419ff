"""Booking letters in bulk through the running server (issue 12): 1,000 letters, seconds and MB.

What a planner does: the orders are ready to print; one request starts the letter job; the
progress is polled until it is done; then all the letters are downloaded as one PDF to print.
Measured on a real ``lockwork-server serve`` process over SQLite (the embedded default):

- ``job_seconds``: from the request until the job says done (each letter drawn, stored and
  its order moved to awaiting_response in one transaction);
- ``letters_mb``: the stored PDFs; ``database_growth_mb``: the database file's growth;
- ``merged_seconds`` / ``merged_mb``: the download of every unprinted letter as one file;
- ``server_peak_rss_mb``: the server process's high-water mark (VmHWM).
Figures only, never asserted.

    python -m bench.letter_job --letters 1000 --json bench/results/letter_job.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.sync.harness import ROOT, our_server
from server.demo import DEMO_PASSWORD

# A bound for a broken run; 1,000 letters take a minute or two on two cores.
JOB_TIMEOUT_SECONDS = 1800.0
POLL_SECONDS = 0.5  # as the letters tray polls


def _env(database: Path, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKWORK_")}
    env.update(
        LOCKWORK_DATABASE_URL=f"sqlite:///{database}",
        LOCKWORK_DATA_DIR=str(workdir),
        LOCKWORK_SECRET_KEY="bench-secret-" + "2" * 40,
        LOCKWORK_LOG_LEVEL="WARNING",
    )
    return env


async def _ready_to_print(database: Path, count: int) -> list[str]:
    """``count`` orders ready to print, copied from a demo order onto the demo's customers."""
    import uuid

    from server import db
    from server.accounts.tables import User
    from server.booking import codes
    from server.clock import LOCAL_ZONE
    from server.customers.tables import Customer
    from server.orders.tables import WorkOrder

    async with db.connected(f"sqlite:///{database}"):
        template = await WorkOrder.select().where(WorkOrder.status == "ordered").first()
        fitter = await User.select(User.id).where(User.username == "montor1").first()
        customers = [r["id"] for r in await Customer.select(Customer.id)]
        assert template and fitter and customers
        first_day = datetime.now(LOCAL_ZONE).date() + timedelta(days=14)
        rows = []
        for index in range(count):
            start = datetime.combine(
                first_day + timedelta(days=index // 16), datetime.min.time(), LOCAL_ZONE
            ) + timedelta(hours=7, minutes=30 * (index % 16))
            rows.append(
                WorkOrder(
                    **{
                        **template,
                        "id": uuid.uuid4(),
                        "reference": f"B{index:07d}",
                        "customer": customers[index % len(customers)],
                        "status": "ready_to_print",
                        "assigned_fitter": fitter["id"],
                        "planned_start": start,
                        "estimate_minutes": 30,
                        "booking_code": codes.new_code(),
                        "booking_channel": "letter",
                    }
                )
            )
        for batch in range(0, len(rows), 200):
            await WorkOrder.insert(*rows[batch : batch + 200])
        return [str(r.id) for r in rows]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lockwork-letters-") as tmp:
        workdir = Path(tmp)
        seed = workdir / "seed.sqlite3"
        made = subprocess.run(
            [sys.executable, "-m", "server", "demo-data", "--reset", "--customers", "200"],
            env=_env(seed, workdir),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            raise RuntimeError(made.stderr[-2000:])
        ids = asyncio.run(_ready_to_print(seed, count))
        with our_server(seed, workdir) as (url, process):
            database = workdir / "lockwork.sqlite3"
            size_before = database.stat().st_size
            login = httpx.post(
                url + "/api/auth/login", json={"username": "planerare", "password": DEMO_PASSWORD}
            )
            login.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in login.cookies.items())
            headers = {"Cookie": cookie, "X-CSRF-Token": login.json()["csrf_token"]}
            with httpx.Client(base_url=url, headers=headers, timeout=600) as client:
                started = time.perf_counter()
                job = client.post("/api/booking/letter-jobs", json={"order_ids": ids}).json()
                polls = 0
                while job["state"] != "done":
                    if time.perf_counter() - started > JOB_TIMEOUT_SECONDS:
                        raise RuntimeError(f"the job did not finish: {job}")
                    time.sleep(POLL_SECONDS)
                    job = client.get(f"/api/booking/letter-jobs/{job['id']}").json()
                    polls += 1
                    print(f"\r{job['done']}/{job['total']} letters", end="", file=sys.stderr)
                job_seconds = time.perf_counter() - started
                print(file=sys.stderr)
                started = time.perf_counter()
                merged = client.get("/api/booking/letters/merged")
                merged.raise_for_status()
                merged_seconds = time.perf_counter() - started
                tray = client.get("/api/booking/letters").json()
            peak = _peak_rss_mb(process.pid)
            size_after = database.stat().st_size
            import sqlite3

            with sqlite3.connect(database) as connection:
                (letter_bytes,) = connection.execute(
                    "SELECT SUM(LENGTH(pdf)) FROM booking_letter"
                ).fetchone()
        return {
            "letters": count,
            "made": job["done"] - job["failed"],
            "refused": job["failed"],
            "job_seconds": round(job_seconds, 2),
            "ms_per_letter": round(1000 * job_seconds / count, 1),
            "progress_polls": polls,
            "letters_mb": round(letter_bytes / 1e6, 2),
            "database_growth_mb": round((size_after - size_before) / 1e6, 2),
            "merged_seconds": round(merged_seconds, 2),
            "merged_mb": round(len(merged.content) / 1e6, 2),
            "tray_letters": len(tray),
            "server_peak_rss_mb": round(peak, 1),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "database": "sqlite",
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    result = run(args.letters)
    for name, value in result.items():
        print(f"{name:<22} {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
