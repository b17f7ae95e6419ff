"""The sync benchmark's harness: our server and pouchdb-server as processes, the PouchDB peer
(``bench/node/peer.js``), and the small statistics every scenario uses.

The two servers run one after the other, never at once (two cores). PouchDB and
pouchdb-server come from npm into ``bench/node`` (``npm ci`` against the committed lockfile when
``node_modules`` is missing); they are never a dependency of the product.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).resolve().parents[1] / "node"
CACHE = ROOT / "var" / "bench"  # generated databases, reused between runs (var/ is ignored)
START_TIMEOUT = 60.0


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
