"""The engine interface: one SQL model, materialized by its declared kind, on any engine.

A model file says *what* a table is (a SELECT) and *how* it is kept (its `@kind`); an engine
says how each kind is carried out on its storage. DuckDB rewrites Parquet files (whole table or
the touched hive partitions); Athena keeps Iceberg tables and uses DELETE / INSERT / MERGE INTO.
So a stage asks `engine.materialize(model, params)` and never knows which engine runs it.

Engines state what they cannot do as class constants with the reason beside them (as SQLMesh's
engine adapters do), so a caller branches on a capability, never on an engine's name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from lakehouse.models import Model, ModelError, get_model

if TYPE_CHECKING:
    from lakehouse.config import Settings


@dataclass(frozen=True)
class MaterializeResult:
    """What one `materialize` call did, for logs and the stage's event detail."""

    model: str
    kind: str
    engine: str
    statements: int
    """Statements sent to the engine (1 for a DuckDB write; 1-4 for Athena)."""
    bytes_scanned: int = 0
    """Bytes the engine reports having scanned (Athena bills on it; DuckDB reports 0)."""


class Engine(ABC):
    """Runs models and ad-hoc queries on one engine. Subclasses implement each model kind."""

    name: ClassVar[str]
    """The `engine` setting value that selects this class."""
    dialect: ClassVar[str]
    """sqlglot dialect the engine's SQL is written in."""

    SUPPORTS_MERGE: ClassVar[bool] = False
    """`MERGE INTO` updates rows in place (needs a table format with row-level changes)."""
    SUPPORTS_TRANSACTIONS: ClassVar[bool] = False
    """Several statements can commit atomically together."""
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = False
    """`CREATE OR REPLACE TABLE ... AS` swaps a table's contents in one statement."""
    SUPPORTS_PARTITION_REPLACE: ClassVar[bool] = False
    """Whole partitions can be replaced without touching the others."""
    READS_LAKE_FILES_DIRECTLY: ClassVar[bool] = False
    """SQL may read files by path (`read_parquet('...')`); otherwise only catalog tables."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # -- SQL ---------------------------------------------------------------------------------
    @abstractmethod
    def render(self, model: Model | str, params: dict[str, Any] | None = None) -> str:
        """The model's SELECT, parameters bound, in this engine's dialect and table names."""

    @abstractmethod
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one statement (in the engine's dialect) and return its rows."""

    # -- materialization ---------------------------------------------------------------------
    def materialize(
        self, model: Model | str, params: dict[str, Any] | None = None
    ) -> MaterializeResult:
        """Bring the model's table up to date with the strategy its `@kind` declares."""
        model = get_model(model) if isinstance(model, str) else model
        validate_model(model)
        strategy: Callable[[Model, dict[str, Any]], MaterializeResult] = getattr(
            self, f"materialize_{model.kind}"
        )
        return strategy(model, dict(params or {}))

    @abstractmethod
    def materialize_full(self, model: Model, params: dict[str, Any]) -> MaterializeResult:
        """Replace the whole table with the SELECT's rows."""

    @abstractmethod
    def materialize_incremental_by_unique_key(
        self, model: Model, params: dict[str, Any]
    ) -> MaterializeResult:
        """Upsert the SELECT's rows on `@unique_key`: matched rows are updated, others added."""

    @abstractmethod
    def materialize_incremental_by_partition(
        self, model: Model, params: dict[str, Any]
    ) -> MaterializeResult:
        """Replace the `@partitioned_by` partitions present in the SELECT, keep the others."""

    @abstractmethod
    def materialize_scd2(self, model: Model, params: dict[str, Any]) -> MaterializeResult:
        """Apply an SCD2 dimension's new and closed versions (the SELECT computes them)."""

    @abstractmethod
    def materialize_view(self, model: Model, params: dict[str, Any]) -> MaterializeResult:
        """(Re)define a view over the SELECT."""

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:  # noqa: B027 - engines without resources need not override
        """Release connections; the base engine holds none."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


KEYED_KINDS = ("incremental_by_unique_key", "scd2")
PARTITIONED_KINDS = ("incremental_by_partition",)


def validate_model(model: Model) -> None:
    """A kind that merges on a key or replaces partitions must declare them."""
    if model.kind in KEYED_KINDS and not model.unique_key:
        raise ModelError(f"{model.path}: @kind {model.kind} needs an @unique_key header")
    if model.kind in PARTITIONED_KINDS and not model.partitioned_by:
        raise ModelError(f"{model.path}: @kind {model.kind} needs a @partitioned_by header")
