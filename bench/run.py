"""Benchmark `lakehouse run`: N business days (default 365) at scale 1 through the event chain.

    .venv/bin/python bench/run.py [--days 365] [--scale 1] [--lake DIR] [--keep]

Prints the total and per-day time, per-stage figures (mean, p50, p95, max), and how the per-day
cost grows with the lake: the mean of each stage per block of days next to the lake's size at
the end of the block, and a least-squares slope in ms per 100 days. Target: 365 days in under
90 s. The per-day target is a ratio to the floor (bench/floor.py), and growth is measured with
both ages in turn (bench/growth.py): a long run's late days meet another load than its early
ones.
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

from lakehouse.chain import STAGES
from lakehouse.config import load_settings
from lakehouse.orchestration.runner import FIRST_BUSINESS_DAY, Runner

TARGET_TOTAL_S = 90.0


def lake_size(root: Path) -> tuple[int, int]:
    """(files, bytes) under the lake folder, excluding exports (they are replaced each day)."""
    files = size = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, name))
    return files, size


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def slope_ms_per_100_days(values: list[float]) -> float:
    """Least-squares slope of a per-day series, in milliseconds per 100 days."""
    n = len(values)
    if n < 2:
        return 0.0
    xs = range(n)
    mx, my = (n - 1) / 2, statistics.fmean(values)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, values, strict=True))
    den = sum((x - mx) ** 2 for x in xs)
    return num / den * 1000 * 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--block", type=int, default=30, help="days per growth block")
    parser.add_argument("--lake", help="lake folder (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the lake afterwards")
    args = parser.parse_args()

    from lakehouse.silver.ingest import ingest_batch
    from sim.api import simulate_history

    root = Path(args.lake or tempfile.mkdtemp(prefix="bench-run-")) / "lake"
    shutil.rmtree(root, ignore_errors=True)
    settings = load_settings(environ={}, overrides={"lake": str(root)})
    root.mkdir(parents=True)

    t0 = time.perf_counter()
    simulate_history(settings, seed=args.seed, scale=args.scale)
    ingest_batch(settings, FIRST_BUSINESS_DAY)
    setup_s = time.perf_counter() - t0
    print(f"setup (history at scale {args.scale} + its ingest): {setup_s:.1f}s; lake {root}")

    runner = Runner(settings)
    per_stage: dict[str, list[float]] = {s: [] for s in STAGES}
    per_day: list[float] = []
    sizes: list[tuple[int, int, int]] = []
    cpu: list[float] = []
    start = FIRST_BUSINESS_DAY
    t_run = time.perf_counter()
    for block_start in range(0, args.days, args.block):
        first = start + timedelta(days=block_start)
        last = start + timedelta(days=min(args.days, block_start + args.block) - 1)
        c0 = time.process_time()
        report = runner.run(first, last)
        cpu.append((time.process_time() - c0) / len(report.days))
        if report.failed:
            print(f"FAILED on {report.failed.business_date}: {report.failed.error}")
            return 1
        for day in report.days:
            for stage in STAGES:
                per_stage[stage].append(day.seconds.get(stage, 0.0))
            per_day.append(sum(day.seconds.values()))
        files, size = lake_size(root)
        sizes.append((len(per_day), files, size))
        print(
            f"  days {block_start + 1:>3}-{len(per_day):>3} ({first}..{last}): "
            f"{statistics.fmean(per_day[-len(report.days) :]):.3f}s/day, "
            f"cpu {cpu[-1]:.3f}s/day, lake {files} files {size / 1e6:.1f} MB, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    total = time.perf_counter() - t_run

    print()
    print(
        f"{args.days} days at scale {args.scale}: {total:.1f}s total, "
        f"{total / args.days:.3f}s per day (wall, incl. bus, ledger, events, lock)"
    )
    ok_total = total < TARGET_TOTAL_S * args.days / 365
    print(f"target < {TARGET_TOTAL_S:.0f}s for 365 days: {'met' if ok_total else 'NOT met'}")
    print()
    print(
        f"{'stage':<12}{'mean s':>9}{'p50 s':>9}{'p95 s':>9}{'max s':>9}{'share':>8}"
        f"{'slope ms/100d':>15}"
    )
    stage_total = sum(sum(v) for v in per_stage.values())
    for stage, values in per_stage.items():
        print(
            f"{stage:<12}{statistics.fmean(values):>9.3f}{percentile(values, 0.5):>9.3f}"
            f"{percentile(values, 0.95):>9.3f}{max(values):>9.3f}"
            f"{sum(values) / stage_total:>8.0%}{slope_ms_per_100_days(values):>15.1f}"
        )
    overhead = total - stage_total
    print(f"{'orchestration':<12}{overhead / args.days:>9.3f}  (bus, ledger, event log, lock)")
    print(
        f"process CPU {statistics.fmean(cpu):.3f}s per day (all threads; wall time inflates "
        f"when the machine is shared: load average now {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs)"
    )
    print()
    print("growth with lake size (mean seconds per day in each block):")
    print(
        f"{'days':>9}{'files':>8}{'MB':>8}"
        + "".join(f"{s:>13}" for s in STAGES)
        + f"{'all':>9}{'cpu':>8}"
    )
    for i, (n, files, size) in enumerate(sizes):
        lo = i * args.block
        cells = "".join(f"{statistics.fmean(per_stage[s][lo:n]):>13.3f}" for s in STAGES)
        print(
            f"{lo + 1:>4}-{n:<4}{files:>8}{size / 1e6:>8.1f}{cells}"
            f"{statistics.fmean(per_day[lo:n]):>9.3f}{cpu[i]:>8.3f}"
        )
    if not args.keep and not args.lake:
        shutil.rmtree(root.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
