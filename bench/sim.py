"""Benchmark the simulator: the history at several scales, one daily step, the CLI process.

    .venv/bin/python bench/sim.py [--scales 1,10,100] [--runs 3] [--day-runs 9]
    .venv/bin/python bench/sim.py --calibrate 1,2,3,4,5,42

Each history run is a fresh process (so its peak RSS is its own) that times
`simulate_history` in process, imports excluded; figures are medians over the runs. The daily
step is timed in process (state read, simulation, corruption, raw files and state written)
over consecutive days after a history, and separately as a `lakehouse simulate day` process.
Targets (2-core machine): history at scale 1 < 1.5 s, at scale 100 < 60 s and < 4 GB peak;
a daily step at scale 1 < 0.2 s in process. The original pandas simulator: 183 s for the
history, 0.6 s per daily step (as a process).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"history_1": 1.5, "history_100": 60.0, "peak_gb_100": 4.0, "day_1": 0.2}


def _settings(lake: Path):
    from lakehouse.config import load_settings

    return load_settings(environ={}, overrides={"lake": str(lake)})


def child_history(lake: str, scale: float) -> None:
    """Run one history in this process and print its figures as JSON."""
    from sim.api import simulate_history

    started = time.perf_counter()
    result = simulate_history(_settings(Path(lake)), seed=42, scale=scale, force=True)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "sessions": result.sessions}))


def history(scale: float, runs: int, workdir: Path) -> dict:
    figures = []
    for i in range(runs):
        lake = workdir / f"history-{scale:g}-{i}"
        out = subprocess.run(
            [sys.executable, __file__, "--child-history", str(lake), "--scale", str(scale)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(f["seconds"] for f in figures),
        "peak_mb": statistics.median(f["peak_mb"] for f in figures),
        "sessions": figures[0]["sessions"],
    }


def daily(scale: float, runs: int, workdir: Path) -> dict:
    from lakehouse.lake.storage import init_lake
    from sim.api import simulate_day, simulate_history

    settings = _settings(workdir / f"daily-{scale:g}")
    init_lake(settings)  # the CLI step below refuses a lake that was never initialised
    simulate_history(settings, seed=42, scale=scale, force=True)
    times, rows = [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = simulate_day(settings)
        times.append(time.perf_counter() - started)
        rows.append(result.raw_sessions)
    return {"seconds": statistics.median(times), "rows": statistics.median(rows)}


def cli_day(runs: int, workdir: Path) -> float:
    lake = workdir / "daily-1"
    exe = str(Path(sys.executable).with_name("lakehouse"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [exe, "--lake", str(lake), "simulate", "day"],
            check=True,
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", "LAKEHOUSE_CONFIG": ""},
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def calibration(seeds: list[int], workdir: Path, scenario: str) -> None:
    """The history at scale 1 per seed next to the original's figures at its cutoff."""
    import polars as pl

    from sim.api import simulate_history

    print(f"scenario: {scenario}")
    header = f"{'':>10} {'sessions':>9} {'students':>9} {'tutors':>7} {'active':>7} "
    print(header + f"{'per day Dec 2025':>17} {'test prep share':>16}")
    print(f"{'original':>10} {10661:>9,} {934:>9} {5:>7} {124:>7} {'~17':>17} {'68%':>16}")
    for seed in seeds:
        lake = workdir / f"calibration-{seed}"
        result = simulate_history(_settings(lake), seed=seed, force=True, scenario=scenario)
        sessions = pl.read_parquet(lake / "sim/state/sessions/batch=history/sessions.parquet")
        december = sessions.filter(pl.col("stamp") >= pl.datetime(2025, 12, 1)).height / 30
        prep = sessions.filter(pl.col("subject_id") == 1).height / sessions.height
        print(
            f"{'seed ' + str(seed):>10} {result.sessions:>9,} {result.students:>9} "
            f"{result.tutors:>7} {result.active_students:>7} {december:>17.1f} {prep:>16.0%}"
        )


def verdict(value: float, target: float) -> str:
    return f"(target < {target:g}: {'ok' if value < target else 'MISSED'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--runs", type=int, default=3, help="history runs per scale")
    parser.add_argument("--day-runs", type=int, default=9, help="daily steps timed per scale")
    parser.add_argument("--calibrate", help="seeds (e.g. 1,2,3): print the calibration table")
    parser.add_argument("--child-history", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_history:
        child_history(args.child_history, args.scale)
        return
    if args.calibrate:
        with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp:
            for scenario in ("original", "fixed", "default"):
                calibration([int(s) for s in args.calibrate.split(",")], Path(tmp), scenario)
        return
    scales = [float(s) for s in args.scales.split(",")]
    print(f"simulator benchmark: history runs={args.runs}, daily steps={args.day_runs} (medians)")
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp:
        workdir = Path(tmp)
        for scale in scales:
            h = history(scale, max(1, args.runs if scale < 100 else min(args.runs, 3)), workdir)
            line = (
                f"history scale {scale:>5g}: {h['seconds']:7.2f} s  peak {h['peak_mb']:7.0f} MB  "
                f"{h['sessions']:>10,} sessions"
            )
            if scale == 1:
                line += f"  {verdict(h['seconds'], TARGETS['history_1'])}"
                line += f"  {183 / h['seconds']:.0f}x the original's 183 s"
            if scale == 100:
                line += f"  {verdict(h['seconds'], TARGETS['history_100'])}"
                line += f" peak {verdict(h['peak_mb'] / 1024, TARGETS['peak_gb_100'])} GB"
            print(line, flush=True)
        for scale in [s for s in scales if s in (1, 100)]:
            d = daily(scale, args.day_runs, workdir)
            line = f"daily step scale {scale:>3g} (in process): {d['seconds'] * 1000:7.1f} ms"
            line += f"  {d['rows']:,.0f} session rows"
            if scale == 1:
                line += f"  {verdict(d['seconds'], TARGETS['day_1'])}"
            print(line, flush=True)
        if 1 in scales:
            seconds = cli_day(max(3, args.day_runs // 2), workdir)
            print(
                f"daily step scale   1 (CLI process): {seconds * 1000:7.1f} ms"
                "  (original: 600 ms as a process)"
            )


if __name__ == "__main__":
    main()
