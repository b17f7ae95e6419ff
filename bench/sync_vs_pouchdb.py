"""Our sync protocol side by side with pouchdb-server + PouchDB, on the same work orders.

    python -m bench.sync_vs_pouchdb --orders 10000 --json var/bench/result.json
    python -m bench.sync_vs_pouchdb --quick --orders 200 --repeats 1 --skip-scale
    python -m bench.sync_vs_pouchdb --only S6,S8 --ours-only    # iterate on a few scenarios

The two servers run one after the other, never at once (two cores). Each figure is the median
of ``--repeats`` runs after one warm-up run. Figures only: nothing here asserts a timing.
PouchDB and pouchdb-server come from npm into ``bench/node`` (``npm ci`` against the committed
lockfile when ``node_modules`` is missing); they are never a dependency of the product.

The parts: `bench.sync.harness` (servers, the PouchDB peer, statistics), `bench.sync.scenarios`
(what each scenario does), `bench.sync.report` (the JSON result and the table).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import data
from bench.sync.harness import CACHE, log
from bench.sync.report import assemble, table
from bench.sync.scenarios import SCENARIOS, run_ours, run_pouchdb, run_scale


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
