"""Glue/Athena DDL: the three databases, bronze external CSV tables, silver/gold Iceberg tables.

Bronze external tables read the landed files where they are
(`raw/<entity>/ingest_date=D/*.csv`), every column as text exactly as written (ids like `3.0`,
empty fields), as the DuckDB side reads them; silver parses. Partition projection on
`ingest_date` computes the partitions from the date range instead of listing them in Glue, so
a newly landed day is queryable at once, without `MSCK REPAIR TABLE` or `ALTER TABLE ADD
PARTITION`. History files have fewer columns than the daily batches; OpenCSVSerde reads the
missing trailing columns as NULL.

Before an ingest, `bronze_batch_views` points `bronze.<entity>` (the view `tutor_raw.<entity>`)
at the batch, with the lineage columns the DuckDB loader adds (`lakehouse.bronze.files`): the file
kind (from the contract's file names), the file's lake key (from Athena's `$path`), the row
number within the file and `parse_error`. Two differences remain, both documented in
docs/aws.md: Athena does not promise to read a file's rows in order, so `source_row` numbers the
rows of a file but not necessarily in line order; and OpenCSVSerde pads or cuts a line with
the wrong field count instead of reporting it, so `parse_error` is always NULL.

Silver and gold tables are Iceberg (row-level MERGE/DELETE, atomic commits), created up front
with their column types so that every later write is an INSERT or a MERGE (see
`lakehouse.models.statements`). Statements are sqlglot trees written in the Athena dialect.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from lakehouse.bronze.files import DAILY_FILES, ENTITIES, LINEAGE_COLUMNS, raw_columns
from lakehouse.models.transpile import layer_databases

if TYPE_CHECKING:
    from sqlglot import exp

    from lakehouse.config import Settings

CSV_SUFFIX = "_csv"
"""`tutor_raw.sessions_csv` is the external table over every landed file; `tutor_raw.sessions`
is the view of one batch that the silver models read as `bronze.sessions`."""

FIRST_INGEST_DATE = "2021-01-01"
"""Start of the projected `ingest_date` range (the history lands at 2025-12-31)."""

DUCKDB_TO_ATHENA = {
    "BIGINT": "BIGINT",
    "HUGEINT": "DECIMAL(38, 0)",
    "INTEGER": "INT",
    "SMALLINT": "SMALLINT",
    "TINYINT": "TINYINT",
    "DOUBLE": "DOUBLE",
    "FLOAT": "FLOAT",
    "BOOLEAN": "BOOLEAN",
    "VARCHAR": "STRING",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
}
"""DuckDB column types -> Athena DDL types of an Iceberg table (DECIMAL(p, s) maps as is)."""


def athena_type(duckdb_type: str) -> str:
    kind = duckdb_type.upper().strip()
    if kind.startswith("DECIMAL"):
        return kind.replace(",", ", ").replace(",  ", ", ")
    if kind not in DUCKDB_TO_ATHENA:
        raise ValueError(f"no Athena/Iceberg type for DuckDB type {duckdb_type}")
    return DUCKDB_TO_ATHENA[kind]


def _prop(key: str, value: str) -> exp.Property:
    from sqlglot import exp

    return exp.Property(this=exp.Literal.string(key), value=exp.Literal.string(value))


def _columns(columns: list[tuple[str, str]]) -> list[exp.ColumnDef]:
    from sqlglot import exp

    return [
        exp.ColumnDef(
            this=exp.to_identifier(name),
            kind=exp.DataType.build(kind, dialect="athena"),
        )
        for name, kind in columns
    ]


def _table(database: str, name: str) -> exp.Table:
    from sqlglot import exp

    return exp.table_(name, db=database)


def create_databases(settings: Settings) -> list[exp.Expression]:
    from sqlglot import exp

    names = sorted(set(layer_databases(settings.athena).values()))
    return [exp.Create(this=exp.to_table(name), kind="DATABASE", exists=True) for name in names]


def lake_uri(settings: Settings, *parts: str) -> str:
    return "/".join([settings.lake.rstrip("/"), *parts]) + "/"


ICEBERG_PREFIX = "iceberg"


def iceberg_location(settings: Settings, layer: str, name: str) -> str:
    """`<lake>/iceberg/<layer>/<table>/`: Athena's tables keep out of `silver/` and `gold/`,
    which hold the DuckDB engine's plain Parquet tables. The two formats must never share a
    folder: the Parquet table store deletes any .parquet file it did not write (an Iceberg
    data file), and a reader of plain Parquet would read Iceberg's deleted rows too."""
    return lake_uri(settings, ICEBERG_PREFIX, layer, name)


def bronze_table(settings: Settings, entity: str) -> exp.Create:
    """The external CSV table over `raw/<entity>/`, partitions projected from the date range."""
    from sqlglot import exp

    location = lake_uri(settings, "raw", entity)
    serde = exp.RowFormatSerdeProperty(
        this=exp.Literal.string("org.apache.hadoop.hive.serde2.OpenCSVSerde"),
        serde_properties=exp.SerdeProperties(
            expressions=[_prop("separatorChar", ","), _prop("quoteChar", '"')], with_=True
        ),
    )
    properties = [
        exp.ExternalProperty(),
        exp.PartitionedByProperty(this=exp.Schema(expressions=_columns([("ingest_date", "DATE")]))),
        serde,
        exp.FileFormatProperty(this=exp.var("TEXTFILE"), hive_format=True),
        exp.LocationProperty(this=exp.Literal.string(location)),
        _prop("skip.header.line.count", "1"),
        _prop("projection.enabled", "true"),
        _prop("projection.ingest_date.type", "date"),
        _prop("projection.ingest_date.format", "yyyy-MM-dd"),
        _prop("projection.ingest_date.range", f"{FIRST_INGEST_DATE},NOW"),
        _prop("projection.ingest_date.interval", "1"),
        _prop("projection.ingest_date.interval.unit", "DAYS"),
        _prop("storage.location.template", location + "ingest_date=${ingest_date}/"),
    ]
    database = settings.athena.raw_database
    columns = [(c, "STRING") for c in raw_columns(entity)]
    return exp.Create(
        this=exp.Schema(this=_table(database, entity + CSV_SUFFIX), expressions=_columns(columns)),
        kind="TABLE",
        exists=True,
        properties=exp.Properties(expressions=properties),
    )


def iceberg_table(
    settings: Settings,
    layer: str,
    name: str,
    columns: list[tuple[str, str]],
    partitioned_by: str | None = None,
) -> exp.Create:
    """`CREATE TABLE IF NOT EXISTS` an Iceberg table; `columns` carry DuckDB types."""
    from sqlglot import exp

    properties: list[exp.Expression] = []
    if partitioned_by:
        properties.append(
            exp.PartitionedByProperty(
                this=exp.Schema(expressions=[exp.to_identifier(partitioned_by)])
            )
        )
    properties += [
        exp.LocationProperty(this=exp.Literal.string(iceberg_location(settings, layer, name))),
        _prop("table_type", "ICEBERG"),
        _prop("format", "parquet"),
        _prop("write_compression", "zstd"),
    ]
    database = layer_databases(settings.athena)[layer]
    typed = [(c, athena_type(t)) for c, t in columns]
    return exp.Create(
        this=exp.Schema(this=_table(database, name), expressions=_columns(typed)),
        kind="TABLE",
        exists=True,
        properties=exp.Properties(expressions=properties),
    )


def bronze_ddl(settings: Settings) -> list[exp.Expression]:
    return [bronze_table(settings, entity) for entity in ENTITIES]


def bronze_batch_view(settings: Settings, entity: str, day: dt.date) -> exp.Create:
    """`CREATE OR REPLACE VIEW tutor_raw.<entity>`: the batch `day` with the loader's lineage."""
    from sqlglot import exp

    path = exp.column("$path", quoted=True)
    lake_root = settings.lake.rstrip("/") + "/"
    daily = exp.Anonymous(
        this="REGEXP_LIKE",
        expressions=[path, exp.Literal.string(f"/{DAILY_FILES[entity]}\\.[^/]*$")],
    )
    lineage = {
        "file_kind": exp.case()
        .when(daily, exp.Literal.string("daily"))
        .else_(exp.Literal.string("history")),
        "source_file": exp.Substring(this=path, start=exp.Literal.number(len(lake_root) + 1)),
        "source_row": exp.Window(this=exp.RowNumber(), partition_by=[path.copy()]),
        "ingest_date": exp.column("ingest_date"),
        "parse_error": exp.cast(exp.null(), "VARCHAR"),
    }
    assert list(lineage) == list(LINEAGE_COLUMNS), "keep the loader's lineage columns"
    select = exp.select(
        *[exp.column(c) for c in raw_columns(entity)],
        *[exp.alias_(e, name) for name, e in lineage.items()],
    ).from_(_table(settings.athena.raw_database, entity + CSV_SUFFIX))
    select = select.where(
        exp.column("ingest_date").eq(exp.cast(exp.Literal.string(day.isoformat()), "DATE"))
    )
    return exp.Create(
        this=_table(settings.athena.raw_database, entity),
        kind="VIEW",
        replace=True,
        expression=select,
    )


def bronze_batch_views(settings: Settings, day: dt.date) -> list[exp.Expression]:
    return [bronze_batch_view(settings, entity, day) for entity in ENTITIES]
