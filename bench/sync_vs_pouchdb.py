"""Our sync protocol side by side with pouchdb-server + PouchDB, on the same work orders.

    python -m bench.sync_vs_pouchdb --orders 10000 --json var/bench/result.json
    python -m bench.sync_vs_pouchdb --quick --orders 200 --repeats 1 --skip-scale
    python -m bench.sync_vs_pouchdb --only S6,S8 --ours-only    # iterate on a few scenarios

The two servers run one after the other, never at once (two cores). Each figure is the median
of ``--repeats`` runs after one warm-up run. Figures only: nothing here asserts a timing.
PouchDB and pouchdb-server come from npm into ``bench/node`` (``npm ci`` against the committed
lockfile when ``node_modules`` is missing); they are never a dependency of the product.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench import data
from gateway.sync_client import SyncClient

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = Path(__file__).resolve().parent / "node"
CACHE = ROOT / "var" / "bench"  # generated databases, reused between runs (var/ is ignored)
SCALE_SMALL, SCALE_LARGE = 10_000, 100_000
BATCH = 1000
START_TIMEOUT = 60.0
TARGETS = {
    "S1": "<= 1.0",
    "S2": "<= 0.2",
    "S3": "<= 1.0",
    "S4": "<= 1.0",
    "S6": "<= 0.5, 0 doubles",
    "S7": "100 %",
    "S8": "p95 <= 100 ms",
    "S9": "<= 0.7",
    "S3_scale": "<= 1.2",
}
SCENARIOS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S9_rss", "S3_scale"]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM), in MB; None where /proc is not there."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def wait_http(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer in {START_TIMEOUT:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- our server ----------------------------------------------------------------------------


@contextlib.contextmanager
def our_server(database: Path, workdir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m server serve`` on a fresh copy of ``database``."""
    copy = workdir / "lockwork.sqlite3"
    shutil.copyfile(database, copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKWORK_")}
    env.update(
        LOCKWORK_DATABASE_URL=f"sqlite:///{copy}",
        LOCKWORK_DATA_DIR=str(workdir),
        LOCKWORK_SECRET_KEY="bench-secret-" + "2" * 40,
        LOCKWORK_LOG_LEVEL="WARNING",
        # The notification worker and escalation job would add background load to timings.
        LOCKWORK_BACKGROUND_JOBS="false",
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "server.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/api/health", process, "lockwork server")
        yield url, process
    finally:
        stop(process)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pull_process(url: str, token: str, measure_bytes: bool = False) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.pull_all", "--url", url, "--token", token]
    if measure_bytes:
        command.append("--measure-bytes")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pull_all failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


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


# -- PouchDB -------------------------------------------------------------------------------


def ensure_node_modules() -> None:
    if (NODE_DIR / "node_modules" / "pouchdb-server").exists():
        return
    log("npm ci in bench/node (pouchdb-server, pouchdb; about a minute)")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=NODE_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def peer(command: str, tmp: Path, **options: Any) -> dict[str, Any]:
    done = subprocess.run(
        ["node", "peer.js", json.dumps({"cmd": command, "tmp": str(tmp), **options})],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"peer.js {command} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


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


# -- the report ----------------------------------------------------------------------------


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def assemble(
    n: int,
    ours: dict[str, Any],
    theirs: dict[str, Any] | None,
    scale: dict[str, Any] | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    t = theirs or {}

    def pair(ours_value: float, theirs_value: float | None, unit: str, **extra: Any) -> Any:
        return {
            "ours": ours_value,
            "pouchdb": theirs_value,
            "ratio": ratio(ours_value, theirs_value),
            "unit": unit,
            **extra,
        }

    s: dict[str, Any] = {}
    if "S1" in ours:
        s["S1"] = pair(
            median(ours["S1"]["seconds"]),
            median(t["S1"]["seconds"]) if "S1" in t else None,
            "s",
            held={"ours": ours["S1"]["held"], "pouchdb": t["S1"]["held"] if "S1" in t else None},
            ours_entities=ours["S1"]["by_entity"],
            runs={
                "ours": ours["S1"]["seconds"],
                "pouchdb": t["S1"]["seconds"] if "S1" in t else None,
            },
        )
    if "S2" in ours:
        s["S2"] = pair(
            median(ours["S2"]["seconds"]),
            median(t["S2"]["seconds"]) if "S2" in t else None,
            "s",
            held={"ours": ours["S2"]["held"], "pouchdb": t["S2"]["held"] if "S2" in t else None},
            ours_entities=ours["S2"]["by_entity"],
        )
    if "S3S4" in ours:
        s["S3"] = pair(
            median(ours["S3S4"]["after"]),
            median(t["S3S4"]["after"]) if "S3S4" in t else None,
            "s",
            changes=args.changes,
            pulled={
                "ours": ours["S3S4"]["pulled"],
                "pouchdb": t["S3S4"]["pulled"] if "S3S4" in t else None,
            },
        )
    if "S3S4" in ours:
        s["S4"] = pair(
            median(ours["S3S4"]["empty"]), median(t["S3S4"]["empty"]) if "S3S4" in t else None, "s"
        )
    if "S5" in ours:
        s["S5"] = pair(
            percentile(ours["S5"], 0.5),
            percentile(t["S5"], 0.5) if "S5" in t else None,
            "s",
            p95={
                "ours": percentile(ours["S5"], 0.95),
                "pouchdb": percentile(t["S5"], 0.95) if "S5" in t else None,
            },
            samples=args.samples,
            how="ours: SSE poke after an HTTP write (contact attempt); pouchdb: live changes feed "
            "after a PUT",
        )
    if "S6" in ours:
        s["S6"] = pair(
            median([r["seconds"] for r in ours["S6"]]),
            median([r["seconds"] for r in t["S6"]]) if "S6" in t else None,
            "s",
            mutations=args.mutations,
            sent=ours["S6"][-1]["sent"],
            doubles=sum(r["doubles"] for r in ours["S6"]),
            lost=sum(r["lost"] for r in ours["S6"]),
            statuses=ours["S6"][-1]["statuses"],
            pouchdb_doubles=sum(r["doubles"] for r in t["S6"]) if "S6" in t else None,
        )
    if "S7" in ours:
        s["S7"] = {
            "ours": ours["S7"]["removed_share"],
            "pouchdb": None,
            "ratio": None,
            "unit": "share removed from A after one pull",
            **ours["S7"],
            "note": "PouchDB filtered replication never removes a document that stops matching "
            "the filter (won't-fix upstream), so A keeps all of them: not measured.",
        }
    if "S8" in ours:
        s["S8"] = {
            "ours": ours["S8"]["p95"],
            "pouchdb": None,
            "ratio": None,
            "unit": "s (p95 pull latency)",
            **ours["S8"],
        }
    if "S9" in ours:
        s["S9"] = pair(
            ours["S9"]["gzip"],
            t["S9"]["gzip"] if "S9" in t else None,
            "bytes (gzip of the S1 response bodies)",
            raw={"ours": ours["S9"]["raw"], "pouchdb": t["S9"]["raw"] if "S9" in t else None},
            responses={
                "ours": ours["S9"]["responses"],
                "pouchdb": t["S9"]["responses"] if "S9" in t else None,
            },
            server_compresses={
                "ours": bool(ours["S9"]["encodings"]),
                "pouchdb": t["S9"]["encodings"] if "S9" in t else None,
            },
            wire={
                "ours": ours["S9"].get("wire"),
                "pouchdb": t["S9"].get("wire") if "S9" in t else None,
            },
            note="Bodies only, headers not counted; each response's decoded body gzipped at "
            "level 6 on both sides (what a gzip-level-6 server sends). 'wire' is what our "
            "client really received (compressed when the server compresses).",
        )
    if "rss_mb" in ours:
        s["S9_rss"] = pair(
            ours["rss_mb"],
            t.get("rss_mb"),
            "MB (server peak RSS, VmHWM)",
        )
    s["S3_scale"] = scale or {
        "ours": None,
        "pouchdb": None,
        "ratio": None,
        "unit": f"cost at {SCALE_LARGE} / cost at {SCALE_SMALL}",
        "skipped": True,
    }
    return {
        "orders": n,
        "scenarios": s,
        "settings": {
            "repeats": args.repeats,
            "quick": args.quick,
            "ours_only": args.ours_only,
            "batch": BATCH,
            "fitters": data.FITTERS,
            "pouchdb_load": t.get("load"),
        },
    }


def fmt(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    if unit.startswith("s"):
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit.startswith("bytes"):
        return f"{value / 1e6:.2f} MB"
    if unit.startswith("MB"):
        return f"{value:.0f} MB"
    return f"{value:.3g}"


def table(result: dict[str, Any]) -> str:
    rows = [("scenario", "ours", "pouchdb", "ratio", "target", "also")]
    for key, s in result["scenarios"].items():
        unit = s["unit"]
        also = ""
        if key == "S5":
            also = "p95 " + " / ".join(fmt(v, "s") for v in s["p95"].values())
        elif key == "S6":
            also = f"doubles {s['doubles']} (pouchdb {s['pouchdb_doubles']})"
        elif key == "S7":
            also = f"present at B {s['present_share']:.0%}"
            ours = f"{s['ours']:.0%}"
        elif key == "S8":
            also = f"p50 {fmt(s['p50'], 's')}, {s['pulls']} pulls, {s['errors']} errors"
        elif key in {"S1", "S2"}:
            also = f"rows {s['held']['ours']} / docs {s['held']['pouchdb']}"
        elif key == "S3_scale" and s.get("seconds"):
            also = " / ".join(fmt(v, "s") for v in s["seconds"].values())
        if key != "S7":
            ours = fmt(s["ours"], "s" if key == "S8" else unit)
        if key == "S3_scale":
            ours = "skipped" if s["ours"] is None else f"{s['ours']:.2f}"
        rows.append(
            (
                key,
                ours,
                fmt(s["pouchdb"], unit),
                "-" if s["ratio"] is None else f"{s['ratio']:.2f}",
                TARGETS.get(key, ""),
                also,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--skip-scale", action="store_true", help="no S3 at 100k vs 10k")
    parser.add_argument("--ours-only", action="store_true", help="no PouchDB (no npm)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated databases")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenarios to run alone, e.g. S6,S8 (default: all of them)",
    )
    args = parser.parse_args(argv)
    by_name = {name.lower(): name for name in SCENARIOS}
    asked = [name.strip().lower() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in asked if name not in by_name]
    if unknown:
        parser.error(
            f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    args.only = {by_name[name] for name in asked} or set(SCENARIOS)
    if "S3_scale" not in args.only:
        args.skip_scale = True
    args.changes = 100
    args.reassign = 100
    args.clients = 50
    args.duplicate_share = 0.1
    args.mutations = 100 if args.quick else 1000
    args.samples = 5 if args.quick else 50
    args.warmup_samples = 1 if args.quick else 5
    args.crowd_seconds = 3.0 if args.quick else 60.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    log(f"generating {args.orders} orders (cached in {args.cache})")
    database, docs, world = data.build(args.cache, args.orders, verify=args.quick)
    ours = run_ours(database, world, args)
    compared = args.only & {"S1", "S2", "S3", "S4", "S5", "S6", "S9"}
    theirs = None if args.ours_only or not compared else run_pouchdb(docs, world, args)
    scale = None if args.skip_scale else run_scale(args)
    result = assemble(args.orders, ours, theirs, scale, args)
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
