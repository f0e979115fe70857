"""`lakehouse run` (business days through the event chain) and `lakehouse status` (the ledger,
table sizes, the last data-quality results)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.context import console, err_console, settings
from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.events import STAGES
from lakehouse.ledger import FAILED, STARTED, SUCCEEDED, Ledger, LedgerEntry
from lakehouse.lock import LakeLock
from lakehouse.runner import DayResult, Runner, RunReport
from lakehouse.storage import Storage

QUARANTINE_KEYS = ("rejected_rows", "quarantined_rows")
"""Rows the ingest set aside (its detail names them; first key found wins)."""


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LakehouseError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _number(detail: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = detail.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


def day_metrics(ledger: Ledger, day: date) -> dict[str, float | None]:
    """Sessions, quarantined rows and revenue of one day, from its stages' event details.

    Revenue: gold's total to date after the day, and what the day added to it (the difference
    from the previous day's total, when that day is in the ledger)."""
    entries = ledger.day(day)
    sim = entries["simulate"].detail if "simulate" in entries else {}
    ing = entries["ingest"].detail if "ingest" in entries else {}
    mat = entries["materialize"].detail if "materialize" in entries else {}
    total = _number(mat, ("total_revenue",))
    before = ledger.get(day - timedelta(days=1), "materialize")
    previous = _number(before.detail, ("total_revenue",)) if before else None
    return {
        "sessions": _number(sim, ("clean_sessions",)),
        "quarantined": _number(ing, QUARANTINE_KEYS),
        "revenue": total - previous if total is not None and previous is not None else None,
        "revenue_to_date": total,
    }


def _fmt(value: float | None, money: bool = False) -> str:
    if value is None:
        return "-"
    return f"${value:,.0f}" if money else f"{value:,.0f}"


def summary_table(report: RunReport, ledger: Ledger) -> Table:
    """One row per day run (skipped days are counted in the caption), then totals."""
    table = Table(title=f"run {report.run_id}")
    names = ("day", "status", "sessions", "quarantined", "revenue", "revenue to date")
    for name in names:
        table.add_column(name, justify="left" if name in ("day", "status") else "right")
    for stage in STAGES:
        table.add_column(f"{stage} s", justify="right")
    totals: dict[str, float] = {}
    last_total: float | None = None
    for day in report.ran:
        metrics = day_metrics(ledger, day.business_date)
        for key in ("sessions", "quarantined", "revenue"):
            totals[key] = totals.get(key, 0) + (metrics[key] or 0)
        last_total = metrics["revenue_to_date"] or last_total
        for stage, secs in day.seconds.items():
            totals[stage] = totals.get(stage, 0) + secs
        table.add_row(
            day.business_date.isoformat(),
            _status_text(day),
            _fmt(metrics["sessions"]),
            _fmt(metrics["quarantined"]),
            _fmt(metrics["revenue"], money=True),
            _fmt(metrics["revenue_to_date"], money=True),
            *(f"{day.seconds[s]:.2f}" if s in day.seconds else "-" for s in STAGES),
        )
    if len(report.ran) > 1:
        table.add_section()
        table.add_row(
            f"{len(report.ran)} days",
            "",
            _fmt(totals.get("sessions")),
            _fmt(totals.get("quarantined")),
            _fmt(totals.get("revenue"), money=True),
            _fmt(last_total, money=True),
            *(f"{totals[s]:.2f}" if s in totals else "-" for s in STAGES),
        )
    skipped = len(report.days) - len(report.ran)
    if skipped:
        table.caption = f"{skipped} day(s) already complete, skipped"
    return table


def _status_text(day: DayResult) -> str:
    if day.status == "failed":
        return f"[red]failed in {day.failed_stage}[/]"
    if day.resumed_from:
        return f"[green]resumed at {day.resumed_from}[/]"
    return "[green]ok[/]"


def execute_run(
    cfg: Settings,
    start: date | None,
    end: date | None,
    *,
    force: bool = False,
    break_lock: bool = False,
    quiet: bool = False,
) -> RunReport:
    """Run the range with a progress bar and print the summary; raise if a day failed."""
    runner = Runner(cfg)
    if start is None:
        start, default_end = runner.default_range()
        end = end or default_end
    end = end or start
    days = (end - start).days + 1
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"{start}", total=max(days, 1) * len(STAGES))

        def hook(day: date, stage: str, phase: str) -> None:
            if phase == "skip":
                progress.advance(task, len(STAGES))
            elif phase == "start":
                progress.update(task, description=f"{day} {stage}")
            elif phase == "retry":
                progress.update(task, description=f"{day} {stage} (retrying)")
            elif phase == "done":
                progress.advance(task)

        report = runner.run(start, end, force=force, break_lock=break_lock, progress=hook)
    if report.taken_over_lock:
        err_console.print(f"[yellow]took over a stale lock:[/] {report.taken_over_lock}")
    if not report.ran:
        what = f"{start}" if days == 1 else f"{start}..{end}"
        console.print(
            f"nothing to do: every stage of {what} already succeeded (use --force to recompute)"
        )
        return report
    if not quiet:
        console.print(summary_table(report, runner.ledger))
    failed = report.failed
    if failed is not None:
        raise LakehouseError(
            f"business day {failed.business_date} failed in {failed.failed_stage}: "
            f"{failed.error}\nstopped there; fix the cause and run `lakehouse run` again "
            f"to resume {failed.business_date} from {failed.failed_stage}"
        )
    return report


def run(
    ctx: typer.Context,
    from_: str | None = typer.Option(
        None, "--from", help="First business day (default: the next day the ledger needs)."
    ),
    to: str | None = typer.Option(None, "--to", help="Last business day (default: --from)."),
    force: bool = typer.Option(False, "--force", help="Recompute days that already succeeded."),
    break_lock: bool = typer.Option(
        False, "--break-lock", help="Clear a lock left by a killed run before starting."
    ),
) -> None:
    """Run business days through simulate -> ingest -> materialize -> export, day by day.

    Days whose stages all succeeded are skipped; a day that failed resumes at its failed stage.
    """
    execute_run(
        settings(ctx),
        _parse_day(from_, "--from"),
        _parse_day(to, "--to"),
        force=force,
        break_lock=break_lock,
    )


_STATE_STYLE = {SUCCEEDED: "green", FAILED: "red", STARTED: "yellow"}


def _cell(entry: LedgerEntry | None) -> str:
    if entry is None:
        return "[dim]-[/]"
    style = _STATE_STYLE.get(entry.status, "")
    text = f"{entry.status} {entry.duration_s:.2f}s" if entry.status != STARTED else STARTED
    if entry.attempt > 1:
        text += f" (attempt {entry.attempt})"
    return f"[{style}]{text}[/]"


def status(
    ctx: typer.Context,
    days: int = typer.Option(10, "--days", "-n", help="How many of the latest days to show."),
) -> None:
    """The run ledger (latest days, each stage's state), table row counts, the last DQ results."""
    cfg = settings(ctx)
    runner = Runner(cfg)
    runner.storage.check()
    ledger = runner.ledger
    known = ledger.dates()
    table = Table(title=f"run ledger ({len(known)} business days recorded)")
    table.add_column("business day")
    for stage in STAGES:
        table.add_column(stage)
    for day in known[-days:]:
        entries = ledger.day(day)
        table.add_row(day.isoformat(), *(_cell(entries.get(s)) for s in STAGES))
    console.print(table if known else "run ledger: empty (nothing has run yet)")
    failed = [d for d in known[-days:] if ledger.pending_stage(d) is not None]
    for day in failed:
        stage = ledger.pending_stage(day)
        entry = ledger.get(day, stage)
        if entry is not None and entry.status == FAILED:
            console.print(f"[red]{day} {stage}:[/] {entry.error}", highlight=False)
    console.print(lock_line(runner.storage))
    console.print(row_count_table(cfg))
    dq = dq_table(cfg, days)
    if dq is not None:
        console.print(dq)


def lock_line(storage: Storage) -> str:
    holder = LakeLock(storage, run_id="status").read()
    if holder is None:
        return "lock: free"
    state = "[yellow]expired (stale)[/]" if holder.expired() else "[bold]held[/]"
    return f"lock: {state} by {holder.describe()}"


def row_count_table(cfg: Settings) -> Table | str:
    """Rows and files of every silver and gold table (from the Parquet footers)."""
    from lakehouse.catalog import open_catalog, table_stats

    con, store = open_catalog(cfg)
    try:
        stats = table_stats(con, store)
    finally:
        con.close()
    if not stats:
        return "tables: none yet"
    table = Table(title="tables")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("files", justify="right")
    for info in stats:
        table.add_row(info.name, f"{info.rows:,}", str(info.files))
    return table


DQ_TABLE = "gold.data_quality_daily"
DQ_QUERY = """
SELECT ingest_date, source_batch_id, raw_rows, kept_rows, repaired_rows, superseded_rows,
       rejected_rows, is_reconciled, orphan_sessions, unpriced_sessions
FROM gold.data_quality_daily
ORDER BY ingest_date DESC
LIMIT ?
"""


def dq_table(cfg: Settings, limit: int) -> Table | None:
    """The last batches' data-quality figures (gold.data_quality_daily), newest first."""
    from lakehouse.catalog import open_catalog, registered_views

    con, _ = open_catalog(cfg, layers=("gold",))
    try:
        if DQ_TABLE not in registered_views(con):
            return None
        cursor = con.execute(DQ_QUERY, [limit])
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    table = Table(title=f"last data-quality results ({DQ_TABLE})")
    for col in columns:
        table.add_column(col.replace("_rows", "").replace("_", " "), justify="right")
    for row in rows:
        cells = [str(v) for v in row]
        reconciled = columns.index("is_reconciled")
        cells[reconciled] = "[green]yes[/]" if row[reconciled] else "[red]NO[/]"
        table.add_row(*cells)
    return table
