"""Loading validated raw files into the DuckDB `bronze.*` tables (the DuckDB adapter's part).

Rows keep their file order: DuckDB reads each file into a scratch table with insertion order
preserved, so a row's `rowid` is its position among the well-formed lines. Lines whose field
count is wrong are reported by DuckDB's reject store with their line number; they are added as
rows with `parse_error` set and the fields split as well as possible, and the numbering of the
other rows skips them, so `source_row` is the row's data line number in the file either way.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.bronze import (
    ENTITIES,
    LINEAGE_COLUMNS,
    RawFile,
    _quote,
    _sql,
    raw_columns,
)
from lakehouse.errors import InputFileError
from lakehouse.models import literal

if TYPE_CHECKING:
    import duckdb

SCRATCH = "bronze_file"


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Fresh, empty `bronze.<entity>` tables for one batch."""
    con.execute("CREATE SCHEMA IF NOT EXISTS bronze")
    for entity in ENTITIES:
        columns = [f"{c} VARCHAR" for c in raw_columns(entity)]
        columns += [f"{c} {t}" for c, t in LINEAGE_COLUMNS.items()]
        con.execute(f"CREATE OR REPLACE TABLE bronze.{entity} ({', '.join(columns)})")


def _set_variables(con: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    """DuckDB session variables read by the bronze SQL (`getvariable('name')`), written as
    SQL literals by sqlglot (prepared-statement values make the client probe for pandas)."""
    from sqlglot import exp

    statements = []
    for name, value in values.items():
        if isinstance(value, dict):
            expression = exp.Struct(
                expressions=[
                    exp.PropertyEQ(this=exp.Literal.string(k), expression=exp.Literal.string(v))
                    for k, v in value.items()
                ]
            )
        else:
            expression = literal(value)
        statements.append(f"SET VARIABLE {name} = {expression.sql(dialect='duckdb')}")
    con.execute("; ".join(statements))


def _read_scratch(con: duckdb.DuckDBPyConnection, raw: RawFile, path: Path) -> list[tuple]:
    """Read one file into the scratch table; return its rejected lines (line, text, error)."""
    import duckdb

    con.execute("DROP TABLE IF EXISTS bronze_rejects; DROP TABLE IF EXISTS bronze_reject_scans")
    try:
        if raw.key.endswith(".csv"):
            columns = dict.fromkeys(raw.columns, "VARCHAR")
            _set_variables(con, {"bronze_path": str(path), "bronze_columns": columns})
            con.execute(f"CREATE OR REPLACE TEMP TABLE {SCRATCH} AS {_sql('read_csv')}")
            return con.execute(
                "SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; ') "
                "FROM bronze_rejects GROUP BY line ORDER BY line"
            ).fetchall()
        _set_variables(con, {"bronze_path": str(path)})
        con.execute(f"CREATE OR REPLACE TEMP TABLE {SCRATCH} AS {_sql('read_parquet')}")
        return []
    except duckdb.Error as exc:
        raise InputFileError(f"{raw.key}: cannot be read: {exc}") from None


def _select_list(raw: RawFile) -> list[str]:
    """One VARCHAR expression per contract column: the file's column, or NULL if absent."""
    by_name = {name.lower(): name for name in raw.columns}
    return [
        f"CAST({_quote(by_name[c])} AS VARCHAR)" if c in by_name else "CAST(NULL AS VARCHAR)"
        for c in raw_columns(raw.entity)
    ]


def insert_file(con: duckdb.DuckDBPyConnection, raw: RawFile, path: Path, day: date) -> None:
    """Append one raw file to `bronze.<entity>`."""
    rejects = _read_scratch(con, raw, path)
    # A rejected line's data row number is its line number minus the header line. The k-th
    # (0-based) well-formed row is data row k + 1 plus the rejected rows numbered before it:
    # with rejected rows r_1 < r_2 < ..., those are the j with r_j - j <= k.
    rejected_rows = [int(line) - 1 for line, _, _ in rejects]
    if rejected_rows:
        skips = [(r - j) for j, r in enumerate(sorted(rejected_rows), start=1)]
        con.execute("CREATE OR REPLACE TEMP TABLE bronze_skips (skip_after BIGINT)")
        con.executemany("INSERT INTO bronze_skips VALUES (?)", [(s,) for s in skips])
        row_number = (
            f"{SCRATCH}.rowid + 1 + "
            f"(SELECT count(*) FROM bronze_skips AS s WHERE s.skip_after <= {SCRATCH}.rowid)"
        )
    else:
        row_number = f"{SCRATCH}.rowid + 1"
    _set_variables(con, {"bronze_kind": raw.kind, "bronze_file": raw.key, "bronze_day": day})
    con.execute(
        f"INSERT INTO bronze.{raw.entity} SELECT {', '.join(_select_list(raw))}, "
        "getvariable('bronze_kind'), getvariable('bronze_file'), "
        f"{row_number}, getvariable('bronze_day'), NULL FROM {SCRATCH}"
    )
    if rejects:
        _insert_malformed(con, raw, day, rejects)
    con.execute(f"DROP TABLE {SCRATCH}")


def _insert_malformed(
    con: duckdb.DuckDBPyConnection, raw: RawFile, day: date, rejects: list[tuple]
) -> None:
    """Keep each malformed line as a row: its fields split by position as far as they go."""
    position = {name: i for i, name in enumerate(raw.columns)}
    rows = []
    for line, text, message in rejects:
        fields = next(csv.reader([text or ""]), [])
        values = [
            fields[position[c]] if c in position and position[c] < len(fields) else None
            for c in raw_columns(raw.entity)
        ]
        if len(fields) != len(raw.columns):
            error = f"line has {len(fields)} fields, the header has {len(raw.columns)}"
        else:
            error = message
        rows.append((*values, raw.kind, raw.key, int(line) - 1, day, error))
    marks = ", ".join("?" for _ in range(len(raw_columns(raw.entity)) + len(LINEAGE_COLUMNS)))
    con.executemany(f"INSERT INTO bronze.{raw.entity} VALUES ({marks})", rows)
