"""The engine interface: one SQL model, materialized by its declared kind, on any engine.

A model file says *what* a table is (a SELECT) and *how* it is kept (its `@kind`);
`lakehouse.models.statements` says, once, which statements carry out each kind. DuckDB runs them on
DuckLake tables, Athena on Iceberg tables. So a stage asks `engine.materialize(model, params)`
and never knows which engine runs it.

Engines state what they cannot do as class constants with the reason beside them (as SQLMesh's
engine adapters do), so a caller branches on a capability, never on an engine's name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from lakehouse.models import Model, get_model
from lakehouse.models.statements import (
    DIFF_DONE,
    KEYED_KINDS,
    PARTITIONED_KINDS,
    STAGE_SUFFIX,
    Capabilities,
    StatementBuilder,
    diff_tables,
    partition_ranges,
    validate_model,
)

if TYPE_CHECKING:
    from lakehouse.config import Settings


@dataclass(frozen=True)
class MaterializeResult:
    """What one `materialize` call did, for logs and the stage's event detail."""

    model: str
    kind: str
    engine: str
    statements: int
    """Statements sent to the engine (stage, create on first write, DML, drop of the stage)."""
    bytes_scanned: int = 0
    """Bytes the engine reports having scanned (Athena bills on it; DuckDB reports 0)."""


class Engine(ABC):
    """Runs models and ad-hoc queries on one engine.

    `materialize` is written once, here: the statements come from `lakehouse.models.statements`
    (from the model's header and this engine's capabilities); an engine says how to render a
    model's SELECT, how tables are named, and how to run one statement."""

    name: ClassVar[str]
    """The `engine` setting value that selects this class."""
    dialect: ClassVar[str]
    """sqlglot dialect the engine's SQL is written in."""

    TABLE_FORMAT: ClassVar[str] = ""
    """What the engine keeps tables in: `ducklake` (read by `lakehouse.lake.catalog`) or `iceberg`
    (Glue; read sessions find the tables there, `lakehouse.lake.iceberg`)."""
    SUPPORTS_MERGE: ClassVar[bool] = False
    """`MERGE INTO` updates rows in place (needs a table format with row-level changes)."""
    SUPPORTS_TRANSACTIONS: ClassVar[bool] = False
    """Several statements can commit atomically together."""
    SUPPORTS_TEMP_TABLES: ClassVar[bool] = False
    """Session-local temporary tables can hold stages and ephemeral results."""
    CREATES_TARGETS: ClassVar[bool] = False
    """A table missing on first write is created from the result's columns."""
    READS_LAKE_FILES_DIRECTLY: ClassVar[bool] = False
    """SQL may read files by path (`read_parquet('...')`); otherwise only catalog tables."""
    MAX_PARTITIONS_PER_WRITE: ClassVar[int | None] = None
    """Partitions one INSERT/MERGE may write; a larger write is split by partition range."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def capabilities(cls) -> Capabilities:
        return Capabilities(
            dialect=cls.dialect,
            transactions=cls.SUPPORTS_TRANSACTIONS,
            temp_tables=cls.SUPPORTS_TEMP_TABLES,
            creates_targets=cls.CREATES_TARGETS,
        )

    @property
    def builder(self) -> StatementBuilder:
        return StatementBuilder(self.capabilities())

    # -- SQL ---------------------------------------------------------------------------------
    @abstractmethod
    def render(self, model: Model | str, params: dict[str, Any] | None = None) -> str:
        """The model's SELECT, parameters bound, in this engine's dialect and table names."""

    @abstractmethod
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one statement (in the engine's dialect) and return its rows."""

    @abstractmethod
    def execute(self, sql: str) -> int:
        """Run one statement for its effect; return the bytes it scanned (0 if unknown)."""

    @abstractmethod
    def relation(self, model: Model) -> str:
        """What the model's table (or ephemeral result) is called in this engine's SQL."""

    @abstractmethod
    def exists(self, model: Model) -> bool:
        """The model's target table exists."""

    @abstractmethod
    def stage_columns(self, model: Model, stage: str, select: str) -> list[str]:
        """The output columns of the model (its rows are in `stage`)."""

    # -- materialization ---------------------------------------------------------------------
    def plan(
        self,
        model: Model,
        params: dict[str, Any] | None = None,
        partitions: Callable[[Model, str], Sequence[Any]] | None = None,
    ) -> Iterator[str]:
        """The statements that materialize the model, in order. A generator: each statement is
        produced after the ones before it ran, so the stage's columns can be read from it.

        `partitions(model, stage)` gives the partition values the stage holds: an
        `incremental_by_partition` write deletes them by name, and on an engine with
        MAX_PARTITIONS_PER_WRITE a write of more than the limit is split by range
        (`lakehouse.statements.partition_ranges`); without it nothing is split."""
        validate_model(model)
        builder = self.builder
        select = self.render(model, params)
        if model.kind == "view":
            yield from builder.materialize_select(self.relation(model), select)
            return
        stage = self.stage_name(model)
        target = self.relation(model)
        yield from builder.materialize_select(stage, select)
        columns = self.stage_columns(model, stage, select)
        if not self.exists(model):
            yield from builder.create_target(model, target, stage)
        limit = self.MAX_PARTITIONS_PER_WRITE
        ranges = values = None
        if partitions is not None and model.partitioned_by:
            if limit is not None or model.kind in PARTITIONED_KINDS:
                values = partitions(model, stage)
            if limit is not None and values is not None:
                ranges = partition_ranges(values, limit)
        # Unless a full build is asked (`full_build` bound true), a `full` model writes only
        # its changed rows (of the `@scope`; a model without one is compared whole), where the
        # engine keeps session tables for the diff
        scoped = (
            model.kind == "full"
            and self.SUPPORTS_TEMP_TABLES
            and not (params or {}).get("full_build", False)
        )
        by_partition = scoped and bool(model.partitioned_by) and self.replaces_partitions(model)
        keys = self.stage_keys(model, stage) if model.kind in KEYED_KINDS else None
        for statement in builder.apply(
            model,
            target,
            stage,
            columns,
            ranges,
            scoped=scoped,
            by_partition=by_partition,
            partitions=values,
            keys=keys,
        ):
            if statement == DIFF_DONE:
                if self.unchanged(stage):
                    return
                continue
            yield statement
        if not self.SUPPORTS_TEMP_TABLES:
            yield builder.drop(stage)

    def materialize(
        self, model: Model | str, params: dict[str, Any] | None = None
    ) -> MaterializeResult:
        """Bring the model's table up to date with the strategy its `@kind` declares."""
        model = get_model(model) if isinstance(model, str) else model
        count = scanned = 0
        for sql in self.plan(model, params, self.stage_partitions):
            scanned += self.execute(sql)
            count += 1
        return MaterializeResult(model.name, model.kind, self.name, count, scanned)

    def unchanged(self, stage: str) -> bool:
        """Whether an incremental write's diff (`statements.diff_tables`) found no row to
        change: then the table is left without a statement on it."""
        changed, removed = diff_tables(stage)
        ((found,),) = self.query(
            f"SELECT EXISTS (SELECT 1 FROM {changed}) OR EXISTS (SELECT 1 FROM {removed})"
        )
        return not found

    def stage_partitions(self, model: Model, stage: str) -> list[Any]:
        """The distinct `@partitioned_by` values of the rows waiting in `stage`."""
        from sqlglot import exp

        column = exp.column(model.partitioned_by or "")
        query = exp.select(column).distinct().from_(exp.to_table(stage, dialect=self.dialect))
        return [row[0] for row in self.query(query.order_by(column.copy()).sql(self.dialect))]

    def stage_keys(self, model: Model, stage: str) -> list[Any] | None:
        """The distinct values of the model's first `@unique_key` column in `stage`, when the
        engine applies a keyed write better as a DELETE of those keys and an INSERT than as a
        MERGE (`StatementBuilder.apply`); None keeps the MERGE."""
        return None

    def replaces_partitions(self, model: Model) -> bool:
        """Whether an incremental build may rewrite only the touched partitions of the model's
        table (else it rewrites the table whole)."""
        return True

    def stage_name(self, model: Model) -> str:
        """Where the model's rows wait before they are applied to its table."""
        return f"{self.relation(model)}{STAGE_SUFFIX}"

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:  # noqa: B027 - engines without resources need not override
        """Release connections; the base engine holds none."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
