"""`lakehouse run` (business days through the event chain) and `lakehouse status` (the ledger,
table sizes, the last data-quality results)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cli.context import (
    App,
    break_lock_option,
    console,
    err_console,
    lake_lock,
    lake_settings,
    parse_date,
)
from lakehouse.chain import STAGES
from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.lake.lock import LakeLock
from lakehouse.lake.storage import Storage
from lakehouse.orchestration import signals
from lakehouse.orchestration.ledger import (
    FAILED,
    INTERRUPTED,
    STARTED,
    SUCCEEDED,
    Ledger,
    LedgerEntry,
)
from lakehouse.orchestration.runner import Runner, RunReport

ledger_app = App(help="Inspect or correct the run ledger.", no_args_is_help=True)


def _number(detail: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = detail.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


def day_metrics(ledger: Ledger, day: date) -> dict[str, float | None]:
    """Sessions, repaired and rejected rows, revenue of one day, from its event details.

    Revenue is what the day added to gold's revenue to date (the difference from the previous
    day's total, when that day is in the ledger); `revenue_to_date` is the total after it."""
    entries = ledger.day(day)
    sim = entries["simulate"].detail if "simulate" in entries else {}
    ing = entries["ingest"].detail if "ingest" in entries else {}
    mat = entries["materialize"].detail if "materialize" in entries else {}
    raw_sessions = ing.get("sessions")
    sessions = raw_sessions if isinstance(raw_sessions, dict) else {}
    total = _number(mat, ("total_revenue",))
    before = ledger.get(day - timedelta(days=1), "materialize")
    previous = _number(before.detail, ("total_revenue",)) if before else None
    return {
        "sessions": _number(sim, ("clean_sessions",)),
        "repaired": _number(sessions, ("repaired",)),
        "rejected": _number(ing, ("rejected_rows",)),
        "revenue": total - previous if total is not None and previous is not None else None,
        "revenue_to_date": total,
    }


def _fmt(value: float | None, money: bool = False) -> str:
    if value is None:
        return "-"
    return f"${value:,.0f}" if money else f"{value:,.0f}"


SUMMED = ("sessions", "repaired", "rejected", "revenue")
HEADERS = {"sessions": "sessions", "repaired": "repaired", "rejected": "rejected"}
MONTHLY_ABOVE = 40
"""Runs longer than this many days are summarised per month instead of per day."""


def summary_table(report: RunReport, ledger: Ledger) -> Table:
    """One row per day run (per month for long runs), then totals; seconds per stage."""
    from rich import box

    per_month = len(report.ran) > MONTHLY_ABOVE
    groups: dict[str, dict[str, float]] = {}
    marks: dict[str, str] = {}
    revenue_to_date: float | None = None
    for day in report.ran:
        key = day.business_date.strftime("%Y-%m") if per_month else day.business_date.isoformat()
        group = groups.setdefault(key, {"days": 0})
        group["days"] += 1
        metrics = day_metrics(ledger, day.business_date)
        for name in SUMMED:
            value = metrics[name]
            if value is not None:
                group[name] = group.get(name, 0) + value
        for stage, secs in day.seconds.items():
            group[stage] = group.get(stage, 0) + secs
        revenue_to_date = metrics["revenue_to_date"] or revenue_to_date
        if day.status == "failed":
            marks[key] = f"[red]x failed in {day.failed_stage}[/]"
        elif day.resumed_from:
            marks[key] = f"[yellow]resumed at {day.resumed_from}[/]"

    table = Table(
        box=box.SIMPLE_HEAD, title=f"run {report.run_id}", title_justify="left", pad_edge=False
    )
    table.add_column("month" if per_month else "day", no_wrap=True)
    for name in SUMMED:
        table.add_column(HEADERS.get(name, name), justify="right", no_wrap=True)
    for stage in STAGES:
        table.add_column(stage[:3], justify="right", no_wrap=True)
    totals: dict[str, float] = {}
    for key, group in groups.items():
        for name, value in group.items():
            totals[name] = totals.get(name, 0) + value
        label = f"{key} ({group['days']:.0f}d)" if per_month else key
        table.add_row(label + (" *" if key in marks else ""), *_cells(group))
    if len(groups) > 1:
        table.add_section()
        table.add_row(f"{len(report.ran)} days", *_cells(totals), style="bold")
    notes = [f"* {key}: {mark}" for key, mark in marks.items()]
    notes.append(
        f"revenue to date {_fmt(revenue_to_date, money=True)}; repaired = kept with a value set "
        "by a rule, rejected = not kept (both audited in silver.err_sessions); "
        "sim/ing/mat/exp = seconds per stage"
    )
    skipped = len(report.days) - len(report.ran)
    if skipped:
        notes.append(f"{skipped} day(s) already complete, skipped")
    table.caption = "\n".join(notes)
    table.caption_justify = "left"
    return table


def _cells(group: dict[str, float]) -> list[str]:
    cells = [_fmt(group.get(n), money=n == "revenue") for n in SUMMED]
    return cells + [f"{group[s]:.2f}" if s in group else "-" for s in STAGES]


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

        def told(message: str) -> None:
            err_console.print(f"[yellow]note:[/] {escape(message)}", highlight=False)

        with _sigterm_as_interrupt():
            report = runner.run(
                start, end, force=force, break_lock=break_lock, progress=hook, notify=told
            )
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


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A `kill` (SIGTERM) stops the run like Ctrl-C: the stage is recorded as interrupted
    and the lock released. Only in the main thread, where Python can install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        signals.request_stop()  # noted first: see lakehouse.orchestration.signals
        raise KeyboardInterrupt

    signals.clear()
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(
    ctx: typer.Context,
    from_: str | None = typer.Option(
        None, "--from", help="First business day (default: the next day the ledger needs)."
    ),
    to: str | None = typer.Option(None, "--to", help="Last business day (default: --from)."),
    force: bool = typer.Option(False, "--force", help="Recompute days that already succeeded."),
    break_lock: bool = break_lock_option(),
) -> None:
    """Run business days through simulate -> ingest -> materialize -> export, day by day.

    Days whose stages all succeeded are skipped; a day that failed resumes at its failed stage.
    """
    start, end = parse_date(from_, "--from"), parse_date(to, "--to")
    execute_run(lake_settings(ctx), start, end, force=force, break_lock=break_lock)


_STATE_TEXT = {
    SUCCEEDED: "[green]ok",
    FAILED: "[red]FAILED",
    STARTED: "[yellow]started",
    INTERRUPTED: "[yellow]interrupted",
}


def _cell(entry: LedgerEntry | None) -> str:
    if entry is None:
        return "[dim]-"
    text = _STATE_TEXT.get(entry.status, entry.status)
    if entry.status != STARTED:
        text += f" {entry.duration_s:.2f}s"
    return text + (f" #{entry.attempt}" if entry.attempt > 1 else "")


def status(
    ctx: typer.Context,
    days: int = typer.Option(10, "--days", "-n", help="How many of the latest days to show."),
) -> None:
    """The run ledger (latest days, each stage's state), table row counts, the last DQ results."""
    from rich import box

    cfg = lake_settings(ctx)
    runner = Runner(cfg)
    runner.storage.check()
    ledger = runner.ledger
    known = ledger.dates()
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"run ledger: last {min(days, len(known))} of {len(known)} business days",
        caption="seconds of the last attempt; #n = attempts so far",
    )
    table.add_column("business day")
    for stage in STAGES:
        table.add_column(stage)
    for day in known[-days:]:
        entries = ledger.day(day)
        table.add_row(day.isoformat(), *(_cell(entries.get(s)) for s in STAGES))
    console.print(table if known else "run ledger: empty (nothing has run yet)")
    for day, stage, entry in ledger.incomplete():
        state = "not started" if entry is None else entry.status
        console.print(
            f"[red]incomplete:[/] {day} {stage} {escape(state)}"
            + (f": {escape(entry.error)}" if entry is not None and entry.error else ""),
            highlight=False,
        )
        console.print(
            f"  resume with: lakehouse run --from {day}, or forget the day with: "
            f"lakehouse ledger clear --date {day}",
            highlight=False,
        )
    console.print(lock_line(runner.storage))
    console.print(row_count_table(cfg))
    dq = dq_table(cfg, days)
    if dq is not None:
        console.print(dq)


def lock_line(storage: Storage) -> str:
    holder = LakeLock(storage, run_id="status").read()
    if holder is None:
        return "lock: free"
    if holder.dead_here():
        state = "[yellow]stale (its process is gone; the next command takes it over)[/]"
    elif holder.expired():
        state = "[yellow]expired (the next command takes it over)[/]"
    else:
        state = "[bold]held[/]"
    return f"lock: {state} by {escape(holder.describe())}"


def row_count_table(cfg: Settings) -> Table | str:
    """Rows and data files of every silver and gold table (from the lake catalog)."""
    from rich import box

    from lakehouse.lake.catalog import lake_stats

    stats = lake_stats(cfg)
    if not stats:
        return "tables: none yet"
    table = Table(box=box.SIMPLE_HEAD, title="tables")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("files", justify="right")
    for info in stats:
        table.add_row(Text(info.name), f"{info.rows:,}", str(info.files))
    return table


DQ_TABLE = "gold.data_quality_daily"
DQ_QUERY = """
SELECT ingest_date, raw_rows, kept_rows, repaired_rows, superseded_rows, rejected_rows,
       is_reconciled, orphan_sessions, unpriced_sessions
FROM gold.data_quality_daily
ORDER BY ingest_date DESC
LIMIT ?
"""
DQ_HEADERS = (
    "batch", "raw", "kept", "repaired", "super.", "rejected", "recon.", "orphan", "no rate"
)  # fmt: skip


def dq_table(cfg: Settings, limit: int) -> Table | None:
    """The last batches' data-quality figures (gold.data_quality_daily), newest first."""
    from rich import box

    from lakehouse.lake.catalog import open_catalog, registered_views

    con = open_catalog(cfg, layers=("gold",))
    try:
        if DQ_TABLE not in registered_views(con):
            return None
        rows = con.execute(DQ_QUERY, [limit]).fetchall()
    finally:
        con.close()
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"last data-quality results ({DQ_TABLE})",
        pad_edge=False,
        caption="batch = ingest date; super. = superseded; recon. = raw = kept + super. + "
        "rejected; no rate = billable, unpriced; every repaired, superseded and rejected row "
        "has an audit row in silver.err_sessions",
    )
    for header in DQ_HEADERS:
        table.add_column(header, justify="left" if header == "batch" else "right", no_wrap=True)
    for row in rows:
        cells = [str(v) for v in row]
        cells[6] = "[green]yes[/]" if row[6] else "[red]NO[/]"
        table.add_row(*cells)
    return table


@ledger_app.command("clear")
def ledger_clear(
    ctx: typer.Context,
    date_: str = typer.Option(..., "--date", help="The business day to forget (YYYY-MM-DD)."),
    stage: str | None = typer.Option(
        None, "--stage", help=f"Forget only this stage and the ones after it ({', '.join(STAGES)})."
    ),
    break_lock: bool = break_lock_option(),
) -> None:
    """Forget one business day's ledger entries, so a run no longer resumes (or skips) it.

    The lake's data is not touched: a cleared day that had landed is recognised by the
    next run; one that was never simulated is simply not in the ledger any more.
    """
    if stage is not None and stage not in STAGES:
        raise typer.BadParameter(f"choose one of {', '.join(STAGES)}", param_hint="--stage")
    day = parse_date(date_, "--date")
    assert day is not None
    cfg = lake_settings(ctx)
    runner = Runner(cfg)
    runner.storage.check()
    with lake_lock(cfg, "ledger-clear", break_lock):
        gone = runner.ledger.clear(day, stage)
    if not gone:
        console.print(f"the ledger has no entry for {day}" + (f" {stage}" if stage else ""))
        return
    console.print(f"[green]cleared[/] the ledger of {day}: {', '.join(gone)} (data untouched)")
