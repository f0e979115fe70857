"""Loading a batch's validated raw files as the DuckDB `bronze.*` relations.

`load_batch` checks every file of the batch (`lakehouse.bronze.files`), then loads each into
DuckDB as `bronze.sessions`, `bronze.students`, `bronze.tutors`: every contract column as
VARCHAR (as in the file), plus `file_kind` ('history' without batch columns, 'daily' with them),
`source_file` (the lake key), `source_row` (1-based data row in the file), `ingest_date` and
`parse_error` (set for a line whose field count is wrong: it is kept as a row, never dropped,
and rejected by silver).

Rows keep their file order: DuckDB reads each file into its own table with insertion order
preserved, so a row's `rowid` is its position among the well-formed lines. Lines whose field
count is wrong are reported by DuckDB's reject store with their line number; they are kept as
rows with `parse_error` set and the fields split as well as possible, and the numbering of the
other rows skips them, so `source_row` is the row's data line number in the file either way.
`bronze.<entity>` is then a view over the batch's files (no second copy of the rows).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.bronze.files import (
    ENTITIES,
    LINEAGE_COLUMNS,
    MIGRATION_BATCH_ID,
    RAW_PREFIX,
    BronzeBatch,
    RawFile,
    batch_files,
    csv_header,
    file_kind,
    raw_columns,
)
from lakehouse.errors import InputFileError
from lakehouse.lake.scratch import scratch_dir
from lakehouse.lake.storage import Storage
from lakehouse.models import SQL_DIR, literal

if TYPE_CHECKING:
    import duckdb


def set_variables(con: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    """DuckDB session variables read by the bronze SQL (`getvariable('name')`), written as
    SQL literals by sqlglot (prepared-statement values make the client probe for pandas)."""
    from sqlglot import exp

    statements = []
    for name, value in values.items():
        expression: exp.Expr
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


def _sql_literal(value: Any) -> str:
    return literal(value).sql(dialect="duckdb")


@dataclass
class BronzeLoader:
    """Reads a batch's files one by one, then defines the `bronze.<entity>` views."""

    con: duckdb.DuckDBPyConnection
    day: date
    parts: dict[str, list[str]] = field(default_factory=lambda: {e: [] for e in ENTITIES})

    def __post_init__(self) -> None:
        self.con.execute("DROP SCHEMA IF EXISTS bronze CASCADE; CREATE SCHEMA bronze")

    def add(self, raw: RawFile, path: Path) -> None:
        """Read one raw file (its well-formed rows, then its malformed lines)."""
        n = sum(len(p) for p in self.parts.values())
        table = f"bronze.file_{n}"
        rejects = self._read(raw, path, table)
        # A rejected line's data row number is its line number minus the header line. The
        # k-th (0-based) well-formed row is data row k + 1 plus the rejected rows numbered
        # before it: with rejected rows r_1 < r_2 < ..., those are the j with r_j - j <= k.
        row_number = "f.rowid + 1"
        if rejects:
            rows = sorted(int(reject[0]) - 1 for reject in rejects)
            skips = ", ".join(f"({r - j})" for j, r in enumerate(rows, start=1))
            row_number = (
                f"f.rowid + 1 + (SELECT count(*) FROM (VALUES {skips}) AS s (skip_after) "
                "WHERE s.skip_after <= f.rowid)"
            )
        lineage = ", ".join(
            [_sql_literal(raw.kind), _sql_literal(raw.key), row_number, _sql_literal(self.day)]
        )
        self.parts[raw.entity].append(
            f"SELECT {', '.join(self._columns(raw))}, {lineage}, CAST(NULL AS VARCHAR) "
            f"FROM {table} AS f"
        )
        if rejects:
            self.parts[raw.entity].append(
                f"SELECT * FROM {self._malformed(raw, f'{table}_malformed', rejects)}"
            )

    def finish(self) -> None:
        """`bronze.<entity>`: every row of the batch's files of that entity, or none."""
        for entity in ENTITIES:
            names = [*raw_columns(entity), *LINEAGE_COLUMNS]
            types = ["VARCHAR"] * len(raw_columns(entity)) + list(LINEAGE_COLUMNS.values())
            parts = self.parts[entity] or [
                "SELECT " + ", ".join(f"CAST(NULL AS {t})" for t in types) + " WHERE false"
            ]
            columns = ", ".join(names)
            self.con.execute(
                f"CREATE OR REPLACE VIEW bronze.{entity} ({columns}) AS "
                + " UNION ALL ".join(parts)
            )

    def _read(self, raw: RawFile, path: Path, table: str) -> list[tuple]:
        """Read one file into `table`; return its rejected lines (line, text, error, too long)."""
        import duckdb

        con = self.con
        con.execute("DROP TABLE IF EXISTS bronze_rejects; DROP TABLE IF EXISTS bronze_reject_scans")
        try:
            if raw.key.endswith(".csv"):
                columns = dict.fromkeys(raw.columns, "VARCHAR")
                set_variables(con, {"bronze_path": str(path), "bronze_columns": columns})
                con.execute(f"CREATE TABLE {table} AS {_sql('read_csv')}")
                return con.execute(
                    "SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; '), "
                    "bool_or(error_type = 'LINE SIZE OVER MAXIMUM') "
                    "FROM bronze_rejects GROUP BY line ORDER BY line"
                ).fetchall()
            set_variables(con, {"bronze_path": str(path)})
            con.execute(f"CREATE TABLE {table} AS {_sql('read_parquet')}")
            return []
        except duckdb.Error as exc:
            raise InputFileError(f"{raw.key}: cannot be read: {exc}") from None

    @staticmethod
    def _columns(raw: RawFile) -> list[str]:
        """One VARCHAR expression per contract column: the file's column, or NULL if absent."""
        by_name = {name.lower(): name for name in raw.columns}
        return [
            f"CAST({_quote(by_name[c])} AS VARCHAR)" if c in by_name else "CAST(NULL AS VARCHAR)"
            for c in raw_columns(raw.entity)
        ]

    def _malformed(self, raw: RawFile, table: str, rejects: list[tuple]) -> str:
        """Keep each malformed line as a row: its fields split by position as far as they go.

        A line over DuckDB's maximum line size comes back truncated, so its fields are not
        split (they would be wrong); the row carries DuckDB's own message about its size."""
        position = {name: i for i, name in enumerate(raw.columns)}
        rows = []
        for line, text, message, too_long in rejects:
            fields = [] if too_long else next(csv.reader([text or ""]), [])
            values = [
                fields[position[c]] if c in position and position[c] < len(fields) else None
                for c in raw_columns(raw.entity)
            ]
            if too_long:
                error = f"line too long to read: {message}"
            elif len(fields) != len(raw.columns):
                error = f"line has {len(fields)} fields, the header has {len(raw.columns)}"
            else:
                error = message
            rows.append((*values, raw.kind, raw.key, int(line) - 1, self.day, error))
        columns = [f"{c} VARCHAR" for c in raw_columns(raw.entity)]
        columns += [f"{c} {t}" for c, t in LINEAGE_COLUMNS.items()]
        self.con.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
        marks = ", ".join("?" for _ in columns)
        self.con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        return table


def _parquet_header(con: duckdb.DuckDBPyConnection, key: str, path: Path) -> list[str]:
    import duckdb

    try:
        set_variables(con, {"bronze_path": str(path)})
        rel = con.execute(f"SELECT * FROM ({_sql('read_parquet')}) LIMIT 0")
        return [d[0] for d in rel.description]
    except duckdb.Error as exc:
        raise InputFileError(f"{key}: not a readable Parquet file ({exc})") from None


def _scratch_dir(storage: Storage):
    """A temporary folder for downloaded raw files; a local lake's files are read in place."""
    if storage.kind == "local":
        return contextlib.nullcontext("")
    return scratch_dir("bronze")


def _sql(name: str) -> str:
    return (SQL_DIR / "bronze" / f"{name}.sql").read_text(encoding="utf-8")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_batch(con: duckdb.DuckDBPyConnection, storage: Storage, day: date) -> BronzeBatch:
    """Validate every raw file of the batch, then load them as the `bronze.*` tables."""
    files = batch_files(storage, day)
    if not any(files.values()):
        raise InputFileError(
            f"no raw batch for ingest_date={day.isoformat()} under {storage.uri(RAW_PREFIX)}"
        )
    with _scratch_dir(storage) as tmp:
        staged: list[tuple[RawFile, Path]] = []
        for entity in ENTITIES:
            for key in files[entity]:
                data = storage.read_bytes(key)
                path = Path(storage.uri(key)) if storage.kind == "local" else None
                if path is None:
                    path = Path(tmp) / f"{len(staged)}{Path(key).suffix}"
                    path.write_bytes(data)
                if key.endswith(".csv"):
                    names = csv_header(key, data)
                else:
                    names = _parquet_header(con, key, path)
                kind = file_kind(key, entity, names)
                digest = hashlib.sha256(data).hexdigest()
                raw = RawFile(key, entity, kind, tuple(names), digest, len(data))
                staged.append((raw, path))
        loader = BronzeLoader(con, day)
        for raw, path in staged:
            loader.add(raw, path)
        loader.finish()
    mixed = con.execute(_sql("mixed_batch_ids")).fetchall()
    if mixed:
        key, count, examples = mixed[0]
        shown = ", ".join(
            e if len(e) <= 40 else f"{e[:40]}... ({len(e):,} characters)" for e in examples
        )
        raise InputFileError(
            f"{key}: its rows carry {count} different source_batch_ids ({shown}); "
            "a file holds one batch, fix or split the file"
        )
    batch_id = con.execute(_sql("batch_id")).fetchone()
    if batch_id:
        source_batch_id = batch_id[0]
    elif any(raw.kind == "daily" for raw, _ in staged):
        source_batch_id = f"sim_{day.isoformat()}"
    else:
        source_batch_id = MIGRATION_BATCH_ID
    return BronzeBatch(day, tuple(raw for raw, _ in staged), source_batch_id)
