"""The floor: the daily work in its most direct DuckDB form, next to `lakehouse run`, same run.

    .venv/bin/python bench/floor.py [--days 20] [--scale 1] [--runs 3] [--warmup 3]

What a day costs at least, whatever the design: one DuckDB connection kept for all days, plain
in-memory tables, no catalog, no transactions, no audit. Each day it reads the batch's raw CSV,
types and de-duplicates it, replaces the sessions it names, appends SCD2 versions of the
students and tutors it changes (closing the versions they replace), upserts feedback and test
scores, and rebuilds monthly revenue and tutor utilization for the months the batch touched.

The project's day does that and more (every rule's repair and audit row, the DuckLake commit
that makes a day atomic and readable while it is written, snapshots, eleven gold tables, the
export), so the ratio says what those cost, not that they can be skipped.

A second floor, the DuckLake floor, does the same statements on DuckLake tables (a SQLite
catalog, data files in a folder, one transaction per day), as the project stores silver and
gold: what the storage alone adds to the direct form. Every statement on a DuckLake table runs
DuckLake's catalog work (file lists, statistics, inlined rows) as queries on the catalog, and
each commit writes a snapshot, whatever the number of rows.

Both sides read the same landed batches. Figures are medians over the days of each run, then
over `--runs` runs that alternate floor and project; CPU time (user+sys of this process, all
threads) beside wall time, since wall time moves with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from lakehouse.config import Settings, load_settings
from lakehouse.lake import extensions
from lakehouse.orchestration.runner import FIRST_BUSINESS_DAY, Runner
from lakehouse.silver.ingest import ingest_batch

TARGET_RATIO = 2.5
"""The project's day (all stages but the simulator) at most this many times the floor's."""

ENTITIES = ("sessions", "students", "tutors", "feedback", "test_scores")

DIMENSION = """
        SELECT TRY_CAST(TRY_CAST({id} AS DOUBLE) AS BIGINT) AS id,
               TRY_CAST(contract_rate AS DOUBLE) AS rate, status,
               COALESCE(TRY_CAST(updated AS TIMESTAMP), TRY_CAST(created AS TIMESTAMP))
                   AS valid_from,
               TRY_CAST(ingest_ts AS TIMESTAMP) AS ingest_ts
        FROM raw"""
TYPED = {
    "sessions": """
        SELECT TRY_CAST(TRY_CAST(session_id AS DOUBLE) AS BIGINT) AS session_id,
               TRY_CAST(TRY_CAST(student_id AS DOUBLE) AS BIGINT) AS student_id,
               TRY_CAST(TRY_CAST(tutor_id AS DOUBLE) AS BIGINT) AS tutor_id,
               TRY_CAST(TRY_CAST(subject_id AS DOUBLE) AS INTEGER) AS subject_id,
               TRY_CAST(stamp AS TIMESTAMP) AS stamp,
               CASE WHEN TRY_CAST(duration AS DOUBLE) > 12 THEN TRY_CAST(duration AS DOUBLE) / 60
                    ELSE TRY_CAST(duration AS DOUBLE) END AS hours,
               TRY_CAST(TRY_CAST(status AS DOUBLE) AS INTEGER) AS status,
               TRY_CAST(ingest_ts AS TIMESTAMP) AS ingest_ts
        FROM raw""",
    "students": DIMENSION.format(id="student_id"),
    "tutors": DIMENSION.format(id="tutor_id"),
    "feedback": """
        SELECT TRY_CAST(TRY_CAST(session_id AS DOUBLE) AS BIGINT) AS session_id,
               TRY_CAST(rating AS INTEGER) AS rating, TRY_CAST(submitted AS TIMESTAMP) AS submitted,
               TRY_CAST(ingest_ts AS TIMESTAMP) AS ingest_ts
        FROM raw""",
    "test_scores": """
        SELECT TRY_CAST(TRY_CAST(student_id AS DOUBLE) AS BIGINT) AS student_id, test,
               TRY_CAST(test_date AS DATE) AS test_date, TRY_CAST(score AS INTEGER) AS score,
               TRY_CAST(ingest_ts AS TIMESTAMP) AS ingest_ts
        FROM raw""",
}
HISTORY_COLUMNS = {
    "sessions": ", NULL::VARCHAR AS ingest_ts",
    "students": ", NULL::VARCHAR AS ingest_ts",
    "tutors": ", NULL::VARCHAR AS ingest_ts, 'Active' AS status",
}
KEYS = {
    "sessions": "session_id",
    "students": "id, valid_from",
    "tutors": "id, valid_from",
    "feedback": "session_id",
    "test_scores": "student_id, test, test_date",
}

SCHEMA = """
CREATE TABLE sessions (session_id BIGINT, student_id BIGINT, tutor_id BIGINT,
    subject_id INTEGER, stamp TIMESTAMP, hours DOUBLE, status INTEGER, month DATE);
CREATE TABLE students (id BIGINT, rate DOUBLE, status VARCHAR, valid_from TIMESTAMP,
    valid_to TIMESTAMP);
CREATE TABLE tutors (id BIGINT, rate DOUBLE, status VARCHAR, valid_from TIMESTAMP,
    valid_to TIMESTAMP);
CREATE TABLE feedback (session_id BIGINT, rating INTEGER, submitted TIMESTAMP);
CREATE TABLE test_scores (student_id BIGINT, test VARCHAR, test_date DATE, score INTEGER);
CREATE TABLE monthly_revenue (month DATE, tutor_id BIGINT, sessions BIGINT, hours DOUBLE,
    revenue DOUBLE, pay DOUBLE);
CREATE TABLE utilization (month DATE, tutor_id BIGINT, students BIGINT, hours DOUBLE);
"""

PRICED = """
SELECT s.month, s.tutor_id, s.student_id, s.hours,
       s.hours * st.rate AS revenue, s.hours * t.rate AS pay
FROM sessions AS s
LEFT JOIN students AS st ON st.id = s.student_id
    AND s.stamp >= st.valid_from AND s.stamp < st.valid_to
LEFT JOIN tutors AS t ON t.id = s.tutor_id AND s.stamp >= t.valid_from AND s.stamp < t.valid_to
WHERE s.status = 0 AND s.month IN (SELECT month FROM touched)
"""


RESULT = """
SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM students),
       (SELECT count(*) FROM tutors), (SELECT count(*) FROM feedback),
       (SELECT count(*) FROM test_scores), (SELECT round(sum(revenue), 2) FROM monthly_revenue),
       (SELECT sum(students) FROM utilization)
"""


def batch_files(lake: Path, entity: str, day: date) -> list[str]:
    folder = lake / "raw" / entity / f"ingest_date={day.isoformat()}"
    return sorted(str(p) for p in folder.glob("*.csv")) if folder.exists() else []


def load_day(con: duckdb.DuckDBPyConnection, lake: Path, day: date) -> None:
    """One batch, the direct way (the history batch too)."""
    for entity in ENTITIES:
        files = batch_files(lake, entity, day)
        if not files:
            con.execute(f"CREATE OR REPLACE TEMP TABLE b_{entity} AS SELECT NULL LIMIT 0")
            continue
        listed = ", ".join(f"'{f}'" for f in files)
        # the history's files have no ingest time (nor a tutor status): NULL columns stand in
        extra = HISTORY_COLUMNS.get(entity, "") if day == FIRST_BUSINESS_DAY else ""
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE b_{entity} AS "
            f"WITH raw AS (SELECT *{extra} FROM read_csv([{listed}], all_varchar = true, "
            "union_by_name = true)), typed AS (" + TYPED[entity] + ") "
            f"SELECT * EXCLUDE (ingest_ts) FROM (SELECT * FROM typed WHERE "
            f"{KEYS[entity].split(',')[0]} IS NOT NULL QUALIFY row_number() OVER "
            f"(PARTITION BY {KEYS[entity]} ORDER BY ingest_ts DESC) = 1)"
        )
    sessions = con.execute("SELECT count(*) FROM b_sessions").fetchone()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE touched AS "
        "SELECT DISTINCT month FROM sessions WHERE session_id IN (SELECT session_id FROM "
        "b_sessions)"
        + (" UNION SELECT DISTINCT date_trunc('month', stamp) FROM b_sessions" if sessions else "")
    )
    if sessions and sessions[0]:
        con.execute("DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM b_sessions)")
        con.execute(
            "INSERT INTO sessions SELECT session_id, student_id, tutor_id, subject_id, stamp, "
            "hours, status, date_trunc('month', stamp) FROM b_sessions WHERE stamp IS NOT NULL"
        )
    for entity in ("students", "tutors"):  # SCD2: close the replaced versions, append new ones
        if not batch_files(lake, entity, day):
            continue
        con.execute(
            f"UPDATE {entity} AS v SET valid_to = b.first_from FROM "
            f"(SELECT id, min(valid_from) AS first_from FROM b_{entity} GROUP BY id) AS b "
            "WHERE v.id = b.id AND v.valid_to = TIMESTAMP '9999-12-31'"
        )
        con.execute(
            f"INSERT INTO {entity} SELECT id, rate, status, valid_from, "
            "coalesce(lead(valid_from) OVER (PARTITION BY id ORDER BY valid_from), "
            f"TIMESTAMP '9999-12-31') FROM b_{entity} WHERE valid_from IS NOT NULL"
        )
    if batch_files(lake, "feedback", day):
        con.execute("DELETE FROM feedback WHERE session_id IN (SELECT session_id FROM b_feedback)")
        con.execute("INSERT INTO feedback SELECT session_id, rating, submitted FROM b_feedback")
    if batch_files(lake, "test_scores", day):
        con.execute(
            "DELETE FROM test_scores AS t USING b_test_scores AS b WHERE t.student_id = "
            "b.student_id AND t.test = b.test AND t.test_date = b.test_date"
        )
        con.execute("INSERT INTO test_scores SELECT * FROM b_test_scores")
    con.execute("DELETE FROM monthly_revenue WHERE month IN (SELECT month FROM touched)")
    con.execute(
        f"INSERT INTO monthly_revenue SELECT month, tutor_id, count(*), sum(hours), "
        f"sum(revenue), sum(pay) FROM ({PRICED}) GROUP BY ALL"
    )
    con.execute("DELETE FROM utilization WHERE month IN (SELECT month FROM touched)")
    con.execute(
        f"INSERT INTO utilization SELECT month, tutor_id, count(DISTINCT student_id), "
        f"sum(hours) FROM ({PRICED}) GROUP BY ALL"
    )


def attach_ducklake(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Make a new DuckLake (SQLite catalog, data files in `folder`) the connection's default."""
    for name in ("ducklake", "sqlite_scanner"):
        extensions.load(con, name)
    folder.mkdir(parents=True)
    con.execute(
        f"ATTACH 'ducklake:sqlite:{folder / 'catalog.sqlite'}' AS floor "
        f"(DATA_PATH '{folder / 'data'}/')"
    )
    con.execute("USE floor")


def floor_run(
    lake: Path, days: list[date], ducklake: Path | None = None, warmup: int = 0
) -> tuple[list[tuple[float, float]], tuple[Any, ...]]:
    """(cpu, wall) seconds of each day after the first `warmup` on a fresh connection, after
    the history (untimed), and what the tables hold at the end (`RESULT`): on in-memory
    tables, or on DuckLake tables in folder `ducklake` with one commit per day."""
    con = duckdb.connect()
    con.execute("SET threads = 1")  # a daily batch is one thread's work
    con.execute("SET TimeZone = 'UTC'")
    if ducklake is not None:
        attach_ducklake(con, ducklake)
    con.execute(SCHEMA)

    def day_of_work(day: date) -> None:
        if ducklake is None:
            load_day(con, lake, day)
            return
        con.execute("BEGIN")
        load_day(con, lake, day)  # the batch's tables are TEMP: DuckLake's commit is the day's
        con.execute("COMMIT")

    for day in [FIRST_BUSINESS_DAY, *days[:warmup]]:
        day_of_work(day)
    out = []
    for day in days[warmup:]:
        c0, w0 = time.process_time(), time.perf_counter()
        day_of_work(day)
        out.append((time.process_time() - c0, time.perf_counter() - w0))
    totals = con.execute(RESULT).fetchone()
    con.close()
    if not totals or not all(totals):
        raise SystemExit("the floor built nothing: check the raw batches it read")
    return out, totals


def project_run(
    template: Path, work: Path, days: list[date], warmup: int = 0
) -> dict[str, list[float]]:
    """CPU seconds per stage of each day of `lakehouse run` after the first `warmup` on a copy
    of the template lake (the history ingested first, untimed), and `wall` for the day's
    ingest..export."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, work)
    settings = load_settings(environ={}, overrides={"lake": str(work)})
    ingest_batch(settings, FIRST_BUSINESS_DAY)
    cpu: dict[str, list[float]] = {}
    started: dict[str, tuple[float, float]] = {}
    walls: list[float] = []

    def hook(day: date, stage: str, phase: str) -> None:
        if phase == "start":
            started[stage] = (time.process_time(), time.perf_counter())
        elif phase == "done":
            c0, w0 = started.pop(stage)
            cpu.setdefault(stage, []).append(time.process_time() - c0)
            if stage != "simulate":
                walls.append(time.perf_counter() - w0)

    runner = Runner(settings)
    if warmup:
        report = runner.run(days[0], days[warmup - 1])
        if report.failed:
            raise SystemExit(f"lakehouse run failed on {report.failed.business_date}")
    report = runner.run(days[warmup], days[-1], progress=hook)
    if report.failed:
        raise SystemExit(f"lakehouse run failed on {report.failed.business_date}")
    cpu["wall"] = [sum(walls[i : i + 3]) for i in range(0, len(walls), 3)]
    return cpu


def _medians(per_day: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(c for c, _ in per_day), statistics.median(w for _, w in per_day)


def simulate(settings: Settings, scale: float, days: list[date]) -> None:
    from sim.api import simulate_day, simulate_history

    simulate_history(settings, seed=42, scale=scale)
    simulate_day(settings, days[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="days run before the timed ones (the first gold "
        "builds are full ones, and at scale 100 the first also partitions gold's big tables)",
    )
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    template = base / "template"
    template.mkdir()
    settings = load_settings(environ={}, overrides={"lake": str(template)})
    # business day D lands at ingest date D + 1; the runner and the floor take business days
    days = [FIRST_BUSINESS_DAY + timedelta(days=i) for i in range(args.warmup + args.days)]
    simulate(settings, args.scale, days)
    batches = [d + timedelta(days=1) for d in days]

    floors: list[tuple[float, float]] = []
    lake_floors: list[tuple[float, float]] = []
    projects: list[dict[str, float]] = []
    for run in range(args.runs):
        plain, built = floor_run(template, batches, warmup=args.warmup)
        floors.append(_medians(plain))
        shutil.rmtree(base / "floor", ignore_errors=True)
        lake, built_on_lake = floor_run(template, batches, base / "floor", args.warmup)
        if built_on_lake != built:  # else the two floors did not do the same work
            raise SystemExit(f"the floors built different tables: {built} and {built_on_lake}")
        lake_floors.append(_medians(lake))
        stages = project_run(template, base / "lake", days, warmup=args.warmup)
        projects.append({s: statistics.median(v) for s, v in stages.items()})
        print(
            f"run {run + 1}: floor {floors[-1][0] * 1000:.0f} ms CPU/day, DuckLake floor "
            f"{lake_floors[-1][0] * 1000:.0f}, project "
            f"{sum(v for s, v in projects[-1].items() if s not in ('simulate', 'wall')) * 1000:.0f}"
            f" (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    shutil.rmtree(base, ignore_errors=True)

    floor_cpu = statistics.median(c for c, _ in floors)
    floor_wall = statistics.median(w for _, w in floors)
    lake_cpu = statistics.median(c for c, _ in lake_floors)
    lake_wall = statistics.median(w for _, w in lake_floors)
    stage = {s: statistics.median(p[s] for p in projects) for s in projects[0]}
    im = stage.get("ingest", 0.0) + stage.get("materialize", 0.0)
    allx = im + stage.get("export", 0.0)
    print()
    print(f"{args.days} days at scale {args.scale}, median of {args.runs} runs (per day):")
    print(f"  floor {'':17} {floor_cpu * 1000:7.0f} ms CPU {floor_wall * 1000:7.0f} ms wall")
    print(f"  DuckLake floor {'':8} {lake_cpu * 1000:7.0f} ms CPU {lake_wall * 1000:7.0f} ms wall")
    for name in ("simulate", "ingest", "materialize", "export"):
        print(f"  project {name:<15} {stage.get(name, 0.0) * 1000:7.0f} ms CPU")
    print(
        f"  project ingest..export  {allx * 1000:7.0f} ms CPU {stage['wall'] * 1000:7.0f} ms wall"
    )
    print()
    ratio = allx / floor_cpu
    print(f"ratio DuckLake floor / floor: {lake_cpu / floor_cpu:.1f}x CPU (the storage alone)")
    print(f"ratio ingest..export / DuckLake floor: {allx / lake_cpu:.1f}x CPU")
    print(f"ratio ingest+materialize / floor: {im / floor_cpu:.1f}x CPU")
    print(
        f"ratio ingest..export / floor: {ratio:.1f}x CPU, {stage['wall'] / floor_wall:.1f}x wall "
        f"(target at most {TARGET_RATIO}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
