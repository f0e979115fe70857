"""Two checkouts of the project, the same raw input: per-day cost of `lakehouse run` in turn.

    .venv/bin/python bench/compare.py OTHER [--days 365] [--runs 2] [--land-with other|this]

OTHER is another checkout of this repository (`git worktree add ../before <commit>`), run
with this checkout's virtual environment. Each version's own benchmark simulates its own
business, and the simulator has changed with the business (more raw entities, more rows),
so those figures compare two workloads as much as two versions. Here one simulator (by
default OTHER's) lands the history and `--days` daily batches once; then each version runs
`lakehouse run` over copies of them, its simulate stage replaced by nothing, in turn, for
`--runs` rounds. Each version runs in a process of its own that imports its own code. Figures:
CPU (user+sys) and wall time per day over the run, after the history's ingest (untimed),
and the mean of the last 30 days.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]


def _runner_module() -> Any:
    """The runner of the checkout on sys.path (it moved into a package in a later version)."""
    try:
        return importlib.import_module("lakehouse.orchestration.runner")
    except ImportError:
        return importlib.import_module("lakehouse.runner")


def land(lake: str, days: int) -> None:
    """The history and `days` daily batches, with the simulator on sys.path."""
    from lakehouse.config import load_settings
    from sim.api import simulate_day, simulate_history

    first = _runner_module().FIRST_BUSINESS_DAY
    settings = load_settings(environ={}, overrides={"lake": lake})
    Path(lake).mkdir(parents=True)
    simulate_history(settings, seed=42, scale=1.0)
    for i in range(days + 1):
        simulate_day(settings, first + timedelta(days=i))


def run(template: str, work: str, days: int) -> dict[str, float]:
    """`lakehouse run` over a copy of the landed batches, with the code on sys.path."""
    from lakehouse.config import load_settings

    runner = _runner_module()
    first = runner.FIRST_BUSINESS_DAY
    shutil.rmtree(work, ignore_errors=True)
    # the simulator's state stays behind: its format is the landing simulator's
    shutil.copytree(template, work, ignore=shutil.ignore_patterns("sim"))
    settings = load_settings(environ={}, overrides={"lake": work})

    def landed(settings: Any, day: Any, force: bool = False) -> dict[str, str]:
        return {"business_date": day.isoformat()}  # the batches are there already

    chain = runner.Runner(settings, stages={"simulate": landed})
    report = chain.run(first, first)  # the history batch's ingest, untimed
    if report.failed:
        raise SystemExit(f"run failed on {report.failed.business_date}: {report.failed.error}")
    started: dict[str, float] = {}
    per_day: dict[Any, float] = {}

    def hook(day: Any, stage: str, phase: str) -> None:
        if stage == "simulate":
            return
        if phase == "start":
            started[stage] = time.process_time()
        elif phase == "done":
            per_day[day] = per_day.get(day, 0.0) + time.process_time() - started.pop(stage)

    c0, w0 = time.process_time(), time.perf_counter()
    start = first + timedelta(days=1)
    report = chain.run(start, start + timedelta(days=days - 1), progress=hook)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    if report.failed:
        raise SystemExit(f"run failed on {report.failed.business_date}: {report.failed.error}")
    stages = list(per_day.values())
    return {
        "cpu": cpu / days,
        "wall": wall / days,
        "stages_cpu": statistics.fmean(stages),
        "last30_cpu": statistics.fmean(stages[-30:]),
    }


def _in(checkout: Path, *args: str) -> str:
    """This script's `args` in a process that imports `checkout`'s code."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(checkout), *args],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise SystemExit(f"{checkout}: {last[0]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        sys.path.insert(0, sys.argv[2])
        action, *rest = sys.argv[3:]
        if action == "land":
            land(rest[0], int(rest[1]))
        else:
            print(json.dumps(run(rest[0], rest[1], int(rest[2]))))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="another checkout of this repository")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--land-with", choices=("other", "this"), default="other")
    args = parser.parse_args()
    other = args.other.resolve()
    if not (other / "lakehouse").is_dir():
        parser.error(f"{other} is not a checkout of this repository")

    base = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    template = base / "raw"
    _in(other if args.land_with == "other" else HERE, "land", str(template), str(args.days))
    sides = {"other": other, "this": HERE}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    for i in range(args.runs):
        for name, checkout in sides.items():
            work = str(base / f"lake-{name}")
            results[name].append(
                json.loads(_in(checkout, "run", str(template), work, str(args.days)))
            )
            r = results[name][-1]
            print(
                f"run {i + 1} {name:<5}: {r['cpu']:.3f} s CPU/day, {r['wall']:.3f} s wall/day, "
                f"last 30 days {r['last30_cpu']:.3f} s CPU/day",
                flush=True,
            )
    shutil.rmtree(base, ignore_errors=True)

    print(f"\n{args.days} days landed by {args.land_with}'s simulator ({other} is other):")
    for name in sides:
        cpu = [r["cpu"] for r in results[name]]
        wall = [r["wall"] for r in results[name]]
        print(
            f"  {name:<5} CPU/day {', '.join(f'{c:.3f}' for c in cpu)}; wall/day "
            f"{', '.join(f'{w:.3f}' for w in wall)}"
        )
    ratios = [t["cpu"] / o["cpu"] for t, o in zip(results["this"], results["other"], strict=True)]
    print(f"this / other, CPU, round by round: {', '.join(f'{r:.2f}x' for r in ratios)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
