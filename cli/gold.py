"""`lakehouse materialize`, `lakehouse query`, `lakehouse tables`: build gold, and look at any
silver or gold table with SQL, local or on S3."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from decimal import Decimal
from enum import StrEnum
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from cli.context import break_lock_option, console, lake_lock, parse_date, settings
from lakehouse.errors import EngineError


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def materialize_command(
    ctx: typer.Context,
    date: str | None = typer.Option(
        None,
        "--date",
        help="Ingest date to build gold as of (YYYY-MM-DD). Default: the latest ingested batch.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the MaterializationCompleted event detail as JSON."
    ),
    break_lock: bool = break_lock_option(),
) -> None:
    """Build the gold tables from silver (a full rebuild; reruns give identical tables)."""
    from lakehouse.stages.materialize import materialize

    cfg = settings(ctx)
    with lake_lock(cfg, "materialize", break_lock):
        result = materialize(cfg, as_of=parse_date(date))
    if as_json:
        typer.echo(json.dumps(result.to_detail(), indent=2))
        return
    view = Table(
        title=f"gold as of {result.as_of} (as_of_ts {result.as_of_ts}, "
        f"generated_at {result.generated_at})"
    )
    view.add_column("table")
    view.add_column("rows", justify="right")
    for name, rows in result.row_counts.items():
        view.add_row(name, f"{rows:,}")
    console.print(view)
    console.print(
        f"revenue {result.total_revenue:,.2f}  contractor pay {result.total_contractor_pay:,.2f}  "
        f"margin {result.total_revenue - result.total_contractor_pay:,.2f}"
    )


def _plain(value: Any) -> Any:
    """A JSON-safe value: exact decimals as numbers, times as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        return str(value)
    return value


def query_command(
    ctx: typer.Context,
    sql: str = typer.Argument(
        ..., help='DuckDB SQL over the views silver.* and gold.*, e.g. "FROM gold.monthly_revenue"'
    ),
    limit: int = typer.Option(50, "--limit", "-n", help="Rows to print at most (0: all)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    at_batch: str | None = typer.Option(
        None,
        "--at-batch",
        help="Read silver and gold as they were right after this ingest date (YYYY-MM-DD).",
    ),
) -> None:
    """Run ad-hoc SQL over every silver and gold table of the lake and print the result.

    All statements read one snapshot of the lake: the latest, or the one of --at-batch."""
    import duckdb

    from lakehouse.catalog import open_catalog
    from lakehouse.stages.materialize import register_gold_views

    con = open_catalog(settings(ctx), at_batch=parse_date(at_batch))
    try:
        register_gold_views(con)
        try:
            cursor = con.execute(sql)
        except duckdb.Error as exc:
            raise EngineError(f"query failed: {exc}") from None
        if cursor.description is None:
            console.print("[dim]ok (no result set)[/]")
            return
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall() if limit <= 0 else cursor.fetchmany(limit + 1)
    finally:
        con.close()
    more = limit > 0 and len(rows) > limit
    rows = rows[:limit] if more else rows
    if fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_plain(v) for v in row] for row in rows)
    elif fmt is OutputFormat.json:
        records = [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        typer.echo(json.dumps(records, indent=2))
    else:
        view = Table(caption=f"{len(rows)} row(s)" + (f", first {limit} shown" if more else ""))
        numeric = [
            any(isinstance(row[i], int | float | Decimal) for row in rows)
            for i in range(len(columns))
        ]
        for column, is_number in zip(columns, numeric, strict=True):
            view.add_column(
                escape(column), overflow="fold", justify="right" if is_number else "left"
            )
        for row in rows:
            view.add_row(*(Text("NULL" if v is None else str(v)) for v in row))
        console.print(view)


def tables_command(ctx: typer.Context) -> None:
    """List every silver and gold table with its row and data-file counts."""
    from lakehouse.catalog import lake_stats

    cfg = settings(ctx)
    stats = lake_stats(cfg)
    if not stats:
        console.print(
            f"no tables under {escape(cfg.lake)}: run `lakehouse ingest` and `materialize`"
        )
        return
    view = Table(caption=f"lake: {escape(cfg.lake)}")
    view.add_column("table")
    view.add_column("rows", justify="right")
    view.add_column("files", justify="right")
    for info in stats:
        view.add_row(Text(info.name), f"{info.rows:,}", f"{info.files:,}")
    console.print(view)
