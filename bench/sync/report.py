"""The sync benchmark's report: raw figures -> the JSON result (ours, PouchDB, their ratio, per
scenario) and the printed table with each scenario's target. Figures only: nothing asserts.
"""

from __future__ import annotations

import argparse
from typing import Any

from bench import data
from bench.sync.harness import median, percentile
from bench.sync.scenarios import BATCH, SCALE_LARGE, SCALE_SMALL

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
