"""The statements that carry out each model kind, for every engine, from the model's header.

A model is one SELECT plus a `@kind`; what the kind means is written here once:

- `view`: an ephemeral result, computed once per stage and read by the models after it (it is
  never stored in the lake). DuckDB keeps it as a temporary table of the session; Athena, which
  has none, as a Parquet CTAS in the workgroup's result location under the model's own name.
- every stored kind first puts the SELECT's rows in a *stage* (a temporary table on DuckDB, a
  Parquet CTAS on Athena), so a failing SELECT never touches the target, a SELECT that reads its
  own target sees it whole, and the columns are known. Then, from the stage:
  - `full`: in a full build (`full_build` bound true), or on an engine without session
    tables, `DELETE FROM target`, then `INSERT` the stage. Otherwise the stage is compared with
    the target: for a model with a `@scope` the stage holds just the rows recomputed for the
    scope (`col IN gold_scope_col`, for each scope column, OR-ed) and is compared with the rows
    the target holds inside the scope (build stamps aside); a model without one is compared
    whole (silver's static reference tables, say). The partitions (`@partitioned_by`) holding
    a changed or removed row are rewritten whole, or the whole table when it has no
    partitions or the engine cannot trust its statistics: the rows that did not change keep
    their stamps, and an unchanged table gets no statement after the diff (`DIFF_DONE`).
    Whole files, never row
    deletes: on DuckLake 1.5.5 a concurrent reader can see half of a commit whose deletes are
    delete files (docs/lake.md);
  - `incremental_by_partition`: `DELETE` the `@partitioned_by` values the stage holds (named
    as literals when the engine lists them, so it prunes files by partition), then `INSERT`
    the stage (the other partitions stay);
  - `incremental_by_unique_key` and `scd2`: `MERGE INTO target USING stage ON <@unique_key>`,
    updating matched rows and inserting the others (for SCD2 the SELECT returns the changed
    versions, closed and new, so merging them on the version key applies them). For a small
    stage an engine may list its keys instead: then `DELETE` those keys and `INSERT` the
    stage, the same rows for less than a MERGE's fixed cost.

An engine that writes at most N partitions per statement (`MAX_PARTITIONS_PER_WRITE`: Athena's
100 per CTAS/INSERT) gets the writes of a partitioned model split by partition range: one DML per
range of at most N of the stage's partition values, in order, each reading only its range of the
stage (and one for the NULL partition). A daily batch touches a few partitions and keeps its
single statement; the history load of a table partitioned by month needs the split once the
history spans more than 100 months.

DuckDB runs these on DuckLake tables, Athena on Iceberg tables; the trees are the same and only
the dialect they are written in differs. What an engine cannot do is a capability read here,
never its name: with `transactions`, a stage's statements are wrapped in one transaction (one
snapshot for all its tables); without (Athena), each statement is its own Iceberg commit and
the stage relies on being idempotent. A target the engine creates on first write
(`creates_targets`, DuckLake) is created from the stage's columns and partitioned by
`@partitioned_by`; Athena's tables are created ahead by the deploy DDL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from lakehouse.models import Model, ModelError, scope_table

if TYPE_CHECKING:
    from sqlglot import exp

KEYED_KINDS = ("incremental_by_unique_key", "scd2")
PARTITIONED_KINDS = ("incremental_by_partition",)
STORED_KINDS = ("full", *PARTITIONED_KINDS, *KEYED_KINDS)
STAGE_SUFFIX = "__stage"
BUILD_STAMPS = ("as_of_ts", "generated_at")
"""Columns that record which build wrote a row: never compared when a build decides whether a
row changed."""

PartitionRange = tuple[Any, Any]
"""Inclusive (first, last) partition values of one split write; (None, None) is the NULL one."""
NULL_PARTITION: PartitionRange = (None, None)


@dataclass(frozen=True)
class Capabilities:
    """What the builder needs to know of an engine (its class constants)."""

    dialect: str
    transactions: bool
    """Several statements commit atomically together."""
    temp_tables: bool
    """Session-local temporary tables hold stages and ephemeral results."""
    creates_targets: bool
    """A missing target table is created on first write (else it must exist already)."""


def validate_model(model: Model) -> None:
    """A kind that merges on a key or replaces partitions must declare them."""
    if model.kind in KEYED_KINDS and not model.unique_key:
        raise ModelError(f"{model.path}: @kind {model.kind} needs an @unique_key header")
    if model.kind in PARTITIONED_KINDS and not model.partitioned_by:
        raise ModelError(f"{model.path}: @kind {model.kind} needs a @partitioned_by header")
    if model.scope and model.kind != "full":
        raise ModelError(f"{model.path}: @scope belongs to @kind full models (got {model.kind})")


def output_columns(select: exp.Query, model: Model) -> list[str]:
    """The column names a SELECT produces, in order (stars expanded through CTEs), for an
    engine that cannot describe a stage it has not run (Athena's statements are printable
    without an AWS account)."""
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


def partition_ranges(values: Sequence[Any], limit: int) -> tuple[PartitionRange, ...] | None:
    """The ranges a write of these distinct partition values is split into, each holding at
    most `limit` of them (NULL on its own); None when one statement may write them all."""
    if len(values) <= limit:
        return None
    known = sorted(v for v in values if v is not None)
    ranges = [
        (known[i], known[min(i + limit, len(known)) - 1]) for i in range(0, len(known), limit)
    ]
    if len(known) < len(values):
        ranges.append(NULL_PARTITION)
    return tuple(ranges)


def _value(value: Any) -> exp.Expr:
    import datetime as dt

    from sqlglot import exp

    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, bool | int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _in_range(column: str, bounds: PartitionRange) -> exp.Expr:
    from sqlglot import exp

    if bounds == NULL_PARTITION:
        return exp.Is(this=_column(column), expression=exp.null())
    first, last = bounds
    return exp.Between(this=_column(column), low=_value(first), high=_value(last))


def _within(value: Any, bounds: PartitionRange) -> bool:
    """Whether a partition value belongs to a range of `partition_ranges`."""
    if bounds == NULL_PARTITION:
        return value is None
    return value is not None and bounds[0] <= value <= bounds[1]


def _check_columns(path: str, header: str, names: Sequence[str], columns: Sequence[str]) -> None:
    """A header's columns must be output columns of the model."""
    missing = [c for c in names if c not in columns]
    if missing:
        raise ModelError(f"{path}: {header} {', '.join(missing)} is not an output column")


def _table(name: str, dialect: str) -> exp.Table:
    from sqlglot import exp

    return exp.to_table(name, dialect=dialect)


def _column(name: str, table: str | None = None) -> exp.Column:
    from sqlglot import exp

    return exp.column(name, table=table, quoted=False)


class StatementBuilder:
    """Writes the statements of each model kind in one engine's dialect."""

    def __init__(self, capabilities: Capabilities) -> None:
        self.caps = capabilities

    def _sql(self, tree: exp.Expr) -> str:
        return tree.sql(dialect=self.caps.dialect)

    # -- a stage's frame -----------------------------------------------------------------------
    def begin(self) -> list[str]:
        return ["BEGIN TRANSACTION"] if self.caps.transactions else []

    def commit(self) -> list[str]:
        return ["COMMIT"] if self.caps.transactions else []

    # -- results that are not the target -------------------------------------------------------
    def materialize_select(self, name: str, select: str) -> list[str]:
        """`name` := the SELECT's rows: a temporary table, or a Parquet CTAS (replacing any)."""
        if self.caps.temp_tables:
            return [f"CREATE OR REPLACE TEMP TABLE {name} AS\n{select}"]
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(select, read=self.caps.dialect)
        props = [exp.Property(this=exp.var("format"), value=exp.Literal.string("PARQUET"))]
        ctas = exp.Create(
            this=_table(name, self.caps.dialect),
            kind="TABLE",
            expression=tree,
            properties=exp.Properties(expressions=props),
        )
        return [self.drop(name), self._sql(ctas)]

    def drop(self, name: str) -> str:
        from sqlglot import exp

        drop = exp.Drop(tables=[_table(name, self.caps.dialect)], kind="TABLE", exists=True)
        return self._sql(drop)

    # -- the target ----------------------------------------------------------------------------
    def create_target(self, model: Model, target: str, stage: str) -> list[str]:
        """An empty target with the stage's columns, partitioned as the header says."""
        if not self.caps.creates_targets:
            raise ModelError(f"{model.path}: {target} does not exist; create it with the DDL")
        schema = target.rsplit(".", 1)[0]
        statements = [
            f"CREATE SCHEMA IF NOT EXISTS {schema}",
            f"CREATE TABLE {target} AS SELECT * FROM {stage} LIMIT 0",
        ]
        if model.partitioned_by:
            statements.append(f"ALTER TABLE {target} SET PARTITIONED BY ({model.partitioned_by})")
        return statements

    def apply(
        self,
        model: Model,
        target: str,
        stage: str,
        columns: list[str],
        ranges: tuple[PartitionRange, ...] | None = None,
        *,
        scoped: bool = False,
        by_partition: bool = True,
        partitions: Sequence[Any] | None = None,
        keys: Sequence[Any] | None = None,
    ) -> list[str]:
        """The DML that brings `target` up to date with the model's rows in `stage`; with
        `ranges` (`partition_ranges` of the stage), one write per range of partitions;
        `scoped` replaces only the rows inside the model's `@scope` (an incremental build),
        rewriting the touched partitions (`by_partition`) or else the whole table.

        `partitions`, the `@partitioned_by` values the stage holds, lets an
        `incremental_by_partition` write name them as literals in its DELETE: the engine then
        prunes the table's files by their partition values instead of scanning every file
        for the values of a subquery (7 ms against 0.5 ms for a daily batch on DuckLake, and
        growing with the table).

        `keys`, the distinct values of the first `@unique_key` column the stage holds (an
        engine gives them for a small stage), turns a keyed kind's MERGE into a DELETE of the
        stage's keys, found through those values as literals, and an INSERT of the stage: the
        same rows (each stage key replaces its row, or adds one) for less than a MERGE's fixed
        cost when the stage and the target are small (`DuckDBEngine.MAX_LITERAL_KEYS`)."""
        validate_model(model)
        if ranges is not None and not model.partitioned_by:
            raise ModelError(f"{model.path}: split by partition, but has no @partitioned_by")
        if scoped and not self.caps.temp_tables:
            raise ModelError(f"{model.path}: an incremental build needs session tables")
        if model.kind in PARTITIONED_KINDS:
            return self._replace_partitions(model, target, stage, columns, ranges, partitions)
        if model.kind in KEYED_KINDS:
            _check_columns(model.path.as_posix(), "@unique_key", model.unique_key, columns)
            if keys is not None and ranges is None:
                return self._replace_keys(model, target, stage, columns, keys)
        return list(
            _apply(
                self.caps.dialect,
                model.kind,
                model.unique_key,
                model.partitioned_by,
                scoped,
                model.scope,
                by_partition,
                model.path.as_posix(),
                target,
                stage,
                tuple(columns),
                ranges,
            )
        )

    def _replace_partitions(
        self,
        model: Model,
        target: str,
        stage: str,
        columns: list[str],
        ranges: tuple[PartitionRange, ...] | None,
        partitions: Sequence[Any] | None,
    ) -> list[str]:
        """`incremental_by_partition`: per range (or once), DELETE the partitions of the
        target the stage's rows of the range hold, then INSERT those rows. With the stage's
        partition values known (`partitions`), the DELETE names them as literals, and is left
        out when the stage holds no row; else it reads them from the stage."""
        column = model.partitioned_by or ""
        _check_columns(model.path.as_posix(), "@partitioned_by", (column,), columns)
        dialect = self.caps.dialect
        statements: list[str] = []
        for bounds in ranges or (None,):
            by_query, insert = _partition_writes(
                dialect, target, stage, column, tuple(columns), bounds
            )
            if partitions is None:
                statements.append(by_query)
            else:
                values = [v for v in partitions if bounds is None or _within(v, bounds)]
                known = [v for v in values if v is not None]
                if known or None in values:
                    template = _partition_delete(
                        dialect, target, column, bool(known), None in values
                    )
                    statements.append(template.replace(SPLICE, _literals(known, dialect)))
            statements.append(insert)
        return statements

    def _replace_keys(
        self, model: Model, target: str, stage: str, columns: list[str], keys: Sequence[Any]
    ) -> list[str]:
        """A keyed kind as DELETE + INSERT (see `apply`); nothing when the stage is empty."""
        if not keys:
            return []
        delete, insert = _key_writes(
            self.caps.dialect, model.unique_key, target, stage, tuple(columns)
        )
        known = [v for v in keys if v is not None]
        return [delete.replace(SPLICE, _literals(known, self.caps.dialect)), insert]


SPLICE = "lakehouse_literals_"
"""Where a cached statement takes its list of literal values (an identifier no model uses)."""


def _literals(values: Sequence[Any], dialect: str) -> str:
    return ", ".join(_literal_sql(type(v).__name__, v, dialect) for v in values)


@cache
def _literal_sql(kind: str, value: Any, dialect: str) -> str:
    """One value as a literal (`kind` keeps True and 1 apart in the cache)."""
    return _value(value).sql(dialect=dialect)


def _spliced(template: str) -> str:
    if template.count(SPLICE) != 1:
        raise ModelError(f"a statement names {SPLICE} itself: {template[:80]}")
    return template


@cache
def _partition_writes(
    dialect: str,
    target: str,
    stage: str,
    column: str,
    columns: tuple[str, ...],
    bounds: PartitionRange | None,
) -> tuple[str, str]:
    """The DELETE of the partitions a range of the stage holds (read from the stage) and the
    INSERT of that range. Cached: a daily run writes the same tables every day, and
    rendering a statement costs more than running a small one."""
    from sqlglot import exp

    select = exp.select(*[_column(c) for c in columns]).from_(_table(stage, dialect))
    touched = exp.select(_column(column)).distinct().from_(_table(stage, dialect))
    if bounds is not None:
        select = select.where(_in_range(column, bounds))
        touched = touched.where(_in_range(column, bounds))
    delete = exp.delete(_table(target, dialect), where=_column(column).isin(query=touched))
    insert = exp.insert(select, _table(target, dialect), columns=list(columns))
    return delete.sql(dialect=dialect), insert.sql(dialect=dialect)


@cache
def _partition_delete(dialect: str, target: str, column: str, known: bool, null: bool) -> str:
    """The DELETE of partitions named as literals (`SPLICE`), and/or of the NULL one."""
    from sqlglot import exp

    matches: list[exp.Expr] = [_column(column).isin(_column(SPLICE))] if known else []
    if null:
        matches.append(exp.Is(this=_column(column), expression=exp.null()))
    delete = exp.delete(_table(target, dialect), where=exp.or_(*matches)).sql(dialect=dialect)
    return _spliced(delete) if known else delete


@cache
def _key_writes(
    dialect: str, unique_key: tuple[str, ...], target: str, stage: str, columns: tuple[str, ...]
) -> tuple[str, str]:
    """A keyed write's DELETE of the stage's keys, found by the values of the first key
    column (`SPLICE`), and its INSERT of the stage."""
    from sqlglot import exp

    first, *rest = unique_key
    where: exp.Expr = _column(first, "t").isin(_column(SPLICE))
    if rest:  # the literals find the files; the stage's rows name the keys exactly
        same = exp.and_(
            *[exp.EQ(this=_column(k, "s"), expression=_column(k, "t")) for k in unique_key]
        )
        match = exp.select("1").from_(exp.alias_(_table(stage, dialect), "s", table=True))
        where = exp.and_(where, exp.Exists(this=match.where(same)))
    delete = exp.Delete(
        this=exp.alias_(_table(target, dialect), "t", table=True), where=exp.Where(this=where)
    )
    select = exp.select(*[_column(c) for c in columns]).from_(_table(stage, dialect))
    insert = exp.insert(select, _table(target, dialect), columns=list(columns))
    return _spliced(delete.sql(dialect=dialect)), insert.sql(dialect=dialect)


@cache
def _apply(
    dialect: str,
    kind: str,
    unique_key: tuple[str, ...],
    partitioned_by: str | None,
    scoped: bool,
    scope: tuple[str, ...],
    by_partition: bool,
    path: str,
    target: str,
    stage: str,
    columns: tuple[str, ...],
    ranges: tuple[PartitionRange, ...] | None = None,
) -> tuple[str, ...]:
    """Cached: a daily run applies the same models to the same tables every day."""
    from sqlglot import exp

    def render(tree: exp.Expr) -> str:
        return tree.sql(dialect=dialect)

    part = partitioned_by or ""
    parts: tuple[PartitionRange | None, ...] = ranges or (None,)

    def rows(bounds: PartitionRange | None, *select: exp.Expr) -> exp.Select:
        """The stage's rows (all, or those of one partition range)."""
        query = exp.select(*(select or [exp.Star()])).from_(_table(stage, dialect))
        return query if bounds is None else query.where(_in_range(part, bounds))

    if kind in KEYED_KINDS:
        on = exp.and_(
            *[exp.EQ(this=_column(k, "t"), expression=_column(k, "s")) for k in unique_key]
        )
        updates = [
            exp.EQ(this=_column(c), expression=_column(c, "s"))
            for c in columns
            if c not in unique_key
        ]
        insert_new = exp.Insert(
            this=exp.Tuple(expressions=[_column(c) for c in columns]),
            expression=exp.Tuple(expressions=[_column(c, "s") for c in columns]),
        )
        whens = []
        if updates:
            whens.append(exp.When(matched=True, then=exp.Update(expressions=updates)))
        whens.append(exp.When(matched=False, then=insert_new))

        def merge(bounds: PartitionRange | None) -> exp.Merge:
            source = _table(stage, dialect) if bounds is None else rows(bounds).subquery()
            return exp.Merge(
                this=exp.alias_(_table(target, dialect), "t", table=True),
                using=exp.alias_(source, "s", table=True),
                on=on.copy(),
                whens=exp.Whens(expressions=[w.copy() for w in whens]),
            )

        return tuple(render(merge(bounds)) for bounds in parts)
    if kind != "full":
        raise ModelError(f"{path}: no statements for @kind {kind}")

    def insert(bounds: PartitionRange | None) -> str:
        select = rows(bounds, *[_column(c) for c in columns])
        return render(exp.insert(select, _table(target, dialect), columns=list(columns)))

    if scoped:
        rewritten = partitioned_by if by_partition else None
        return _apply_scoped(scope, rewritten, path, target, stage, columns)
    return (render(exp.delete(_table(target, dialect))), *[insert(bounds) for bounds in parts])


def diff_tables(stage: str) -> tuple[str, str]:
    """The session tables in which an incremental build's DML leaves the stage's rows that
    changed and the table's rows that went (`_apply_scoped`), for the caller to read."""
    return f"{stage}__changed", f"{stage}__removed"


DIFF_DONE = "-- diff done: the statements after this one write the table"
"""Where an incremental write's diff ends (a comment, harmless if run): an engine that can
read the diff (`diff_tables`) between statements stops there when it found no change, and so
leaves an unchanged table without a statement on it."""


def _apply_scoped(
    scope: tuple[str, ...],
    partitioned_by: str | None,
    path: str,
    target: str,
    stage: str,
    columns: tuple[str, ...],
) -> tuple[str, ...]:
    """An incremental build's DML (DuckDB: its helpers are session tables): diff the stage
    against the target's rows inside the scope (all of them without a scope), then rewrite
    the partitions that hold a changed or removed row (the whole table, once, when it has no
    partitions)."""
    _check_columns(path, "@scope", scope, columns)
    if partitioned_by:
        _check_columns(path, "@partitioned_by", (partitioned_by,), columns)
    changed, removed = diff_tables(stage)
    old, kept = f"{stage}__old", f"{stage}__kept"
    inside = " OR ".join(f"{c} IN (SELECT {c} FROM {scope_table(c)})" for c in scope) or "TRUE"

    def same(a: str, b: str) -> str:
        return " AND ".join(
            f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" for c in columns if c not in BUILD_STAMPS
        )

    if partitioned_by:
        touched = (
            f"{partitioned_by} IN (SELECT {partitioned_by} FROM {changed} "
            f"UNION SELECT {partitioned_by} FROM {removed})"
        )
    else:
        touched = f"EXISTS (SELECT 1 FROM {changed} UNION ALL SELECT 1 FROM {removed})"
    listed = ", ".join(columns)
    return (
        f"CREATE OR REPLACE TEMP TABLE {old} AS SELECT * FROM {target} WHERE {inside}",
        f"CREATE OR REPLACE TEMP TABLE {changed} AS "
        f"SELECT s.* FROM {stage} AS s ANTI JOIN {old} AS o ON {same('s', 'o')}",
        f"CREATE OR REPLACE TEMP TABLE {removed} AS "
        f"SELECT o.* FROM {old} AS o ANTI JOIN {stage} AS s ON {same('o', 's')}",
        DIFF_DONE,
        f"CREATE OR REPLACE TEMP TABLE {kept} AS SELECT t.* FROM "
        f"(SELECT * FROM {target} WHERE {touched}) AS t "
        f"ANTI JOIN {removed} AS r ON {same('t', 'r')}",
        f"DELETE FROM {target} WHERE {touched}",
        f"INSERT INTO {target} ({listed}) SELECT {listed} FROM {changed} "
        f"UNION ALL SELECT {listed} FROM {kept}",
    )
