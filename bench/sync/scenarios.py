"""The sync benchmark's scenarios, S1 to S9 and S3 at scale: each run against our server and,
where it compares, against pouchdb-server. They return raw figures; `report` makes the table.

Each figure is the median of ``--repeats`` runs after one warm-up run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench import data
from bench.sync.harness import (
    NODE_DIR,
    auth,
    ensure_node_modules,
    free_port,
    log,
    median,
    our_server,
    peak_rss_mb,
    peer,
    percentile,
    pull_process,
    stop,
    wait_http,
)
from gateway.sync_client import SyncClient

SCALE_SMALL, SCALE_LARGE = 10_000, 100_000
BATCH = 1000
SCENARIOS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S9_rss", "S3_scale"]


async def contact_attempt(http: httpx.AsyncClient, token: str, order_id: str) -> None:
    response = await http.post(
        f"/api/orders/{order_id}/contact-attempts",
        headers=auth(token),
        json={"to_whom": "customer", "outcome": "no_answer", "note": "bench"},
    )
    if response.status_code != 201:
        raise RuntimeError(f"contact attempt refused: {response.status_code} {response.text}")


def all_orders(world: data.World) -> list[str]:
    """Every order, interleaved over fitters (so a slice touches many fitters)."""
    lists = [world.orders_of[f] for f in world.fitters]
    return [o for group in zip(*lists, strict=False) for o in group]


async def ours_reads(url: str, world: data.World, args: argparse.Namespace) -> dict[str, Any]:
    """S3 and S4: one client at the head; empty pull, then 100 changes and a pull."""
    planner = world.tokens[world.planner]
    orders = all_orders(world)
    empty: list[float] = []
    after: list[float] = []
    pulled: list[int] = []
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        client = SyncClient(http=http, headers=auth(planner))
        await client.pull(limit=BATCH)
        for round_ in range(args.repeats + 1):
            started = time.perf_counter()
            await client.pull(limit=BATCH)
            if round_:
                empty.append(time.perf_counter() - started)
            chunk = [orders[(round_ * args.changes + i) % len(orders)] for i in range(args.changes)]
            for order_id in chunk:
                await contact_attempt(http, planner, order_id)
            started = time.perf_counter()
            count = await client.pull(limit=BATCH)
            if round_:
                after.append(time.perf_counter() - started)
                pulled.append(count)
    return {"empty": empty, "after": after, "pulled": pulled}


def ours_pokes(url: str, world: data.World, args: argparse.Namespace) -> list[float]:
    """S5: a write through the HTTP API -> the poke on the server-sent-events stream."""
    import queue

    planner = world.tokens[world.planner]
    heard: queue.Queue[tuple[float, int]] = queue.Queue()
    closing = threading.Event()

    def listen() -> None:
        with (
            contextlib.suppress(httpx.TransportError),
            httpx.stream(
                "GET", url + "/api/sync/events", headers=auth(planner), timeout=None
            ) as response,
        ):
            for line in response.iter_lines():
                if closing.is_set():
                    return
                if line.startswith("data:"):
                    heard.put((time.perf_counter(), json.loads(line[5:])["cursor"]))

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    heard.get(timeout=30)  # the stream's first event: the current cursor
    orders = all_orders(world)[::-1]
    latencies = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(args.warmup_samples + args.samples):
            started = time.perf_counter()
            response = http.post(
                f"/api/orders/{orders[i % len(orders)]}/contact-attempts",
                headers=auth(planner),
                json={"to_whom": "customer", "outcome": "no_answer", "note": "bench poke"},
            )
            if response.status_code != 201:
                raise RuntimeError(f"write refused: {response.text}")
            at, _ = heard.get(timeout=30)
            while not heard.empty():  # one write may poke more than once
                heard.get_nowait()
            if i >= args.warmup_samples:
                latencies.append(at - started)
            time.sleep(0.02)
    closing.set()
    return latencies


async def ours_push(
    url: str, world: data.World, database: Path, args: argparse.Namespace, run: str
) -> dict[str, Any]:
    """S6: fitter A pushes ``mutations`` contact attempts; 10 % of them are sent twice."""
    fitter = world.fitters[0]
    orders = world.orders_of[fitter]
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        client = SyncClient(http=http, headers=auth(world.tokens[fitter]), device="bench")
        await client.register()
        for i in range(args.mutations):
            client.enqueue(
                "contact_attempt.add",
                {
                    "order_id": orders[i % len(orders)],
                    "to_whom": "customer",
                    "outcome": "no_answer",
                    "note": f"bench-s6-{run}-{i}",
                },
            )
        pending = list(client.outbox)
        every = round(1 / args.duplicate_share)
        step = 100 - 100 // every
        results: list[dict[str, Any]] = []
        resend: list[Any] = []
        sent = 0
        started = time.perf_counter()
        for start in range(0, len(pending), step):
            batch = pending[start : start + step]
            # The previous batch's answer "was lost" for a tenth of it: those go again, first.
            client.outbox = resend + batch
            sent += len(client.outbox)
            results.extend(await client.push())
            resend = batch[::every]
        if resend:
            client.outbox = resend
            sent += len(resend)
            results.extend(await client.push())
        seconds = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        stored = connection.execute(
            "SELECT count(*), count(DISTINCT note) FROM contact_attempt WHERE note LIKE ?",
            (f"bench-s6-{run}-%",),
        ).fetchone()
    finally:
        connection.close()
    return {
        "seconds": seconds,
        "sent": sent,
        "duplicates": sent - args.mutations,
        "statuses": statuses,
        "stored": stored[0],
        "doubles": stored[0] - stored[1],
        "lost": args.mutations - stored[1],
    }


async def ours_reassign(url: str, world: data.World, args: argparse.Namespace) -> dict[str, Any]:
    """S7: the planner moves orders from fitter A to B; A and B pull once each."""
    a, b = world.fitters[0], world.fitters[1]
    moved = world.orders_of[a][: args.reassign]
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        client_a = SyncClient(http=http, headers=auth(world.tokens[a]), device="bench-a")
        client_b = SyncClient(http=http, headers=auth(world.tokens[b]), device="bench-b")
        await client_a.pull(limit=BATCH)
        await client_b.pull(limit=BATCH)
        held_before = sum(1 for o in moved if o in client_a.held("order"))
        for order_id in moved:
            response = await http.post(
                f"/api/orders/{order_id}/assignment",
                headers=auth(world.tokens[world.planner]),
                json={"fitter_id": b},
            )
            if response.status_code not in {200, 201}:
                raise RuntimeError(f"reassignment refused: {response.text}")
        started = time.perf_counter()
        removals = await client_a.pull(limit=BATCH)
        pull_a = time.perf_counter() - started
        await client_b.pull(limit=BATCH)
        removed = sum(1 for o in moved if o not in client_a.held("order"))
        present = sum(1 for o in moved if o in client_b.held("order"))
    return {
        "orders": len(moved),
        "held_by_a_before": held_before,
        "removed_share": removed / len(moved),
        "present_share": present / len(moved),
        "a_pull_seconds": pull_a,
        "a_changes": removals,
    }


async def ours_crowd(url: str, world: data.World, args: argparse.Namespace) -> dict[str, Any]:
    """S8: 50 clients (one per fitter) each pull every second; one write a second meanwhile."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=args.clients + 10, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        clients = [
            SyncClient(http=http, headers=auth(world.tokens[world.fitters[i % len(world.fitters)]]))
            for i in range(args.clients)
        ]
        for client in clients:
            await client.pull(limit=BATCH)
        deadline = time.perf_counter() + args.crowd_seconds

        async def one(client: SyncClient, offset: float) -> None:
            nonlocal errors
            await asyncio.sleep(offset)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    await client.pull(limit=BATCH)
                    latencies.append(time.perf_counter() - started)
                except (httpx.HTTPError, RuntimeError):
                    errors += 1
                await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))

        async def writer() -> None:
            orders = all_orders(world)
            i = 0
            while time.perf_counter() < deadline:
                await contact_attempt(http, world.tokens[world.planner], orders[i % len(orders)])
                i += 1
                await asyncio.sleep(1.0)

        rng = random.Random(8)
        await asyncio.gather(writer(), *[one(c, rng.random()) for c in clients])
    return {
        "clients": args.clients,
        "seconds": args.crowd_seconds,
        "pulls": len(latencies),
        "errors": errors,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
    }


def run_ours(database: Path, world: data.World, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    planner, fitter_a = world.tokens[world.planner], world.tokens[world.fitters[0]]
    want = args.only
    with (
        tempfile.TemporaryDirectory(prefix="lockwork-bench-") as tmp,
        our_server(database, Path(tmp)) as (url, process),
    ):
        live_db = Path(tmp) / "lockwork.sqlite3"
        if "S1" in want:
            log("ours: S1 initial sync (separate process)")
            runs = [pull_process(url, planner) for _ in range(args.repeats + 1)][1:]
            out["S1"] = {"seconds": [r["seconds"] for r in runs], "held": runs[-1]["held"]}
            out["S1"]["by_entity"] = runs[-1]["by_entity"]
        if "S9" in want:
            out["S9"] = pull_process(url, planner, measure_bytes=True)["bytes"]
        if "S2" in want:
            log("ours: S2 one fitter's scope")
            runs = [pull_process(url, fitter_a) for _ in range(args.repeats + 1)][1:]
            out["S2"] = {"seconds": [r["seconds"] for r in runs], "held": runs[-1]["held"]}
            out["S2"]["by_entity"] = runs[-1]["by_entity"]
        if want & {"S3", "S4"}:
            log("ours: S3/S4 pulls at the head")
            out["S3S4"] = asyncio.run(ours_reads(url, world, args))
        if "S5" in want:
            log("ours: S5 pokes")
            out["S5"] = ours_pokes(url, world, args)
        if "S6" in want:
            log("ours: S6 push with duplicates")
            out["S6"] = [
                asyncio.run(ours_push(url, world, live_db, args, f"{i}-{uuid.uuid4().hex[:6]}"))
                for i in range(args.repeats + 1)
            ][1:]
        if "S7" in want:
            log("ours: S7 reassignment")
            out["S7"] = asyncio.run(ours_reassign(url, world, args))
        if "S8" in want:
            log(f"ours: S8 {args.clients} clients for {args.crowd_seconds:.0f} s")
            out["S8"] = asyncio.run(ours_crowd(url, world, args))
        out["rss_mb"] = peak_rss_mb(process.pid)
    return out


async def scale_point(url: str, world: data.World, cursor: int, args: argparse.Namespace) -> float:
    """S3 at one size: a client at the head (cursor from the database), 100 changes, a pull."""
    planner = world.tokens[world.planner]
    orders = all_orders(world)
    timings = []
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        client = SyncClient(http=http, headers=auth(planner))
        await client.register()
        client.cursor = cursor
        for round_ in range(args.repeats + 1):
            for i in range(args.changes):
                order_id = orders[(round_ * args.changes + i) * 7 % len(orders)]
                await contact_attempt(http, planner, order_id)
            started = time.perf_counter()
            await client.pull(limit=BATCH)
            if round_:
                timings.append(time.perf_counter() - started)
    return median(timings)


def run_scale(args: argparse.Namespace) -> dict[str, Any]:
    costs = {}
    for size in (SCALE_SMALL, SCALE_LARGE):
        log(f"ours: S3 at {size} orders (building the database if not cached)")
        database, _, world = data.build(args.cache, size)
        connection = sqlite3.connect(database)
        cursor = connection.execute("SELECT value FROM sync_counter WHERE id = 1").fetchone()[0]
        connection.close()
        with (
            tempfile.TemporaryDirectory(prefix="lockwork-bench-") as tmp,
            our_server(database, Path(tmp)) as (url, _),
        ):
            costs[size] = asyncio.run(scale_point(url, world, cursor, args))
    return {
        "ours": costs[SCALE_LARGE] / costs[SCALE_SMALL],
        "pouchdb": None,
        "ratio": None,
        "unit": f"cost at {SCALE_LARGE} / cost at {SCALE_SMALL}",
        "seconds": {str(k): v for k, v in costs.items()},
    }


def run_pouchdb(docs: Path, world: data.World, args: argparse.Namespace) -> dict[str, Any]:
    ensure_node_modules()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pouchdb-bench-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "server").mkdir()
        port = free_port()
        process = subprocess.Popen(
            [
                str(NODE_DIR / "node_modules" / ".bin" / "pouchdb-server"),
                "--port",
                str(port),
                "--host",
                "127.0.0.1",
                "--dir",
                str(tmp / "server"),
                "--config",
                str(tmp / "server" / "config.json"),
                "--no-stdout-logs",
            ],
            cwd=tmp / "server",
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "server.log").open("wb"),
        )
        url = f"http://127.0.0.1:{port}/bench"
        try:
            wait_http(f"http://127.0.0.1:{port}/", process, "pouchdb-server")
            log("pouchdb: loading the documents")
            out["load"] = peer("load", tmp, url=url, docs=str(docs))
            want = args.only
            if "S1" in want:
                log("pouchdb: S1 replication")
                runs = [peer("s1", tmp, url=url) for _ in range(args.repeats + 1)][1:]
                out["S1"] = {"seconds": [r["seconds"] for r in runs], "held": runs[-1]["held"]}
            if "S9" in want:
                out["S9"] = peer("s1", tmp, url=url, measure_bytes=True)["bytes"]
            if "S2" in want:
                log("pouchdb: S2 filtered replication")
                runs = [
                    peer("s2", tmp, url=url, fitter=world.fitters[0])
                    for _ in range(args.repeats + 1)
                ][1:]
                out["S2"] = {"seconds": [r["seconds"] for r in runs], "held": runs[-1]["held"]}
            if want & {"S3", "S4"}:
                log("pouchdb: S3/S4")
                out["S3S4"] = peer("s3s4", tmp, url=url, changes=args.changes, repeats=args.repeats)
            if "S5" in want:
                log("pouchdb: S5 live changes")
                out["S5"] = peer(
                    "s5", tmp, url=url, warmup=args.warmup_samples, samples=args.samples
                )["latencies"]
            if "S6" in want:
                log("pouchdb: S6 push with duplicates")
                out["S6"] = [
                    peer(
                        "s6",
                        tmp,
                        url=url,
                        mutations=args.mutations,
                        duplicate_share=args.duplicate_share,
                        orders=world.orders_of[world.fitters[0]],
                    )
                    for _ in range(args.repeats + 1)
                ][1:]
            out["rss_mb"] = peak_rss_mb(process.pid)
        finally:
            stop(process)
    return out
