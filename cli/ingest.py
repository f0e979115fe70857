"""`lakehouse land`, `lakehouse ingest`, `lakehouse check`: bronze -> silver, and its checks."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from cli.context import (
    break_lock_option,
    console,
    err_console,
    lake_lock,
    lake_settings,
    parse_date,
)
from lakehouse.errors import UsageError


def ingest_command(
    ctx: typer.Context,
    day: str | None = typer.Option(
        None, "--date", help="Ingest the raw batch landed at ingest_date=YYYY-MM-DD."
    ),
    all_: bool = typer.Option(
        False, "--all", help="Ingest every landed batch not ingested yet, oldest first."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    break_lock: bool = break_lock_option(),
) -> None:
    """Ingest raw batches (bronze CSV/Parquet) into the silver tables."""
    from lakehouse.silver.ingest import ingest_batch, ingest_pending

    if (day is None) == (not all_):
        raise UsageError("give either --date YYYY-MM-DD or --all")
    batch = parse_date(day)
    cfg = lake_settings(ctx)
    with lake_lock(cfg, "ingest", break_lock):
        results = ingest_pending(cfg) if batch is None else [ingest_batch(cfg, batch)]
    if as_json:
        typer.echo(json.dumps([r.to_detail() for r in results], indent=2))
        return
    if not results:
        console.print("nothing to ingest: every landed batch is already in silver")
        return
    for r in results:
        s, st, tu = r.entity("sessions"), r.entity("students"), r.entity("tutors")
        status = r.status.replace("_", " ")
        console.print(
            f"[bold]{r.ingest_date}[/] {escape(r.source_batch_id)} {status}: "
            f"sessions {s.raw:,} raw = {s.kept:,} kept ({s.repaired:,} repaired) + "
            f"{s.superseded:,} superseded + {s.rejected:,} rejected; "
            f"student rows {st.kept:,}, tutor rows {tu.kept:,}",
            highlight=False,
        )
    console.print(f"[dim]lake: {escape(cfg.lake)}[/]")


def land_command(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ...,
        help="Folder with {sessions,students,tutors}/ingest_date=YYYY-MM-DD/*.csv "
        "(e.g. data/seed-data/replay/raw).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    break_lock: bool = break_lock_option(),
) -> None:
    """Land a folder of raw batches into the lake's bronze zone (then `ingest --all`)."""
    from lakehouse.bronze.landing import land

    cfg = lake_settings(ctx)
    with lake_lock(cfg, "land", break_lock):
        result = land(cfg, path)
    if as_json:
        typer.echo(json.dumps(result.to_detail(), indent=2))
        return
    console.print(
        f"landed {len(result.landed)} batch(es), {result.files} file(s), {result.bytes:,} bytes "
        f"from {escape(str(result.source))}"
    )
    if result.unchanged:
        console.print(f"[dim]{len(result.unchanged)} batch(es) were already landed as they are[/]")
    if result.landed:
        console.print("next: `lakehouse ingest --all`")


def check_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Run the data-quality checks on silver; exit 1 if one fails, showing its failing rows."""
    from lakehouse.silver.quality import DQ_PREFIX, run_checks

    cfg = lake_settings(ctx)
    report = run_checks(cfg)
    if as_json:
        typer.echo(json.dumps(report.to_detail(), indent=2, default=str))
    else:
        view = Table(title=f"data-quality checks (silver as of {report.as_of or 'no batch'})")
        view.add_column("check")
        view.add_column("result")
        view.add_column("failing rows", justify="right")
        view.add_column("rule", overflow="fold")
        for c in report.checks:
            mark = "[green]pass[/]" if c.passed else "[bold red]FAIL[/]"
            view.add_row(c.check, mark, f"{c.failing_rows:,}", c.description)
        console.print(view)
        for c in report.checks:
            if c.passed:
                continue
            rows = Table(title=f"{c.check}: first {len(c.sample)} of {c.failing_rows} rows")
            for column in c.columns:
                rows.add_column(escape(column), overflow="fold")
            for row in c.sample:
                rows.add_row(*(Text("" if v is None else str(v)) for v in row))
            err_console.print(rows)
        console.print(f"[dim]stored under {DQ_PREFIX}/ in the lake[/]")
    if not report.passed:
        raise typer.Exit(1)
