"""Growth: the cost of a day on a young lake next to the same on an old one, measured in turn.

    .venv/bin/python bench/growth.py [--early 30] [--late 365] [--days 5] [--runs 3] [--keep DIR]

Builds one lake (the history, then `--late` days of `lakehouse run`), copying it aside after
`--early` days and after `--late` days. Then, `--runs` times and alternating, runs the next
`--days` days on a fresh copy of each, and compares the median CPU time per day (user+sys of
this process). Measuring both ages in turn, in the same minutes, keeps the machine's load out
of the ratio, which a single long run (bench/run.py's blocks) cannot: its late days run at
another time of day than its early ones. Target: the old lake's day within 10% of the young's.

With `--keep DIR` the two copies are kept in DIR (and reused by the next run with the same
arguments), so the long build runs once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lakehouse.config import load_settings
from lakehouse.orchestration.runner import FIRST_BUSINESS_DAY, Runner
from lakehouse.silver.ingest import ingest_batch
from sim.api import simulate_history

TARGET_GROWTH = 1.10


def run_days(lake: Path, first_offset: int, days: int) -> list[float]:
    """CPU seconds of each of `days` days of `lakehouse run` from business day
    FIRST_BUSINESS_DAY + `first_offset` on the lake at `lake`."""
    runner = Runner(load_settings(environ={}, overrides={"lake": str(lake)}))
    out = []
    for i in range(days):
        day = FIRST_BUSINESS_DAY + timedelta(days=first_offset + i)
        c0 = time.process_time()
        report = runner.run(day, day)
        out.append(time.process_time() - c0)
        if report.failed:
            raise SystemExit(f"lakehouse run failed on {day}: {report.failed.error}")
    return out


def build(store: Path, early: int, late: int, scale: float) -> None:
    lake = store / "building"
    shutil.rmtree(lake, ignore_errors=True)
    settings = load_settings(environ={}, overrides={"lake": str(lake)})
    lake.mkdir(parents=True)
    simulate_history(settings, seed=42, scale=scale)
    ingest_batch(settings, FIRST_BUSINESS_DAY)
    runner = Runner(settings)
    started = time.perf_counter()
    for offset, end in ((0, early), (early, late)):
        report = runner.run(
            FIRST_BUSINESS_DAY + timedelta(days=offset),
            FIRST_BUSINESS_DAY + timedelta(days=end - 1),
        )
        if report.failed:
            raise SystemExit(f"lakehouse run failed on {report.failed.business_date}")
        shutil.copytree(lake, store / f"day{end}")
        print(f"built {end} days ({time.perf_counter() - started:.0f}s)", flush=True)
    shutil.rmtree(lake)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--early", type=int, default=30)
    parser.add_argument("--late", type=int, default=365)
    parser.add_argument("--days", type=int, default=5, help="days measured on each copy")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", help="keep (and reuse) the two copies in this folder")
    args = parser.parse_args()

    store = Path(args.keep or tempfile.mkdtemp(prefix="bench-growth-"))
    store.mkdir(parents=True, exist_ok=True)
    if not all((store / f"day{n}").exists() for n in (args.early, args.late)):
        build(store, args.early, args.late, args.scale)
    cpu: dict[int, list[float]] = {args.early: [], args.late: []}
    for run in range(args.runs):
        for age in (args.early, args.late):
            work = store / "work"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(store / f"day{age}", work)
            per_day = run_days(work, age, args.days)
            cpu[age].append(statistics.median(per_day))
            print(
                f"run {run + 1}, lake of {age} days: {cpu[age][-1] * 1000:.0f} ms CPU/day "
                f"(load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    shutil.rmtree(store / "work", ignore_errors=True)
    young, old = (statistics.median(cpu[a]) for a in (args.early, args.late))
    print()
    print(
        f"day {args.early + 1}: {young * 1000:.0f} ms CPU; day {args.late + 1}: {old * 1000:.0f} ms"
    )
    print(
        f"growth {old / young:.2f}x (target at most {TARGET_GROWTH:.2f}x: "
        f"{'met' if old / young <= TARGET_GROWTH else 'NOT met'})"
    )
    if not args.keep:
        shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
