"""Benchmark a large business end to end through the CLI: history, its ingest and gold, 5 days.

    .venv/bin/python bench/scale.py [--scale 1000] [--days 5] [--memory-limit 7GB] [--lake DIR]

In a temporary lake (its own `lakehouse.toml`: DuckDB's memory limit, and a spill folder beside
the lake), each phase runs as its own `lakehouse` process, so its figures are its own: wall
time, CPU time (user + sys) and peak resident memory, read from the process's rusage when it
exits (`os.wait4`). Phases: `simulate history --scale N`, `ingest --all` (the history batch),
`materialize` (the full gold build), then `run` one business day at a time. Prints a table of
the phases and the lake's size by zone. Target (docs/benchmarks.md): scale 1000 within 16 GB on
the 2-core machine, DuckDB spilling past its limit.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_BUSINESS_DAY = date(2025, 12, 31)
"""The day after the history: the first one `lakehouse run` simulates (the runner's own)."""
MEMORY_BUDGET_GB = 16.0


@dataclass(frozen=True)
class Phase:
    name: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    spill_mb: float


def _config(lake: Path, memory_limit: str, threads: int) -> Path:
    spill = lake.parent / "duckdb-spill"
    spill.mkdir(parents=True, exist_ok=True)
    path = lake.parent / "lakehouse.toml"
    path.write_text(
        f'lake = "{lake}"\nengine = "duckdb"\n\n[duckdb]\nthreads = {threads}\n'
        f'memory_limit = "{memory_limit}"\ntemp_directory = "{spill}"\n',
        encoding="utf-8",
    )
    return path


def _size_mb(path: Path) -> float:
    total = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):  # a spill file removed while walking
                total += os.path.getsize(os.path.join(dirpath, name))
    return total / 2**20


def run_phase(name: str, args: list[str], env: dict[str, str], spill: Path) -> Phase:
    """Run `lakehouse ARGS` to completion; its figures from its own rusage. The spill folder is
    sampled while it runs (DuckDB removes its files when a query ends)."""
    exe = str(Path(sys.executable).with_name("lakehouse"))
    log = spill.parent / f"{name.replace(' ', '-')}.log"
    started = time.perf_counter()
    with open(log, "wb") as out:
        child = subprocess.Popen([exe, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        spill_mb = 0.0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            spill_mb = max(spill_mb, _size_mb(spill))
            time.sleep(1.0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"{name} failed (exit {child.returncode}); end of {log}:\n{tail}")
    return Phase(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, spill_mb)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=5, help="daily runs after the history")
    parser.add_argument("--memory-limit", default="7GB", help="DuckDB's memory_limit")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB's threads")
    parser.add_argument("--lake", help="work folder (default: a temporary folder, removed)")
    args = parser.parse_args()

    work = Path(args.lake or tempfile.mkdtemp(prefix="bench-scale-"))
    lake = work / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    config = _config(lake, args.memory_limit, args.threads)
    spill = lake.parent / "duckdb-spill"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    env["LAKEHOUSE_CONFIG"] = str(config)
    env["COLUMNS"] = "200"  # each phase's output goes to <work>/<phase>.log, tables unclipped
    print(
        f"scale {args.scale:g} end to end: lake {lake}, DuckDB memory_limit {args.memory_limit}, "
        f"threads {args.threads}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "CPUs",
        flush=True,
    )
    history = ["simulate", "history", "--seed", str(args.seed), "--scale", f"{args.scale:g}"]
    plan = [("init", ["init"]), ("simulate history", history)]
    plan += [("ingest history", ["ingest", "--all"]), ("materialize", ["materialize"])]
    for i in range(args.days):
        day = (FIRST_BUSINESS_DAY + timedelta(days=i)).isoformat()
        plan.append((f"run {day}", ["run", "--from", day, "--to", day]))
    phases = []
    print(f"{'phase':<18}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}{'spill MB':>10}{'lake MB':>9}")
    for name, cli_args in plan:
        phase = run_phase(name, cli_args, env, spill)
        phases.append(phase)
        print(
            f"{name:<18}{phase.wall_s:>9.1f}{phase.cpu_s:>9.1f}{phase.peak_mb:>9.0f}"
            f"{phase.spill_mb:>10.0f}{_size_mb(lake):>9.0f}  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    days = phases[4:]
    peak = max(p.peak_mb for p in phases)
    print()
    print(
        f"setup (history, ingest, materialize): "
        f"{sum(p.wall_s for p in phases[1:4]):.0f} s wall, "
        f"{sum(p.cpu_s for p in phases[1:4]):.0f} s CPU"
    )
    if days:
        print(
            f"daily run: {sum(p.wall_s for p in days) / len(days):.1f} s wall, "
            f"{sum(p.cpu_s for p in days) / len(days):.1f} s CPU per day (mean of {len(days)})"
        )
    verdict = "ok" if peak / 1024 < MEMORY_BUDGET_GB else "MISSED"
    print(
        f"peak memory of any phase: {peak / 1024:.2f} GB "
        f"(budget {MEMORY_BUDGET_GB:g} GB: {verdict})"
    )
    zones = sorted(p for p in lake.iterdir() if p.is_dir())
    print("lake by zone: " + ", ".join(f"{p.name} {_size_mb(p):.0f} MB" for p in zones))
    if not args.lake:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
