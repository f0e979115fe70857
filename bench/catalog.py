"""Count the catalog queries of `lakehouse run`: what each stage asks of the DuckLake catalog.

    .venv/bin/python bench/catalog.py [--days 3] [--warmup 4] [--scale 1]

At scale 1 a day's cost is mostly the catalog work behind each statement on a DuckLake table
(file lists, statistics, inlined rows, a reload of the catalog at each transaction start),
not the rows. DuckLake runs that work as queries on its SQLite catalog; this script counts
them per stage and per day (SQLite's extension prints each one when
`sqlite_debug_show_queries` is on), and names the statements that cost the most. Unlike a
time, the count is the same on a loaded machine as on a quiet one, so two versions can be
compared without the noise of a shared machine: fewer catalog queries is less CPU.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from duckdb import DuckDBPyConnection

from lakehouse.config import Settings, load_settings
from lakehouse.orchestration.runner import FIRST_BUSINESS_DAY, Runner

MARK = "@@lakehouse-bench "
"""Prefix of the lines this script writes into the stream SQLite's queries are printed to."""


def _mark(text: str) -> None:
    sys.stderr.flush()
    os.write(2, f"\n{MARK}{text}\n".encode())


class _Counting:
    """A session that marks each statement in the query stream before running it."""

    def __init__(self, con: Any) -> None:
        self._con = con
        con.execute("SET sqlite_debug_show_queries = true")

    def execute(self, sql: str, *args: Any) -> Any:
        # one name per statement whatever the day: numbers and paths vary, the statement not
        text = re.sub(r"\s+", " ", re.sub(r"--[^\n]*", "", sql)).strip()
        _mark("statement " + re.sub(r"\d+|'[^']*'", "#", text)[:90])
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _mark_stage(_day: date, stage: str, phase: str) -> None:
    if phase == "start":
        _mark(f"stage {stage}")


def count(log: Path) -> tuple[collections.Counter[str], collections.Counter[str], int]:
    """(catalog queries per stage, per statement, statements) from the captured stream."""
    stage, statement = "?", ""
    per_stage: collections.Counter[str] = collections.Counter()
    per_statement: collections.Counter[str] = collections.Counter()
    statements = 0
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(MARK + "stage "):
            stage = line.removeprefix(MARK + "stage ")
        elif line.startswith(MARK + "statement "):
            statement = f"{stage}: {line.removeprefix(MARK + 'statement ')}"
            statements += 1
        elif line.strip() and not line.startswith(MARK):
            per_stage[stage] += 1
            per_statement[statement] += 1
    return per_stage, per_statement, statements


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3, help="days counted")
    parser.add_argument("--warmup", type=int, default=4, help="days run before counting")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--top", type=int, default=12, help="statements listed")
    args = parser.parse_args()

    import lakehouse.lake.catalog as catalog
    from lakehouse.silver.ingest import ingest_batch
    from sim.api import simulate_history

    root = Path(tempfile.mkdtemp(prefix="bench-catalog-")) / "lake"
    settings = load_settings(environ={}, overrides={"lake": str(root)})
    root.mkdir(parents=True)
    simulate_history(settings, seed=42, scale=args.scale)
    ingest_batch(settings, FIRST_BUSINESS_DAY)
    runner = Runner(settings)
    first = FIRST_BUSINESS_DAY + timedelta(days=1)
    runner.run(first, first + timedelta(days=args.warmup - 1))

    # Each stage's session is a cursor of the run's shared connection (catalog.shared_lake):
    # wrap them so their statements are marked, and capture the process's stderr.
    plain = catalog._cursor

    def counting(root: DuckDBPyConnection, settings: Settings) -> DuckDBPyConnection:
        return cast(DuckDBPyConnection, _Counting(plain(root, settings)))

    catalog._cursor = counting
    log = root.parent / "catalog-queries.log"
    saved = os.dup(2)
    with log.open("wb") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            start = first + timedelta(days=args.warmup)
            report = runner.run(
                start,
                start + timedelta(days=args.days - 1),
                progress=_mark_stage,
            )
        finally:
            os.dup2(saved, 2)
            catalog._cursor = plain
    if report.failed:
        print(f"FAILED on {report.failed.business_date}: {report.failed.error}")
        return 1

    per_stage, per_statement, statements = count(log)
    n = args.days
    print(
        f"scale {args.scale}, days {start}..{start + timedelta(days=n - 1)} (after {args.warmup}"
        f" warm-up days): {sum(per_stage.values()) / n:,.0f} catalog queries and "
        f"{statements / n:,.0f} statements per day"
    )
    for stage, queries in per_stage.most_common():
        print(f"  {stage:<12}{queries / n:>8,.0f} catalog queries per day")
    print(f"\nthe {args.top} statements with the most catalog queries (per day):")
    for statement, queries in per_statement.most_common(args.top):
        print(f"  {queries / n:>7,.0f}  {statement}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
