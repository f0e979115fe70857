"""The Athena statements that carry out each model kind on an Iceberg table.

Athena runs one statement per query and has no multi-statement transaction, but every
statement on an Iceberg table is one atomic commit (a new snapshot). The strategies use that:

- `incremental_by_unique_key` and `scd2`: one `MERGE INTO target USING (<select>) ON <key>`
  that updates matched rows and inserts the others. One commit, so a reader never sees half of
  it. For SCD2 the SELECT computes the changed versions (the closed rows with their new
  `effective_end_ts` and `is_current = false`, and the new open rows, or the whole dimension);
  merging them on the version's key (the surrogate key) is exactly applying them.
- `full` and `incremental_by_partition`: the SELECT first goes into a staging table (CTAS),
  then the target's rows (all of them, or those of the partitions the stage holds) are deleted
  and the stage inserted, then the stage dropped. Staging first means a failing or slow SELECT
  never touches the target, and a SELECT that reads its own target sees it whole. The target is
  briefly short between the DELETE and the INSERT commits; rerunning the stage (stages are
  idempotent) repairs a run that died between the two. The stage is a plain Parquet table in
  the workgroup's result location (Athena's default for a CTAS without a location, so every
  run gets a fresh folder, expired by the bucket's lifecycle rule): an Iceberg CTAS would
  reject Trino's millisecond timestamps, while INSERT and MERGE into the Iceberg target widen
  them to Iceberg's microseconds.
- `view`: in this project an ephemeral model, computed once per run and read by the models
  after it (e.g. `silver.stg_sessions` reads `silver.fct_sessions` *before* the ingest merges
  into it). An Athena view would be re-evaluated by every reader, after those writes, so it is
  a staging-style table instead: `DROP TABLE IF EXISTS` then a Parquet CTAS in the result
  location, under the model's own name in its layer's database.

Statements are built as sqlglot trees and written in the Athena dialect, never concatenated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.models import Model, ModelError

if TYPE_CHECKING:
    from sqlglot import exp

STAGE_SUFFIX = "__stage"


@dataclass(frozen=True)
class Target:
    """Where a model's Iceberg table lives on Athena."""

    database: str
    table: str
    location: str
    """s3:// URI of the table's folder (Iceberg keeps `data/` and `metadata/` under it)."""

    @property
    def name(self) -> str:
        return f"{self.database}.{self.table}"


def output_columns(select: exp.Query, model: Model) -> list[str]:
    """The column names the model's SELECT produces, in order (stars expanded through CTEs)."""
    from sqlglot.errors import OptimizeError
    from sqlglot.optimizer.qualify import qualify

    names = select.named_selects
    if "*" in names or not names:
        try:
            names = qualify(
                select.copy(), dialect="athena", validate_qualify_columns=False
            ).named_selects
        except OptimizeError:
            names = ["*"]
    if "*" in names or not names:
        raise ModelError(
            f"{model.path}: cannot tell the output columns (a * over a table); "
            "end the model with a SELECT that lists its columns"
        )
    return names


def _table(name: str) -> exp.Table:
    from sqlglot import exp

    return exp.to_table(name, dialect="athena")


def _column(name: str, table: str | None = None) -> exp.Column:
    from sqlglot import exp

    return exp.column(name, table=table, quoted=False)


def _ctas(target: str, select: exp.Query) -> exp.Create:
    from sqlglot import exp

    props = [exp.Property(this=exp.var("format"), value=exp.Literal.string("PARQUET"))]
    return exp.Create(
        this=_table(target),
        kind="TABLE",
        expression=select.copy(),
        properties=exp.Properties(expressions=props),
    )


def _drop(target: str) -> exp.Drop:
    from sqlglot import exp

    return exp.Drop(tables=[_table(target)], kind="TABLE", exists=True)


def _insert_from(target: str, source: str, columns: list[str]) -> exp.Insert:
    from sqlglot import exp

    select = exp.select(*[_column(c) for c in columns]).from_(_table(source))
    return exp.insert(select, _table(target), columns=columns)


def _staged_replace(
    model: Model, select: exp.Query, target: Target, columns: list[str]
) -> list[exp.Expression]:
    from sqlglot import exp

    stage = target.name + STAGE_SUFFIX
    if model.kind == "incremental_by_partition":
        part = model.partitioned_by or ""
        touched = exp.select(_column(part)).distinct().from_(_table(stage))
        delete = exp.delete(_table(target.name), where=_column(part).isin(query=touched))
    else:
        delete = exp.delete(_table(target.name))
    return [
        _drop(stage),
        _ctas(stage, select),
        delete,
        _insert_from(target.name, stage, columns),
        _drop(stage),
    ]


def _merge(model: Model, select: exp.Query, target: Target, columns: list[str]) -> exp.Merge:
    from sqlglot import exp

    keys = list(model.unique_key)
    missing = [k for k in keys if k not in columns]
    if missing:
        raise ModelError(f"{model.path}: @unique_key {', '.join(missing)} is not an output column")
    on = exp.and_(*[exp.EQ(this=_column(k, "t"), expression=_column(k, "s")) for k in keys])
    updates = [
        exp.EQ(this=_column(c), expression=_column(c, "s")) for c in columns if c not in keys
    ]
    insert = exp.Insert(
        this=exp.Tuple(expressions=[_column(c) for c in columns]),
        expression=exp.Tuple(expressions=[_column(c, "s") for c in columns]),
    )
    whens = []
    if updates:
        whens.append(exp.When(matched=True, then=exp.Update(expressions=updates)))
    whens.append(exp.When(matched=False, then=insert))
    return exp.Merge(
        this=exp.alias_(_table(target.name), "t", table=True),
        using=exp.Subquery(this=select.copy(), alias=exp.TableAlias(this=exp.to_identifier("s"))),
        on=on,
        whens=exp.Whens(expressions=whens),
    )


def plan(model: Model, select: exp.Query, target: Target) -> list[exp.Expression]:
    """The statements, in order, that bring `target` up to date with the model's SELECT."""

    if model.kind == "view":
        return [_drop(target.name), _ctas(target.name, select)]
    columns = output_columns(select, model)
    if model.kind in ("incremental_by_unique_key", "scd2"):
        return [_merge(model, select, target, columns)]
    if model.kind in ("full", "incremental_by_partition"):
        return _staged_replace(model, select, target, columns)
    raise ModelError(f"{model.path}: no Athena strategy for @kind {model.kind}")


def plan_sql(model: Model, select: exp.Query, target: Target, *, pretty: bool = True) -> list[str]:
    return [s.sql(dialect="athena", pretty=pretty) for s in plan(model, select, target)]


UNLOAD_OPTIONS = (("format", "PARQUET"), ("compression", "SNAPPY"))
"""Parquet with Snappy, DuckDB's default codec (UNLOAD's own Parquet default is gzip)."""


def unload(source: str, location: str) -> exp.Command:
    """`UNLOAD (SELECT * FROM <source>) TO '<location>' WITH (format = 'PARQUET', ...)`.

    sqlglot has no UNLOAD node (it parses one as an opaque `Command`), so the statement is a
    Command whose parts are each rendered by sqlglot: the SELECT, the location literal and the
    options. `location` must be an empty prefix: UNLOAD writes files in parallel with
    generated names and refuses a location that already holds objects.
    """
    from sqlglot import exp

    select = exp.select(exp.Star()).from_(_table(source)).sql(dialect="athena")
    options = ", ".join(
        exp.EQ(this=exp.var(k), expression=exp.Literal.string(v)).sql(dialect="athena")
        for k, v in UNLOAD_OPTIONS
    )
    target = exp.Literal.string(location).sql(dialect="athena")
    return exp.Command(
        this="UNLOAD", expression=exp.Literal.string(f"({select}) TO {target} WITH ({options})")
    )
