"""Benchmark `materialize`: gold from silver at scale 1 and 100 on a local lake.

    .venv/bin/python bench/materialize.py [--scales 1,100] [--days 7] [--repeat 3] [--lake DIR]

For each scale: simulate the history (seed 42) and `--days` daily batches, ingest them all
into silver (not timed), then time `materialize` once on a lake without gold (first) and
`--repeat` more times (rebuilds over existing gold), printing the time of each gold model.
Then the daily case: gold built as of the day before the last batch, and the last batch's
build timed incrementally and as a full rebuild, `--repeat` times in turn on fresh copies (the
incremental one with `gold.incremental_from_sessions` at 0, so it is incremental at any scale).
Targets: under 1 s at scale 1, under 10 s at scale 100 (wall clock). Each run also prints
its process CPU time (all DuckDB threads) and the 1-minute load average when it started: on a
shared machine a wall time far above the CPU time means the run waited for a core.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lakehouse.config import load_settings
from lakehouse.gold.materialize import materialize
from lakehouse.lake.catalog import connect_lake, lake_stats
from lakehouse.silver.ingest import ingest_batch
from sim.api import simulate_day, simulate_history

TARGETS_S = {1.0: 1.0, 100.0: 10.0}


def build_silver(lake: Path, scale: float, days: int) -> tuple[float, float]:
    """Simulate and ingest; return (simulate seconds, ingest seconds)."""
    settings = load_settings(environ={}, overrides={"lake": str(lake)})
    t0 = time.perf_counter()
    history = simulate_history(settings, seed=42, scale=scale, force=True)
    landed = [history.ingest_date]
    for _ in range(days):
        landed.append(simulate_day(settings).ingest_date)
    t1 = time.perf_counter()
    for ingest_date in landed:
        ingest_batch(settings, ingest_date)
    return t1 - t0, time.perf_counter() - t1


def bench_scale(lake: Path, scale: float, days: int, repeat: int) -> bool:
    settings = load_settings(environ={}, overrides={"lake": str(lake)})
    if (lake / "silver" / "fct_sessions").is_dir():
        sim_s = ingest_s = 0.0  # a kept lake from an earlier run (--lake DIR --keep)
    else:
        sim_s, ingest_s = build_silver(lake, scale, days)
    silver = {t.name: t.rows for t in lake_stats(settings, ("silver",))}
    print(
        f"\n== scale {scale:g}: history + {days} daily batches "
        f"(simulate {sim_s:.1f} s, ingest {ingest_s:.1f} s, not timed below)"
    )
    print(
        f"   silver: {silver.get('silver.fct_sessions', 0):,} sessions, "
        f"{silver.get('silver.dim_students', 0):,} student versions, "
        f"{silver.get('silver.dim_tutors', 0):,} tutor versions"
    )
    runs = []
    for i in range(1 + repeat):
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        result = materialize(settings)
        runs.append(time.perf_counter() - t0)
        cpu = time.process_time() - c0
        label = "first (no gold yet)" if i == 0 else f"rebuild {i}"
        steps = "  ".join(f"{k.removeprefix('gold.')} {v:.2f}" for k, v in result.seconds.items())
        print(f"   {label:<20} {runs[-1]:6.2f} s (cpu {cpu:5.2f} s, load {load:4.1f})   [{steps}]")
    counts = ", ".join(f"{k.removeprefix('gold.')} {v:,}" for k, v in result.row_counts.items())
    print(f"   gold rows: {counts}; revenue {result.total_revenue:,.2f}")
    target = TARGETS_S.get(scale)
    worst = max(runs)
    verdict = "" if target is None else ("PASS" if worst < target else "FAIL")
    target_text = f"target < {target:g} s: {verdict}" if target else "no target"
    print(
        f"   materialize: worst {worst:.2f} s, median {statistics.median(runs):.2f} s "
        f"({target_text})"
    )
    return verdict != "FAIL"


def bench_daily(lake: Path, repeat: int) -> None:
    """One day's gold, incremental against full, on copies of a lake whose gold is a day old."""
    template = lake.with_name(lake.name + "-daily")
    shutil.rmtree(template, ignore_errors=True)
    shutil.copytree(lake, template)
    # gold stored as the timed builds store it (partitioned: `gold.incremental_from_sessions`
    # 0), so neither of them pays the one-off change of layout
    settings = load_settings(
        environ={}, overrides={"lake": str(template), "gold.incremental_from_sessions": 0}
    )
    con = connect_lake(settings, read_only=True)
    days = [
        d
        for (d,) in con.execute(
            "SELECT DISTINCT ingest_date FROM lake.silver.ingest_batches ORDER BY 1"
        ).fetchall()
    ]
    con.close()
    materialize(settings, days[-2], full=True)
    figures: dict[str, list[tuple[float, float]]] = {"incremental": [], "full": []}
    work = lake.with_name(lake.name + "-work")
    for _ in range(max(1, repeat)):  # at least one pair, even with --repeat 0
        for mode in figures:
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(template, work)
            overrides = {"lake": str(work), "gold.incremental_from_sessions": 0}
            t0, c0 = time.perf_counter(), time.process_time()
            result = materialize(
                load_settings(environ={}, overrides=overrides), full=mode == "full"
            )
            figures[mode].append((time.process_time() - c0, time.perf_counter() - t0))
            assert result.mode == mode, (result.mode, result.reason)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(template, ignore_errors=True)
    cpu = {m: statistics.median(c for c, _ in v) for m, v in figures.items()}
    wall = {m: statistics.median(w for _, w in v) for m, v in figures.items()}
    print(
        f"   daily build of {days[-1]}: incremental {cpu['incremental']:.2f} s CPU "
        f"({wall['incremental']:.2f} s wall), full {cpu['full']:.2f} s CPU ({wall['full']:.2f} s "
        f"wall): incremental/full {cpu['incremental'] / cpu['full']:.2f}x CPU"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,100", help="comma-separated scale factors")
    parser.add_argument("--days", type=int, default=7, help="daily batches after the history")
    parser.add_argument("--repeat", type=int, default=3, help="timed rebuilds after the first")
    parser.add_argument(
        "--lake",
        help="parent folder for the lakes (default: a temp folder); a lake already holding "
        "silver there is reused as it is",
    )
    parser.add_argument("--keep", action="store_true", help="keep the lakes")
    args = parser.parse_args()
    parent = Path(args.lake or tempfile.mkdtemp(prefix="bench-materialize-"))
    ok = True
    try:
        for scale in (float(s) for s in args.scales.split(",")):
            ok &= bench_scale(parent / f"scale-{scale:g}", scale, args.days, args.repeat)
            bench_daily(parent / f"scale-{scale:g}", args.repeat)
    finally:
        if not args.keep:
            shutil.rmtree(parent, ignore_errors=True)
        else:
            print(f"\nlakes kept under {parent}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
