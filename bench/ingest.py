"""Benchmark the silver ingest on a local lake: the history batch and daily batches.

    .venv/bin/python bench/ingest.py [--scales 1,100] [--repeat 5] [--days 5] [--lake DIR]

- the published history (data/seed-data/committed: 10,661 sessions), as it is;
- daily batches of the seed replay (each timed once, after the history and the days before);
- per scale: the simulator's history (seed 42, CSV as the original wrote it), then `--days`
  simulated daily batches on top of it (the daily path with that much silver behind it).

A history run starts from a lake without silver (the raw files stay, silver and the ingest
ledger are removed). Each figure is the median of the runs, with the process CPU time (all
DuckDB threads) and the load average: on a shared machine a wall time far above the CPU time
means the run waited for a core. Targets: history at scale 1 under 1 s, a daily batch under
0.3 s, the history at scale 100 under 20 s.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lakehouse.bronze.landing import land
from lakehouse.config import Settings, load_settings
from lakehouse.silver.ingest import ingest_batch
from sim.api import simulate_day, simulate_history

SEED_DATA = Path(__file__).resolve().parents[1] / "data" / "seed-data"
HISTORY = date(2025, 12, 31)
TARGETS = {"history-1": 1.0, "daily-1": 0.3, "history-100": 20.0}
"""Seconds, by (figure, scale); the daily target is the daily batch of a scale-1 business."""


def timed(fn: Callable[[], object]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, load average at the start) of one call."""
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0, load


def reset_silver(lake: Path) -> None:
    shutil.rmtree(lake / "silver", ignore_errors=True)
    shutil.rmtree(lake / "_ops" / "ingest", ignore_errors=True)


def report(
    label: str, runs: list[tuple[float, float, float]], target_key: str = "", note: str = ""
) -> bool:
    walls = [w for w, _, _ in runs]
    wall, cpu = statistics.median(walls), statistics.median(c for _, c, _ in runs)
    load = statistics.median(ld for _, _, ld in runs)
    target = TARGETS.get(target_key)
    verdict = "" if target is None else ("  ok" if wall < target else f"  OVER {target:g} s")
    print(
        f"   {label:<34} median {wall:6.3f} s  (cpu {cpu:6.3f} s, min {min(walls):.3f}, "
        f"max {max(walls):.3f}, n={len(runs)}, load {load:4.1f}){verdict}{note}"
    )
    return target is None or wall < target


def history_runs(settings: Settings, lake: Path, day: date, repeat: int) -> list:
    runs = []
    for _ in range(repeat):
        reset_silver(lake)
        runs.append(timed(lambda: ingest_batch(settings, day)))
    return runs


def bench_seed(root: Path, repeat: int, days: int) -> bool:
    print("\n== the original project's files (data/seed-data)")
    ok = True
    lake = root / "committed"
    settings = load_settings(environ={}, overrides={"lake": str(lake)})
    land(settings, SEED_DATA / "committed" / "raw")
    runs = history_runs(settings, lake, HISTORY, repeat)
    ok &= report("history scale 1 (published)", runs, "history-1")

    lake = root / "replay"
    settings = load_settings(environ={}, overrides={"lake": str(lake)})
    land(settings, SEED_DATA / "replay" / "raw")
    ingest_batch(settings, HISTORY)
    batches = sorted(
        date.fromisoformat(p.name.removeprefix("ingest_date="))
        for p in (lake / "raw" / "sessions").iterdir()
    )[1:]
    in_process = batches[: max(days, 1) * 4]
    runs = [timed(functools.partial(ingest_batch, settings, d)) for d in in_process]
    ok &= report(f"daily (replay, first {len(runs)} days)", runs, "daily-1")
    cli = [str(Path(sys.executable).with_name("lakehouse")), "--lake", str(lake), "ingest"]
    runs = [
        timed(
            functools.partial(
                subprocess.run, [*cli, "--date", d.isoformat()], check=True, capture_output=True
            )
        )
        for d in batches[len(in_process) : len(in_process) + max(days, 1)]
    ]
    report("daily, `lakehouse ingest` process", runs, note="  (includes starting Python)")
    return ok


def bench_scale(root: Path, scale: float, repeat: int, days: int) -> bool:
    lake = root / f"scale-{scale:g}"
    settings = load_settings(environ={}, overrides={"lake": str(lake)})
    t0 = time.perf_counter()
    history = simulate_history(settings, seed=42, scale=scale, fmt="csv", force=True)
    landed = [simulate_day(settings).ingest_date for _ in range(days)]
    raw_mb = sum(f.stat().st_size for f in (lake / "raw").rglob("*.csv")) / 1e6
    print(
        f"\n== scale {scale:g}: simulated history of {history.sessions:,} sessions, "
        f"{history.students:,} students + {days} days ({raw_mb:.0f} MB of CSV, "
        f"simulated in {time.perf_counter() - t0:.1f} s, not timed)"
    )
    runs = history_runs(settings, lake, history.ingest_date, repeat if scale < 10 else 3)
    ok = report(f"history scale {scale:g}", runs, f"history-{scale:g}")
    daily = [timed(functools.partial(ingest_batch, settings, d)) for d in landed]
    ok &= report(f"daily (scale {scale:g}, {days} days)", daily, f"daily-{scale:g}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,100", help="comma-separated simulator scales")
    parser.add_argument("--repeat", type=int, default=5, help="runs per history figure")
    parser.add_argument("--days", type=int, default=5, help="daily batches per scale")
    parser.add_argument("--lake", help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    root = Path(args.lake or tempfile.mkdtemp(prefix="bench-ingest-"))
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    print(f"silver ingest benchmark in {root} ({os.cpu_count()} cores)")
    try:
        ok = bench_seed(root, args.repeat, args.days)
        for scale in (float(s) for s in args.scales.split(",") if s.strip()):
            ok &= bench_scale(root, scale, args.repeat, args.days)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("\nall targets met" if ok else "\nsome targets missed (see OVER above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
