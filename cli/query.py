"""`lakehouse query`: ad-hoc SQL over every silver and gold table, printed for a reader (a table,
or one record per block when the columns do not fit) or for a program (csv, json)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.context import console, err_console, lake_settings, parse_date
from lakehouse.errors import EngineError, UsageError

if TYPE_CHECKING:
    import duckdb

TABLE_ROWS = 50
"""Rows the table and records formats print when --limit is not given."""
DRAIN_CHUNK = 10_000


class OutputFormat(StrEnum):
    table = "table"
    records = "records"
    csv = "csv"
    json = "json"


@dataclass
class Result:
    """One statement's result set: the rows kept for printing and how many there were."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int

    @property
    def shown_all(self) -> bool:
        return len(self.rows) == self.total


def _plain(value: Any) -> Any:
    """A JSON-safe value: exact decimals as numbers, times as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        return str(value)
    return value


def _text(value: Any) -> str:
    return "NULL" if value is None else str(value)


def fetch(cursor: duckdb.DuckDBPyConnection, limit: int | None) -> Result:
    """Keep the first `limit` rows (all when None) and count the rest without keeping them."""
    columns = [d[0] for d in cursor.description or []]
    if limit is None:
        rows = cursor.fetchall()
        return Result(columns, rows, len(rows))
    rows = cursor.fetchmany(limit) if limit else []
    total = len(rows)
    while chunk := cursor.fetchmany(DRAIN_CHUNK):
        total += len(chunk)
    return Result(columns, rows, total)


def _returns_rows(statement: duckdb.Statement) -> bool:
    """SELECT, SHOW, DESCRIBE, EXPLAIN...; not CREATE or INSERT (whose result is a row count)."""
    import duckdb

    return duckdb.ExpectedResultType.CHANGED_ROWS not in statement.expected_result_type


def split_statements(con: duckdb.DuckDBPyConnection, sql: str) -> list[duckdb.Statement]:
    """The statements of `sql`, in order; a usage error when there is none."""
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise EngineError(f"query failed: {exc}") from None
    if not statements:
        raise UsageError('no SQL statement given, e.g. lakehouse query "SHOW TABLES"')
    return statements


def run_statements(
    con: duckdb.DuckDBPyConnection, statements: list[duckdb.Statement], limit: int | None
) -> list[Result]:
    """Run each statement in order; return the result sets of those that produce rows."""
    import duckdb

    results = []
    for number, statement in enumerate(statements, 1):
        try:
            cursor = con.execute(statement)
            if cursor.description is not None and _returns_rows(statement):
                results.append(fetch(cursor, limit))
        except duckdb.Error as exc:
            where = f" (statement {number} of {len(statements)})" if len(statements) > 1 else ""
            raise EngineError(f"query failed{where}: {exc}") from None
    return results


def natural_width(result: Result) -> int:
    """Characters a one-line-per-row table of the result needs (borders and padding too)."""
    widths = [len(c) for c in result.columns]
    for row in result.rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(_text(value)))
    return sum(widths) + 3 * len(widths) + 1


def _caption(result: Result) -> str:
    total = f"{result.total:,} row{'s' if result.total != 1 else ''}"
    if result.shown_all:
        return total
    return f"{total}, first {len(result.rows):,} shown (--limit 0 prints all {result.total:,})"


def print_table(result: Result) -> None:
    view = Table()
    numeric = [
        any(isinstance(row[i], int | float | Decimal) for row in result.rows)
        for i in range(len(result.columns))
    ]
    for column, is_number in zip(result.columns, numeric, strict=True):
        view.add_column(escape(column), overflow="fold", justify="right" if is_number else "left")
    for row in result.rows:
        view.add_row(*(escape(_text(v)) for v in row))
    console.print(view)


def print_records(result: Result) -> None:
    """One block per row, one line per column (psql's expanded display): wide rows stay
    readable at any terminal width."""
    label = max((len(c) for c in result.columns), default=0)
    for number, row in enumerate(result.rows, 1):
        console.print(f"[bold]-[ record {number} ]-[/]", highlight=False)
        for column, value in zip(result.columns, row, strict=True):
            console.print(
                f"[cyan]{escape(column.ljust(label))}[/] │ {escape(_text(value))}",
                highlight=False,
                soft_wrap=True,
            )


def query_command(
    ctx: typer.Context,
    sql: str = typer.Argument(
        ...,
        metavar="SQL",
        help='DuckDB SQL over the views silver.* and gold.*, e.g. "FROM gold.monthly_revenue" '
        'or "SHOW TABLES"; several statements separated by ; run in order.',
    ),
    limit: int | None = typer.Option(
        None,
        "--limit",
        "-n",
        min=0,
        help=f"Rows to print per result; 0 prints all. Default: {TABLE_ROWS} for table and "
        "records, all for csv and json.",
    ),
    fmt: OutputFormat = typer.Option(
        OutputFormat.table,
        "--format",
        "-f",
        help="table (one record per block when the columns do not fit), records, csv or json.",
    ),
    at_batch: str | None = typer.Option(
        None,
        "--at-batch",
        help="Read silver and gold as they were right after this ingest date (YYYY-MM-DD).",
    ),
) -> None:
    """Run ad-hoc SQL over every silver and gold table of the lake and print the result.

    All statements read one snapshot of the lake: the latest, or the one of --at-batch."""
    from lakehouse.gold.materialize import register_gold_views
    from lakehouse.lake.catalog import open_catalog

    if not sql.strip():
        raise UsageError('no SQL statement given, e.g. lakehouse query "SHOW TABLES"')
    readable = fmt in (OutputFormat.table, OutputFormat.records)
    keep = (TABLE_ROWS if readable else None) if limit is None else (limit or None)
    con = open_catalog(lake_settings(ctx), at_batch=parse_date(at_batch))
    try:
        register_gold_views(con)
        schemas = [
            s
            for (s,) in con.execute(
                "SELECT DISTINCT schema_name FROM information_schema.schemata "
                "WHERE catalog_name = 'memory' AND schema_name IN ('silver', 'gold') "
                "ORDER BY schema_name DESC"
            ).fetchall()
        ]
        if schemas:  # SHOW TABLES and unqualified names see the lake's tables
            con.execute(f"SET search_path = '{','.join(schemas)}'")
        statements = split_statements(con, sql)
        returning = sum(_returns_rows(s) for s in statements)
        if not readable and returning > 1:
            raise UsageError(
                f"{fmt.value} prints one result, and {returning} statements return rows: "
                "run them one at a time, or use --format table"
            )
        results = run_statements(con, statements, keep)
    finally:
        con.close()
    if not results:
        console.print("[dim]ok (no result set)[/]")
        return
    for number, result in enumerate(results, 1):
        if len(results) > 1:
            console.rule(f"result {number} of {len(results)}", style="dim")
        if fmt is OutputFormat.csv:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(result.columns)
            writer.writerows([_plain(v) for v in row] for row in result.rows)
        elif fmt is OutputFormat.json:
            records = [
                {c: _plain(v) for c, v in zip(result.columns, row, strict=True)}
                for row in result.rows
            ]
            typer.echo(json.dumps(records, indent=2))
        elif fmt is OutputFormat.records or natural_width(result) > console.width:
            print_records(result)
        else:
            print_table(result)
        if readable:
            console.print(f"[dim]{_caption(result)}[/]", highlight=False)
        elif not result.shown_all:  # on stderr, so the output stays parseable
            err_console.print(f"[dim]{_caption(result)}[/]", highlight=False)
