"""`make demo` / `make demo-s3`: the whole chain on a fresh lake, end to end, with no network.

    python -m cli.demo --lake ./lake     # local folder lake
    python -m cli.demo --s3              # MinIO at localhost:9000 if it answers, else moto

The demo lake is reinitialised on every run so each `make demo` is reproducible (same seed,
same tables): it simulates the pre-migration history at scale 1, ingests it, runs the business
days 2025-12-31..2026-01-31 one by one through the event chain (simulate -> ingest ->
materialize -> export), builds the report when that command exists, and prints a summary with
where to look.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cli.context import console, err_console, parse_date
from lakehouse.config import Settings, load_settings
from lakehouse.errors import ConfigError, LakehouseError
from lakehouse.lake.storage import LAKE_MARKER, Storage, init_lake, open_storage

if TYPE_CHECKING:
    from sim.results import HistoryResult

FIRST_DAY = date(2025, 12, 31)
LAST_DAY = date(2026, 1, 31)
MINIO_ENDPOINT = "http://localhost:9000"
MINIO: dict[str, str | bool] = {
    "lake": "s3://tutor-lakehouse/lake",
    "s3.endpoint": MINIO_ENDPOINT,
    "s3.access_key_id": "minioadmin",
    "s3.secret_access_key": "minioadmin",
    "s3.path_style": True,
    "catalog": "postgresql://lakehouse:lakehouse@localhost:5432/lakehouse",
}
"""The `minio` profile of lakehouse.toml, used when that file is not around."""


def minio_answers(endpoint: str = MINIO_ENDPOINT, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/minio/health/live", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def _export_env(settings: Settings) -> None:
    """Put the demo's settings in LAKEHOUSE_* so commands run from here see the same lake."""
    os.environ["LAKEHOUSE_LAKE"] = settings.lake
    if settings.catalog:
        os.environ["LAKEHOUSE_CATALOG"] = settings.catalog
    if settings.storage == "s3":
        os.environ["LAKEHOUSE_S3_ENDPOINT"] = settings.s3.endpoint
        os.environ["LAKEHOUSE_S3_ACCESS_KEY_ID"] = settings.s3.access_key_id
        os.environ["LAKEHOUSE_S3_SECRET_ACCESS_KEY"] = settings.s3.secret_access_key


def reset_lake(settings: Settings) -> Storage:
    """Empty the demo lake (refusing a non-empty folder that is not a lake) and create it."""
    storage = open_storage(settings)
    if settings.storage == "local":
        path = Path(settings.lake).expanduser().resolve()
        if path.exists() and any(path.iterdir()) and not (path / LAKE_MARKER).exists():
            raise LakehouseError(f"{path} is not empty and is not a lake; pick another --lake")
        shutil.rmtree(path, ignore_errors=True)
    else:
        from lakehouse.lake.catalog import drop_all_tables

        storage.ensure()
        drop_all_tables(settings)  # a catalog of its own (PostgreSQL) outlives the bucket
        storage.delete_prefix("")
    return init_lake(settings)[0]


def _step(title: str):
    console.rule(f"[bold]{title}")
    return time.perf_counter()


def _report_command_exists() -> bool:
    from cli.main import app

    return any(c.name == "report" for c in app.registered_commands) or any(
        g.name == "report" for g in app.registered_groups
    )


def run_demo(
    settings: Settings, start: date, end: date, *, scale: float, seed: int
) -> tuple[dict[str, float], HistoryResult]:
    """Every step of the demo; returns the seconds each took and the simulated history."""
    from cli.run import execute_run
    from lakehouse.silver.ingest import ingest_batch
    from sim.api import simulate_history

    timings: dict[str, float] = {}
    t0 = _step(f"1. fresh lake at {settings.lake}")
    storage = reset_lake(settings)
    _export_env(settings)
    console.print(
        f"lake ready: {escape(storage.uri())} (reinitialised so every demo run is the same)"
    )
    timings["init"] = time.perf_counter() - t0

    t0 = _step(f"2. simulate the pre-migration history (scale {scale}, seed {seed})")
    history = simulate_history(settings, seed=seed, scale=scale)
    console.print(
        f"history {history.first_day}..{history.last_day}: {history.sessions:,} sessions, "
        f"{history.students:,} students ({history.active_students} active on "
        f"{history.last_day}), {history.tutors} tutors; landed at "
        f"ingest_date={history.ingest_date}"
    )
    ingested = ingest_batch(settings, history.ingest_date)
    sessions = ingested.entity("sessions")
    console.print(
        f"history ingested into silver: {sessions.kept:,} sessions kept, "
        f"{sessions.repaired} repaired, {sessions.rejected} rejected"
    )
    timings["history"] = time.perf_counter() - t0

    t0 = _step(f"3. business days {start}..{end}, day by day through the event chain")
    execute_run(settings, start, end)
    timings["days"] = time.perf_counter() - t0

    if _report_command_exists():
        t0 = _step("4. report")
        from cli.main import app

        app(["report"], standalone_mode=False)
        timings["report"] = time.perf_counter() - t0

    t0 = _step("5. maintain: inlined rows to Parquet, files compacted")
    from lakehouse.lake.maintenance import maintain

    done = maintain(settings)
    console.print(
        f"{done.rows_flushed:,} rows flushed, {done.files_rewritten:,} files with deleted rows "
        f"rewritten, {done.files_merged:,} files merged into "
        f"{done.files_created:,}, {done.snapshots_left:,} snapshots kept"
    )
    timings["maintain"] = time.perf_counter() - t0
    return timings, history


def lakehouse_command() -> str:
    """How to run the CLI installed next to this Python (`.venv/bin/lakehouse` after `make`),
    as a path relative to the current folder when it is below it."""
    exe = Path(sys.executable).parent / "lakehouse"
    if not exe.exists():
        return shlex.join([sys.executable, "-m", "cli.main"])
    relative = Path(os.path.relpath(exe.absolute()))
    return str(relative) if not relative.parts or relative.parts[0] != ".." else str(exe)


def active_students_note(settings: Settings, history: HistoryResult) -> list[str]:
    """The three "active students" counts a demo shows, each with the question it answers."""
    from lakehouse.report.data import GoldReader

    lines = [
        f"{history.active_students:>6,}  enrolled in the simulator on {history.last_day}, the "
        "last day of the history"
    ]
    with GoldReader(settings) as reader:
        if reader.can_run("key_active_students"):
            row = reader.one("key_active_students")
            if row and row["as_of_ts"]:
                lines.append(
                    f"{row['active_students']:>6,}  with profile status Active in silver as of "
                    f"{str(row['as_of_ts'])[:16].replace('T', ' ')} (gold.active_students: the "
                    "report's first card)"
                )
        if reader.can_run("key_utilization"):
            row = reader.one("key_utilization")
            if row and row["active_students"] is not None:
                lines.append(
                    f"{row['active_students']:>6,}  on a contractor's roster on "
                    f"{str(row['month_end_ts'])[:10]} (gold.contractor_utilization: the "
                    "report's utilization card and students chart)"
                )
    return lines


def where_to_look(
    settings: Settings,
    timings: dict[str, float],
    history: HistoryResult,
    *,
    end: date,
    ephemeral: bool,
) -> None:
    console.rule("[bold]done")
    total = sum(timings.values())
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    console.print(f"demo finished in {total:.1f}s ({steps})")
    storage = open_storage(settings)
    console.print(f"lake:     {escape(storage.uri())}", soft_wrap=True)
    console.print(f"exports:  {escape(storage.uri('exports'))}", soft_wrap=True)
    console.print(f"ledger:   {storage.uri('_ops/ledger')} (and _ops/events/)", soft_wrap=True)
    if "report" in timings:
        console.print(f"report:   {Path('reports/report.html').resolve()}", soft_wrap=True)
    console.print("active students, three counts for three questions:")
    for line in active_students_note(settings, history):
        console.print(f"  {line}", soft_wrap=True, highlight=False)
    if ephemeral:
        console.print(
            "the local S3 server stops with the demo, so its lake is gone; start MinIO "
            "(`docker compose up -d`) and rerun `make demo-s3` to keep one"
        )
        return
    flag = (
        f"--lake {shlex.quote(settings.lake)}" if settings.storage == "local" else "--profile minio"
    )
    examples = [
        "status",
        'query "SELECT * FROM gold.monthly_revenue ORDER BY 1 DESC LIMIT 10"',
        'query "SELECT session_month, count(*) FROM silver.fct_sessions GROUP BY 1 ORDER BY 1"',
        'query "SELECT tutor_name, month_start, ratings, average_rating FROM gold.tutor_ratings '
        'ORDER BY 2 DESC, 1 LIMIT 10"',
        f"run --to {end + timedelta(days=3)}",
    ]
    console.print("try:")
    for example in examples:
        console.print(f"  {lakehouse_command()} {flag} {example}", soft_wrap=True, highlight=False)


def main(
    lake: str = typer.Option("./lake", "--lake", help="Folder of the local demo lake."),
    s3: bool = typer.Option(False, "--s3", help="Use MinIO (localhost:9000) or a local moto S3."),
    start: str = typer.Option(FIRST_DAY.isoformat(), "--from", help="First business day."),
    end: str = typer.Option(LAST_DAY.isoformat(), "--to", help="Last business day."),
    scale: float = typer.Option(1.0, "--scale", help="Business size multiplier."),
    seed: int = typer.Option(42, "--seed", help="Simulator seed."),
) -> None:
    """Run the whole chain on a fresh demo lake and say where to look."""
    server = None
    scratch: Path | None = None
    try:
        first, last = parse_date(start, "--from"), parse_date(end, "--to")
        if not s3:
            settings = load_settings(overrides={"lake": lake})
        elif minio_answers():
            try:
                settings = load_settings(profile="minio")
            except ConfigError:
                settings = load_settings(overrides=MINIO)
            console.print(f"MinIO answers at {settings.s3.endpoint}: using {settings.lake}")
        else:
            from lakehouse.lake.local_s3 import ACCESS_KEY, SECRET_KEY, start_local_s3

            server = start_local_s3()
            scratch = Path(tempfile.mkdtemp(prefix="lakehouse-demo-"))
            catalog = scratch / "catalog.sqlite"
            settings = load_settings(
                overrides={
                    "lake": "s3://tutor-lakehouse/lake",
                    "s3.endpoint": server.endpoint,
                    "s3.access_key_id": ACCESS_KEY,
                    "s3.secret_access_key": SECRET_KEY,
                    "s3.path_style": True,
                    # the moto lake lives as long as the demo: its catalog is a local file
                    "catalog": str(catalog),
                }
            )
            console.print(
                f"MinIO is not running: started a local S3 server (moto) at {server.endpoint} "
                "for this session; the lake disappears when the demo ends "
                "(`docker compose up -d` for a lasting one)"
            )
        timings, history = run_demo(settings, first, last, scale=scale, seed=seed)
        where_to_look(settings, timings, history, end=last, ephemeral=server is not None)
    except LakehouseError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    finally:
        if server is not None:
            server.stop()
        if scratch is not None:  # the moto lake's catalog goes with the lake
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    typer.run(main)
