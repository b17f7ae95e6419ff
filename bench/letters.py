"""Booking letters in bulk: how long 1,000 letters take and how many megabytes they make.

Measures, in this process after imports and one warm-up letter:
- ``render``: each letter drawn on its own (as the bulk generation stores one PDF per order);
- ``merge``: the stored letters merged into one file to print (a day's batch);
- ``batch``: the same letters drawn into one document at once (the font embedded once);
- ``each``: drawn together 25 at a time and taken apart into one PDF per order, as the
  server's letter job does (server.booking.letters.render_each).
Prints a table and, with ``--json PATH``, writes the figures. It never asserts.

    python -m bench.letters --letters 1000 --json bench/results/letters.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from server.booking import codes
from server.booking.jobs import LETTERS_PER_DRAW as DRAW
from server.booking.letters import (
    LetterFacts,
    merge_letters,
    render_each,
    render_letter,
    render_letters,
)

FIRST_NAMES = ["Åsa", "Örjan", "Ingrid", "Bjørn", "Kjersti", "Märta", "Sven-Åke", "Ævar", "Liv"]
LAST_NAMES = ["Öberg", "Lindström", "Sæther", "Ødegård", "Andersson", "Hägg", "Nyström", "Bø"]
STREETS = ["Kungsängsgatan", "Svartbäcksgatan", "Storgatan", "Søndre gate", "Fjällvägen"]


def sample_facts(count: int, seed: int) -> list[LetterFacts]:
    rng = random.Random(seed)
    base = LetterFacts(
        organisation_name="Låsservice Uppsala AB",
        contact_phone="018-727 00 00",
        resident_name="",
        street="",
        postcode="",
        town="Uppsala",
        planned_start=None,
        estimate_minutes=60,
        fitter_name="Jørgen Sæther",
        reply_sms_number="+46766861004",
        reply_url="https://lockwork.example.se/s",
    )
    day = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    return [
        replace(
            base,
            resident_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
            postcode=f"7{rng.randint(10, 99)} {rng.randint(10, 99)}",
            planned_start=day + timedelta(days=i // 20, minutes=30 * (i % 20)),
            booking_code=codes.new_code(),
            order_reference=f"W-{i:06d}",
            language=rng.choice(["sv", "sv", "sv", "nb", "en"]),
        )
        for i in range(count)
    ]


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(count: int, seed: int) -> dict[str, Any]:
    facts = sample_facts(count, seed)
    render_letter(facts[0])  # warm-up: imports, the font's first parse
    rss_before = peak_rss_mb()

    started, cpu_started = time.perf_counter(), time.process_time()
    letters = [render_letter(f) for f in facts]
    render_seconds = time.perf_counter() - started
    # CPU seconds too: on a shared two-core machine the wall clock also counts others' work.
    render_cpu_seconds = time.process_time() - cpu_started

    started = time.perf_counter()
    merged = merge_letters(letters)
    merge_seconds = time.perf_counter() - started

    started = time.perf_counter()
    batch = render_letters(facts)
    batch_seconds = time.perf_counter() - started

    started, cpu_started = time.perf_counter(), time.process_time()
    each: list[bytes] = []
    for index in range(0, len(facts), DRAW):
        each.extend(render_each(facts[index : index + DRAW]))
    each_seconds = time.perf_counter() - started
    each_cpu_seconds = time.process_time() - cpu_started

    letter_bytes = sum(len(letter) for letter in letters)
    return {
        "letters": count,
        "render_seconds": round(render_seconds, 3),
        "render_ms_per_letter": round(1000 * render_seconds / count, 2),
        "render_cpu_seconds": round(render_cpu_seconds, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "letters_mb": round(letter_bytes / 1e6, 2),
        "letter_kb_mean": round(letter_bytes / count / 1e3, 1),
        "merge_seconds": round(merge_seconds, 3),
        "merged_mb": round(len(merged) / 1e6, 2),
        "batch_seconds": round(batch_seconds, 3),
        "batch_mb": round(len(batch) / 1e6, 2),
        "each_seconds": round(each_seconds, 3),
        "each_cpu_seconds": round(each_cpu_seconds, 3),
        "each_ms_per_letter": round(1000 * each_seconds / count, 2),
        "each_mb": round(sum(len(p) for p in each) / 1e6, 2),
        "peak_rss_mb_before": round(rss_before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    result = run(args.letters, args.seed)
    rows = [
        ("letters", f"{result['letters']}"),
        (
            "render, one PDF each",
            f"{result['render_seconds']} s ({result['render_ms_per_letter']} ms a letter, "
            f"{result['render_cpu_seconds']} s CPU), "
            f"{result['letters_mb']} MB ({result['letter_kb_mean']} kB a letter)",
        ),
        ("merge to one file", f"{result['merge_seconds']} s, {result['merged_mb']} MB"),
        ("draw as one document", f"{result['batch_seconds']} s, {result['batch_mb']} MB"),
        (
            f"drawn {DRAW} at a time, one PDF each",
            f"{result['each_seconds']} s ({result['each_ms_per_letter']} ms a letter, "
            f"{result['each_cpu_seconds']} s CPU), {result['each_mb']} MB",
        ),
        ("peak RSS", f"{result['peak_rss_mb']} MB (after warm-up {result['peak_rss_mb_before']})"),
        ("load average (1 min)", f"{result['load_average_1min']} on {os.cpu_count()} cores"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
