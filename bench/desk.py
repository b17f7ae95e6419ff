"""The planner's dispatch board (issue 11) in Debian's headless Chromium at 1280x800. Figures
only, never asserted.

    python -m bench.desk --json var/bench/desk.json
    python -m bench.desk --orders 200 --repeats 1 --json /tmp/desk.json     # a quick look

The data are bench/data.py's (``--orders`` over 50 fitters, cached in var/bench), with the
planned visits spread over the week of Monday 9 March 2026, four a day per fitter (08, 10,
13 and 15 Swedish time); the other half of the orders (ordered, contacting) wait in the queue.

1. First render: the planner, logged in and synced, opens the week board afresh; time from
   navigation start until every planned visit is on the board and the queue is listed
   (median of ``--repeats``, each a new page).
2. Applying a drag: a queue order dropped on a fitter's day; time from the drop until the
   board, reloaded from the server, shows it in that day (median of ``--repeats`` drags).
3. Bytes: what the board's API calls transfer (compressed, as sent), and the desk's own code
   (pwa/app/desk and the desk screens, gzipped as the server sends them).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import data
from bench.sync.harness import CACHE, log, our_server
from server.pwa_routes import PWA_DIR

CHROMIUM = os.environ.get("LOCKWORK_CHROMIUM", "/usr/lib/chromium/chromium")
DESK = {"width": 1280, "height": 800}
GZIP_LEVEL = 6  # the server's (server/app.py GZIP_LEVEL)
WEEK = ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13"]
# UTC hours of the visits: 08, 10, 13 and 15 in Stockholm in March (UTC+1).
VISIT_HOURS_UTC = [7, 9, 12, 14]
# Bounds that turn a hang into an error; they are not figures.
RENDER_TIMEOUT_S = 60.0
SYNC_TIMEOUT_MS = 300_000
POLL_S = 0.02

# Installed before the app's scripts (init scripts are not subject to the CSP): when the board
# shows `want` visits and the queue its count; when a drop happens and when the dropped order
# shows on the board.
PROBE = """(want) => {
  window.__bench = {};
  const check = () => {
    const b = window.__bench;
    const blocks = document.querySelectorAll('.block[data-drag]').length;
    const queue = document.querySelector('[data-testid="queue-count"]');
    if (b.rendered == null && blocks >= want && queue) b.rendered = performance.now();
    if (b.dropped != null && b.applied == null && b.watch
        && document.querySelector(`[data-testid="${b.watch}"] [data-order-id="${b.order}"]`)) {
      b.applied = performance.now();
    }
  };
  document.addEventListener('drop', () => { window.__bench.dropped = performance.now(); }, true);
  new MutationObserver(check)
    .observe(document, { childList: true, subtree: true, characterData: true });
}"""


DROP = """([order, cell]) => {
  const data = new DataTransfer();
  const source = document.querySelector(`.qitem[data-order-id="${order}"]`);
  const target = document.querySelector(`[data-testid="${cell}"]`);
  const event = (type) => new DragEvent(
    type, { bubbles: true, cancelable: true, dataTransfer: data });
  source.dispatchEvent(event('dragstart'));
  target.dispatchEvent(event('dragover'));
  target.dispatchEvent(event('drop'));
  source.dispatchEvent(event('dragend'));
}"""


def spread_visits(database: Path) -> int:
    """Spread the planned visits over the week, four a day per fitter; returns how many."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT id, assigned_fitter FROM work_order WHERE planned_start IS NOT NULL "
            "ORDER BY reference"
        ).fetchall()
        seen: dict[str, int] = {}
        for order_id, fitter in rows:
            index = seen.get(fitter, 0)
            seen[fitter] = index + 1
            day = WEEK[(index // len(VISIT_HOURS_UTC)) % len(WEEK)]
            hour = VISIT_HOURS_UTC[index % len(VISIT_HOURS_UTC)]
            connection.execute(
                "UPDATE work_order SET planned_start = ?, estimate_minutes = 60 WHERE id = ?",
                (f"{day} {hour:02d}:00:00+00:00", order_id),
            )
        connection.commit()
        return len(rows)
    finally:
        connection.close()


def desk_code_bytes() -> dict[str, int]:
    app = PWA_DIR / "app"
    files = [*(app / "desk").glob("*.js"), *(app / "screens").glob("desk-*.js")]
    return {
        "files": len(files),
        "raw": sum(p.stat().st_size for p in files),
        "gzip": sum(len(gzip.compress(p.read_bytes(), compresslevel=GZIP_LEVEL)) for p in files),
    }


def wait_for(page: Any, key: str) -> float:
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    while time.monotonic() < deadline:
        value = page.evaluate(f"window.__bench && window.__bench.{key}")
        if value is not None:
            return float(value)
        time.sleep(POLL_S)
    state = page.evaluate(
        "() => ({ blocks: document.querySelectorAll('.block[data-drag]').length, "
        "bench: window.__bench, "
        "text: document.querySelector('[data-testid=\"desk-message\"]')?.innerText })"
    )
    raise RuntimeError(f"the page never reached {key!r} in {RENDER_TIMEOUT_S:.0f} s: {state}")


def api_bytes(page: Any) -> int:
    return int(
        page.evaluate(
            """() => performance.getEntriesByType('resource')
              .filter((e) => e.name.includes('/api/'))
              .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0)"""
        )
    )


def run(orders: int, repeats: int, cache: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    database, _docs, _world = data.build(cache, orders)
    result: dict[str, Any] = {"orders": orders, "fitters": data.FITTERS, "days": len(WEEK)}
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        spread = tmp / "spread.sqlite3"
        spread.write_bytes(database.read_bytes())
        planned = spread_visits(spread)
        result["planned_visits"] = planned
        result["queue_orders"] = orders - planned
        (tmp / "server").mkdir()
        with our_server(spread, tmp / "server") as (url, _process), sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            context = browser.new_context(
                viewport=DESK, locale="sv-SE", timezone_id="Europe/Stockholm"
            )
            context.add_init_script(f"({PROBE})({planned})")
            page = context.new_page()
            page.goto(url + "/login?next=/orders")
            page.get_by_label("Användarnamn").fill("planner")
            page.get_by_label("Lösenord").fill(data.BENCH_PASSWORD)
            page.get_by_role("button", name="Logga in").click()
            # Logged in and the planner's own sync done ("Synkad 10:42", not "Ej synkad än").
            page.wait_for_function(
                "() => document.querySelector('[data-testid=\"last-sync\"]')"
                "?.textContent.trim().startsWith('Synkad')",
                timeout=SYNC_TIMEOUT_MS,
            )
            renders, drags, bytes_loaded = [], [], []
            board = f"{url}/desk?view=week&date={WEEK[0]}"
            for run_index in range(repeats):
                log(f"desk: first render {run_index + 1}/{repeats}")
                page.goto(board)
                renders.append(wait_for(page, "rendered"))
                bytes_loaded.append(api_bytes(page))
            for run_index in range(repeats):
                log(f"desk: drag {run_index + 1}/{repeats}")
                page.goto(board)
                wait_for(page, "rendered")
                order_id = page.locator(".qitem[data-drag]").first.get_attribute("data-order-id")
                row = page.locator("tr[data-fitter-row]").nth(run_index)
                cell = f"cell-{row.get_attribute('data-fitter-row')}-{WEEK[2]}"
                page.evaluate(
                    "([watch, order]) => Object.assign(window.__bench, { watch, order })",
                    [cell, order_id],
                )
                # The drop itself as the board receives it (the browser tests drag with the
                # mouse; here the figure is the time from the drop to the board showing it).
                page.evaluate(DROP, [order_id, cell])
                applied = wait_for(page, "applied")
                drags.append(applied - wait_for(page, "dropped"))
            browser.close()
    result["first_render_ms"] = {"median": statistics.median(renders), "runs": renders}
    result["apply_drag_ms"] = {"median": statistics.median(drags), "runs": drags}
    result["api_bytes_first_render"] = {"median": statistics.median(bytes_loaded)}
    result["desk_code_bytes"] = desk_code_bytes()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.orders, args.repeats, args.cache)
    text = json.dumps(result, indent=2)
    print(
        f"board of {result['fitters']} fitters x {result['days']} days, "
        f"{result['planned_visits']} visits, {result['queue_orders']} in the queue: "
        f"first render {result['first_render_ms']['median']:.0f} ms, "
        f"apply a drag {result['apply_drag_ms']['median']:.0f} ms, "
        f"API {result['api_bytes_first_render']['median'] / 1024:.0f} KiB, "
        f"desk code {result['desk_code_bytes']['gzip'] / 1024:.1f} KiB gzip"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
