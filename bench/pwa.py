"""The PWA's figures, in Debian's headless Chromium (issue 4). Figures only, never asserted.

    python -m bench.pwa --json var/bench/pwa.json
    python -m bench.pwa --per-fitter 50 --repeats 1 --json /tmp/pwa.json     # a quick look

1. Offline cold start: a fitter with ``--per-fitter`` orders (500) on the phone; the browser is
   started afresh on its profile, offline, and opens /orders; time from navigation start to
   the rendered list with every order on it (median of ``--repeats``, each a new browser).
2. The app's JS + CSS: every file the service worker precaches, and what a first visit loads,
   gzip-compressed like the server does (level 6).
3. Initial sync of that fitter's scope into IndexedDB (a fresh browser context each run): our
   app from its first /api/sync request until it shows "Synkad", against PouchDB's browser
   replication of the same orders as documents (bench/data.py ``pouch_doc``) from
   pouchdb-server, filtered to the fitter (the way PouchDB gives one person their share),
   until ``replicate`` resolves. PouchDB's browser bundle is served from bench/node's
   node_modules to a page on pouchdb-server's origin. Target: ours / PouchDB <= 0.5.

The data are bench/data.py's (``--per-fitter`` x 50 fitters, cached in var/bench); the two
servers run one after the other, never at once (two cores).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import data
from bench.sync.harness import (
    CACHE,
    NODE_DIR,
    ensure_node_modules,
    free_port,
    log,
    our_server,
    peer,
    stop,
    wait_http,
)
from server.pwa_routes import PWA_DIR

CHROMIUM = os.environ.get("LOCKWORK_CHROMIUM", "/usr/lib/chromium/chromium")
PHONE = {"width": 360, "height": 740}
GZIP_LEVEL = 6  # the server's (server/app.py GZIP_LEVEL)
TARGET_RATIO = 0.5
# Bounds that turn a hang into an error; they are not figures.
SYNC_TIMEOUT_S = 300.0
RENDER_TIMEOUT_S = 60.0
POLL_S = 0.05

# Installed before the app's scripts (Playwright init scripts are not subject to the CSP):
# the time, from navigation start, at which the list shows `want` orders, and at which the
# status bar first says "Synkad" (with the start of the first sync request).
PROBE = """(want) => {
  window.__bench = {};
  const check = () => {
    const b = window.__bench;
    const rows = document.querySelectorAll('[data-testid="order-row"]').length;
    if (b.rendered == null && rows >= want) b.rendered = performance.now();
    const last = document.querySelector('[data-testid="last-sync"]');
    if (b.synced == null && last && last.textContent.includes('Synkad')) {
      b.synced = performance.now();
      const first = performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/sync/'))
        .sort((x, y) => x.startTime - y.startTime)[0];
      b.sync_started = first ? first.startTime : null;
    }
  };
  new MutationObserver(check)
    .observe(document, { childList: true, subtree: true, characterData: true });
}"""

POUCH_PAGE = """<!doctype html><meta charset="utf-8"><title>PouchDB bench</title>
<script src="/bench-page/pouchdb.min.js"></script>"""

POUCH_REPLICATE = """async ({ url, fitter, name }) => {
  const local = new PouchDB(name);  // the browser's default adapter: IndexedDB
  const started = performance.now();
  await PouchDB.replicate(new PouchDB(url, { skip_setup: true }), local, {
    batch_size: 1000, filter: 'bench/by_fitter', query_params: { fitter } });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, held: (await local.info()).doc_count, adapter: local.adapter };
}"""


def median(values: list[float]) -> float:
    return statistics.median(values)


def wait_for(page: Any, key: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(f"window.__bench && window.__bench.{key}")
        if value is not None:
            return float(value)
        time.sleep(POLL_S)
    raise RuntimeError(f"the page never reached {key!r} in {timeout:.0f} s")


def launch_options() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "headless": True, "args": ["--no-sandbox"]}


def context_options() -> dict[str, Any]:
    return {
        "viewport": PHONE,
        "locale": "sv-SE",
        "timezone_id": "Europe/Stockholm",
        "service_workers": "allow",
    }


def log_in(page: Any, url: str, username: str) -> None:
    page.goto(url + "/login?next=/orders")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(data.BENCH_PASSWORD)
    page.get_by_role("button", name="Logga in").click()


# -- ours ------------------------------------------------------------------------------------


def gzip_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=GZIP_LEVEL))


def shell_bytes() -> dict[str, int]:
    """Every JS and CSS file of the app (what the service worker precaches), gzipped one by
    one as the server sends them."""
    files = [p for p in PWA_DIR.rglob("*") if p.suffix in {".js", ".css"} and p.is_file()]
    files = [p for p in files if "tools" not in p.relative_to(PWA_DIR).parts]
    return {
        "files": len(files),
        "raw": sum(p.stat().st_size for p in files),
        "gzip": sum(gzip_size(p.read_bytes()) for p in files),
    }


def run_ours(playwright: Any, database: Path, username: str, want: int, repeats: int) -> dict:
    out: dict[str, Any] = {"initial_sync_s": [], "cold_start_ms": []}
    with tempfile.TemporaryDirectory(prefix="pwa-bench-") as tmp_name:
        tmp = Path(tmp_name)
        with our_server(database, tmp) as (url, _process):
            browser = playwright.chromium.launch(**launch_options())
            try:
                for run in range(repeats):
                    log(f"ours: initial sync {run + 1}/{repeats}")
                    context = browser.new_context(**context_options())
                    loaded: list[str] = []
                    # The page's own requests (the worker's precache fetches the rest).
                    context.on(
                        "request",
                        lambda r, loaded=loaded: (
                            loaded.append(r.url) if r.service_worker is None else None
                        ),
                    )
                    context.add_init_script(script=f"({PROBE})({want})")
                    page = context.new_page()
                    log_in(page, url, username)
                    synced = wait_for(page, "synced", SYNC_TIMEOUT_S)
                    started = page.evaluate("window.__bench.sync_started")
                    held = page.evaluate(
                        "import('/app/store.js').then((s) => s.all('order')).then((a) => a.length)"
                    )
                    out["initial_sync_s"].append((synced - started) / 1000)
                    out["held"] = held
                    out["first_visit"] = first_visit_bytes(loaded, url)
                    context.close()
            finally:
                browser.close()
            profile = tmp / "profile"
            log("ours: filling a phone for the offline cold start")
            context = playwright.chromium.launch_persistent_context(
                str(profile), **launch_options(), **context_options()
            )
            page = context.pages[0] if context.pages else context.new_page()
            context.add_init_script(script=f"({PROBE})({want})")
            log_in(page, url, username)
            wait_for(page, "rendered", SYNC_TIMEOUT_S)
            page.evaluate(
                """async () => { await navigator.serviceWorker.ready;
                     if (!navigator.serviceWorker.controller) await new Promise((r) =>
                       navigator.serviceWorker.addEventListener('controllerchange', r)); }"""
            )
            context.close()
            for run in range(repeats):
                log(f"ours: offline cold start {run + 1}/{repeats}")
                context = playwright.chromium.launch_persistent_context(
                    str(profile), **launch_options(), **context_options(), offline=True
                )
                context.add_init_script(script=f"({PROBE})({want})")
                page = context.pages[0] if context.pages else context.new_page()
                page.goto(url + "/orders")
                out["cold_start_ms"].append(wait_for(page, "rendered", RENDER_TIMEOUT_S))
                count = page.get_by_test_id("order-row").count()
                if count < want:
                    raise RuntimeError(f"cold start rendered {count} orders, expected {want}")
                context.close()
    return out


def first_visit_bytes(urls: list[str], origin: str) -> dict[str, int]:
    """The app's own JS and CSS that the page of a first visit (login, first sync, the list)
    asked for; the service worker's precache fetches the rest of the shell alongside."""
    seen = sorted(
        {u.split("?")[0] for u in urls if u.startswith(origin) and u.endswith((".js", ".css"))}
    )
    paths: set[Path] = set()  # a file may be asked for by its versioned and its plain path
    for u in seen:
        rel = u[len(origin) :].lstrip("/")
        if rel.startswith("v/"):
            rel = rel.split("/", 2)[2]
        path = PWA_DIR / rel
        if path.is_file():
            paths.add(path)
    return {
        "files": len(paths),
        "raw": sum(p.stat().st_size for p in paths),
        "gzip": sum(gzip_size(p.read_bytes()) for p in paths),
    }


# -- PouchDB ---------------------------------------------------------------------------------


def run_pouchdb(playwright: Any, docs: Path, fitter: str, repeats: int) -> dict[str, Any]:
    ensure_node_modules()
    bundle = (NODE_DIR / "node_modules" / "pouchdb" / "dist" / "pouchdb.min.js").read_bytes()
    out: dict[str, Any] = {"initial_sync_s": []}
    with tempfile.TemporaryDirectory(prefix="pouchdb-pwa-bench-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "server").mkdir()
        port = free_port()
        process = subprocess.Popen(
            [
                str(NODE_DIR / "node_modules" / ".bin" / "pouchdb-server"),
                *("--port", str(port), "--host", "127.0.0.1", "--dir", str(tmp / "server")),
                *("--config", str(tmp / "server" / "config.json"), "--no-stdout-logs"),
            ],
            cwd=tmp / "server",
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "server.log").open("wb"),
        )
        origin = f"http://127.0.0.1:{port}"
        try:
            wait_http(origin + "/", process, "pouchdb-server")
            log("pouchdb: loading the documents")
            out["load"] = peer("load", tmp, url=origin + "/bench", docs=str(docs))
            browser = playwright.chromium.launch(**launch_options())
            try:
                for run in range(repeats):
                    log(f"pouchdb: browser replication {run + 1}/{repeats}")
                    context = browser.new_context(**context_options())
                    # The page and the bundle come from the test, on the server's origin (so
                    # no CORS set-up changes what is measured).
                    context.route(
                        f"{origin}/bench-page/",
                        lambda r: r.fulfill(body=POUCH_PAGE, content_type="text/html"),
                    )
                    context.route(
                        f"{origin}/bench-page/pouchdb.min.js",
                        lambda r: r.fulfill(body=bundle, content_type="text/javascript"),
                    )
                    page = context.new_page()
                    page.goto(f"{origin}/bench-page/")
                    result = page.evaluate(
                        POUCH_REPLICATE,
                        {"url": origin + "/bench", "fitter": fitter, "name": f"fitter-{run}"},
                    )
                    out["initial_sync_s"].append(result["seconds"])
                    out["held"] = result["held"]
                    out["adapter"] = result["adapter"]
                    context.close()
            finally:
                browser.close()
        finally:
            stop(process)
    return out


# -- the report ------------------------------------------------------------------------------


def assemble(ours: dict, pouch: dict | None, per_fitter: int, repeats: int) -> dict[str, Any]:
    sync_ours = median(ours["initial_sync_s"])
    sync_pouch = median(pouch["initial_sync_s"]) if pouch else None
    return {
        "per_fitter_orders": per_fitter,
        "repeats": repeats,
        "cold_start_offline_ms": {
            "median": median(ours["cold_start_ms"]),
            "runs": ours["cold_start_ms"],
        },
        "js_css_bytes": {"shell": shell_bytes(), "first_visit": ours["first_visit"]},
        "initial_sync": {
            "ours_s": sync_ours,
            "pouchdb_s": sync_pouch,
            "ratio": sync_ours / sync_pouch if sync_pouch else None,
            "target": f"<= {TARGET_RATIO}",
            "held": {"ours_orders": ours["held"], "pouchdb_docs": pouch and pouch["held"]},
            "runs": {"ours": ours["initial_sync_s"], "pouchdb": pouch and pouch["initial_sync_s"]},
            "pouchdb_adapter": pouch and pouch["adapter"],
        },
    }


def table(result: dict[str, Any]) -> str:
    sync = result["initial_sync"]
    shell, first = result["js_css_bytes"]["shell"], result["js_css_bytes"]["first_visit"]

    def ms(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds * 1000:.0f} ms"

    rows = [
        ("figure", "ours", "pouchdb", "ratio", "target"),
        (
            f"offline cold start, {result['per_fitter_orders']} orders listed",
            f"{result['cold_start_offline_ms']['median']:.0f} ms",
            "",
            "",
            "",
        ),
        (
            "JS+CSS gzip: precached shell",
            f"{shell['gzip'] / 1024:.1f} KiB ({shell['files']} files)",
            "",
            "",
            "",
        ),
        (
            "JS+CSS gzip: asked for by the first page",
            f"{first['gzip'] / 1024:.1f} KiB ({first['files']} files)",
            "",
            "",
            "",
        ),
        (
            f"initial sync into IndexedDB ({sync['held']['ours_orders']} orders)",
            ms(sync["ours_s"]),
            ms(sync["pouchdb_s"]),
            "-" if sync["ratio"] is None else f"{sync['ratio']:.2f}",
            sync["target"],
        ),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-fitter", type=int, default=500, help="orders on the phone")
    parser.add_argument("--repeats", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--ours-only", action="store_true", help="skip PouchDB")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where generated data is kept")
    args = parser.parse_args(argv)
    if args.per_fitter < 1 or args.repeats < 1:
        parser.error("--per-fitter and --repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not Path(CHROMIUM).exists():
        print(f"No Chromium at {CHROMIUM}: apt-get install chromium (or set LOCKWORK_CHROMIUM)")
        return 2
    from playwright.sync_api import sync_playwright

    orders = args.per_fitter * data.FITTERS
    log(f"data: {orders} orders, {args.per_fitter} per fitter (cached in {args.cache})")
    database, docs, world = data.build(args.cache, orders)
    fitter_id = world.fitters[0]
    want = len(world.orders_of[fitter_id])
    with sync_playwright() as playwright:
        ours = run_ours(playwright, database, "fitter00", want, args.repeats)
        pouch = None if args.ours_only else run_pouchdb(playwright, docs, fitter_id, args.repeats)
    result = assemble(ours, pouch, want, args.repeats)
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
        print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
