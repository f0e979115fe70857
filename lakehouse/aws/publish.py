"""Gold on Athena, published as the lake's plain Parquet tables.

On Athena the gold models are Iceberg tables under `<lake>/iceberg/gold/`, which the readers of
gold (export, report, `lakehouse query`) do not open; they read plain Parquet under
`gold/<table>/` (`lakehouse.lake.catalog` finds it there). After the gold models ran, each table
is therefore published there:

1. `UNLOAD (SELECT * FROM <gold db>.<table>) TO '<lake>/_staging/unload/<run>/<table>/'`, one
   per table, all before anything is published (a failing UNLOAD leaves gold as it was).
   UNLOAD refuses a non-empty location and names its files itself, so every run stages under
   its own `<run>` prefix.
2. Per table: copy each staged object to
   `gold/<table>/data_<i>.parquet` (deterministic names, each write atomic), then delete the
   table's files that are no longer part of it. A crash part way leaves readable files, and
   rerunning the stage converges to the same files.
3. The run's staging prefix is deleted, also when a step failed (Athena leaves the files of a
   failed UNLOAD behind).

Objects are copied through `Storage` (read, then atomic write): gold tables are small
aggregates, and it keeps the one storage interface both backends implement.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.aws.ddl import lake_uri
from lakehouse.config import Settings
from lakehouse.errors import EngineError
from lakehouse.lake.scratch import scratch_dir
from lakehouse.lake.storage import Storage
from lakehouse.models.transpile import database_for

if TYPE_CHECKING:
    from sqlglot import exp

    from lakehouse.engines.athena import AthenaEngine

DATA_FILE = "data_0.parquet"
UNLOAD_OPTIONS = (("format", "PARQUET"), ("compression", "SNAPPY"))
"""Parquet with Snappy, DuckDB's default codec (UNLOAD's own Parquet default is gzip)."""

STAGING = "_staging/unload"
"""Lake-relative prefix of the UNLOAD output (outside `silver/` and `gold/`, so no reader of
the lake ever sees half-published files)."""

Schema = list[tuple[str, str]]


@dataclass(frozen=True)
class WriteResult:
    table: str
    files_written: int
    files_deleted: int


def table_prefix(table: str) -> str:
    """`gold.monthly_revenue` or `gold/monthly_revenue` -> `gold/monthly_revenue`."""
    return table.replace(".", "/").strip("/")


def table_files(storage: Storage, table: str) -> list[str]:
    """The Parquet keys currently making up a published table."""
    return [k for k in storage.list(table_prefix(table)) if k.endswith(".parquet")]


def unload(source: str, location: str) -> exp.Command:
    """`UNLOAD (SELECT * FROM <source>) TO '<location>' WITH (format = 'PARQUET', ...)`.

    sqlglot has no UNLOAD node (it parses one as an opaque `Command`), so the statement is a
    Command whose parts are each rendered by sqlglot: the SELECT, the location literal and the
    options. `location` must be an empty prefix: UNLOAD writes files in parallel with
    generated names and refuses a location that already holds objects.
    """
    from sqlglot import exp

    select = exp.select(exp.Star()).from_(exp.to_table(source, dialect="athena"))
    options = ", ".join(
        exp.EQ(this=exp.var(k), expression=exp.Literal.string(v)).sql(dialect="athena")
        for k, v in UNLOAD_OPTIONS
    )
    target = exp.Literal.string(location).sql(dialect="athena")
    body = f"({select.sql(dialect='athena')}) TO {target} WITH ({options})"
    return exp.Command(this="UNLOAD", expression=exp.Literal.string(body))


def run_id(as_of: dt.date) -> str:
    """A staging folder name no other run uses: the batch date plus a random suffix."""
    return f"{as_of.isoformat()}-{uuid.uuid4().hex[:12]}"


def staging_key(run: str, table: str) -> str:
    """Lake-relative staging prefix of one table's UNLOAD in `run` (no trailing slash)."""
    return f"{STAGING}/{run}/{table_prefix(table).split('/')[-1]}"


def unload_sql(settings: Settings, table: str, run: str) -> str:
    """The UNLOAD that stages `gold.<table>` (Iceberg) as Parquet under the run's prefix."""
    layer, name = table_prefix(table).split("/")
    source = f"{database_for(layer, settings.athena)}.{name}"
    location = lake_uri(settings, *staging_key(run, table).split("/"))
    return unload(source, location).sql(dialect="athena")


def staged_files(storage: Storage, prefix: str) -> list[str]:
    """The data objects UNLOAD left under `prefix`, sorted (folder markers skipped; UNLOAD's
    own file names carry no `.parquet` suffix, so every other object is a data file)."""
    return [k for k in storage.list(prefix) if not k.endswith("/") and not k.endswith("$folder$")]


def publish_staged(
    storage: Storage, table: str, prefix: str, schema: Callable[[], Schema] | None = None
) -> WriteResult:
    """Make `table` (`gold.x`) exactly the Parquet objects staged under `prefix`.

    Empty objects are skipped. With nothing staged (an empty result), the table becomes one
    empty file with the columns `schema()` gives, so an empty table stays
    readable; without `schema` that is an error rather than a table that silently vanishes.
    """
    target = table_prefix(table)
    payloads = [data for data in (storage.read_bytes(k) for k in staged_files(storage, prefix))]
    payloads = [data for data in payloads if data]
    if not payloads:
        if schema is None:
            raise EngineError(f"UNLOAD of {table} staged no files under {prefix}/")
        payloads = [_empty_parquet(schema())]
    new_keys = []
    for i, data in enumerate(payloads):
        key = f"{target}/data_{i}.parquet"
        storage.write_bytes(key, data)
        new_keys.append(key)
    stale = [k for k in table_files(storage, table) if k not in set(new_keys)]
    storage.delete(stale)
    storage.delete_prefix(prefix)
    return WriteResult(table=target, files_written=len(new_keys), files_deleted=len(stale))


def _empty_parquet(schema: Schema) -> bytes:
    """A Parquet file with `schema`'s columns (DuckDB types) and no rows."""
    import duckdb
    from sqlglot import exp

    select = exp.select(
        *[exp.cast(exp.null(), exp.DataType.build(t, dialect="duckdb")).as_(c) for c, t in schema]
    ).where(exp.false())
    with scratch_dir("empty") as tmp:
        path = Path(tmp) / DATA_FILE
        con = duckdb.connect()
        try:
            con.execute(
                f"COPY ({select.sql(dialect='duckdb')}) TO '{path.as_posix()}' (FORMAT parquet)"
            )
        finally:
            con.close()
        return path.read_bytes()


def publish_gold(
    settings: Settings,
    engine: AthenaEngine,
    storage: Storage,
    tables: list[str],
    as_of: dt.date,
    run: str | None = None,
) -> dict[str, int]:
    """UNLOAD every table in `tables` (`gold.x`), then publish each; `table -> files`."""
    from lakehouse.aws.schemas import stored_schemas
    from lakehouse.gold.materialize import model_params

    run = run or run_id(as_of)
    schemas: dict[str, Schema] = {}

    def schema_of(table: str) -> Callable[[], Schema]:
        def columns() -> Schema:
            if not schemas:
                schemas.update(stored_schemas(model_params(as_of)))
            return schemas[table]

        return columns

    try:
        for table in tables:
            engine.client.execute(unload_sql(settings, table, run))
        published = {}
        for table in tables:
            result = publish_staged(storage, table, staging_key(run, table), schema_of(table))
            published[table] = result.files_written
        return published
    finally:
        storage.delete_prefix(f"{STAGING}/{run}")
