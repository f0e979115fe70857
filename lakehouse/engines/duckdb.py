"""DuckDB in process: the lake's tables are DuckLake tables, local folder or S3 (httpfs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.engines.base import Engine, MaterializeResult
from lakehouse.errors import EngineError
from lakehouse.lake.catalog import (
    ALIAS,
    commit,
    connect_lake,
    lake_tables,
    partition_layout,
    unknown_statistics,
)
from lakehouse.models import Model, ModelError, get_model, literal, load_models
from lakehouse.models.contracts import SILVER_SCHEMAS, check_schema
from lakehouse.models.dependencies import sql_tokens, table_at

if TYPE_CHECKING:
    import duckdb

    from lakehouse.lake.catalog import Commit


def ephemeral_name(name: str) -> str:
    """The session's temporary table holding the ephemeral model `layer.table`."""
    return name.replace(".", "__")


@cache
def _view_models() -> frozenset[str]:
    return frozenset(name for name, m in load_models().items() if m.kind == "view")


@cache
def duckdb_sql(sql: str, ephemeral: frozenset[str]) -> tuple[str, frozenset[str]]:
    """A model's SQL as this engine runs it, and the names of its parameters.

    - `silver.<t>` / `gold.<t>` name the DuckLake table `lake.<layer>.<t>`, or the session's
      temporary table of an ephemeral model (`ephemeral`); `bronze.*` stays as it is (the batch
      is loaded into the session);
    - `:name` placeholders read DuckDB session variables (`getvariable('name')`, folded to
      constants by the planner), set once per stage with `SET VARIABLE`.

    The rewrite works on sqlglot's tokens (not a parse and a regeneration, which cost more than
    a daily batch's queries), so each model's text is produced once per process."""
    from sqlglot.tokens import TokenType

    tokens = sql_tokens(sql)
    pieces, names, last = [], set(), 0
    for i, (first, second) in enumerate(pairwise(tokens)):
        if (
            first.token_type == TokenType.COLON
            and second.text.isidentifier()  # a name, even one that is a keyword (`:first`)
            and second.start == first.end + 1
        ):
            pieces += [sql[last : first.start], f"getvariable('{second.text}')"]
            names.add(second.text)
            last = second.end + 1
        elif (name := table_at(tokens, i)) is not None:
            table = tokens[i + 2]
            relation = ephemeral_name(name) if name in ephemeral else f"{ALIAS}.{name}"
            pieces += [sql[last : first.start], relation]
            last = table.end + 1
    pieces.append(sql[last:])
    return "".join(pieces), frozenset(names)


_CHECKED: set[str] = set()
"""Model texts whose result matched the silver contract once in this process."""


class DuckDBEngine(Engine):
    """Models as DuckLake tables, run by DuckDB in process (local folder or S3).

    One connection with the lake attached read-write. Ephemeral models are temporary tables of
    the session, and so are the stages, so a whole stage (every model of an ingest, say) runs in
    one DuckLake transaction (`transaction`) and commits as one snapshot."""

    name = "duckdb"
    dialect = "duckdb"

    TABLE_FORMAT = "ducklake"
    SUPPORTS_MERGE = True  # DuckLake takes MERGE INTO / UPDATE / DELETE (delete files)
    SUPPORTS_TRANSACTIONS = True  # one DuckLake commit over every table a stage writes
    SUPPORTS_TEMP_TABLES = True  # stages and ephemeral results live in the session
    CREATES_TARGETS = True  # a table is created from its first result, partitioned by header
    READS_LAKE_FILES_DIRECTLY = True  # read_csv/read_parquet over lake paths (bronze)

    def __init__(
        self,
        settings: Settings,
        con: duckdb.DuckDBPyConnection | None = None,
        *,
        legacy_ok: bool = False,
    ) -> None:
        """`legacy_ok` opens a lake an earlier version wrote as plain Parquet (to rebuild it)."""
        super().__init__(settings)
        self.con = con or connect_lake(settings, legacy_ok=legacy_ok)
        # A stage's statements are mostly catalog look-ups and a daily batch's few thousand
        # rows: one thread runs them on a third of the CPU that two take (the idle worker
        # spins). A stage raises it for work large enough to split (a big batch, a full build).
        self.con.execute("SET threads = 1")
        self.ephemeral: set[str] = set(_view_models())
        self._bound: dict[str, Any] = {}
        self._tables: set[str] | None = None
        self._layouts: dict[str, tuple[list[str], int]] | None = None
        """`partition_layout` of each table asked about in the open transaction, if any."""

    # -- SQL ---------------------------------------------------------------------------------
    def sql(self, text: str) -> tuple[str, frozenset[str]]:
        return duckdb_sql(text, frozenset(self.ephemeral))

    def bind(self, params: dict[str, Any]) -> None:
        """Set the session variables the models' placeholders read (only those that change)."""
        for name, value in params.items():
            if name in self._bound and self._bound[name] == value:
                continue
            self.con.execute(f"SET VARIABLE {name} = {literal(value).sql(dialect='duckdb')}")
            self._bound[name] = value

    def render(self, model: Model | str, params: dict[str, Any] | None = None) -> str:
        model = get_model(model) if isinstance(model, str) else model
        if model.kind == "view":
            self.ephemeral.add(model.name)
        sql, names = self.sql(model.sql)
        params = params or {}
        missing = sorted(names - set(params))
        if missing:
            raise ModelError(f"{model.path}: no value for parameter(s) {', '.join(missing)}")
        self.bind({k: v for k, v in params.items() if k in names})
        return sql

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import duckdb

        try:
            return self.con.execute(self.sql(sql)[0]).fetchall()
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB query failed: {exc}") from None

    def execute(self, sql: str) -> int:
        self.con.execute(sql)
        return 0

    def relation(self, model: Model) -> str:
        return ephemeral_name(model.name) if model.kind == "view" else f"{ALIAS}.{model.name}"

    def stage_name(self, model: Model) -> str:
        return ephemeral_name(model.name) + "__stage"

    def tables(self) -> set[str]:
        """`layer.table` of the lake's tables (as this session sees them)."""
        if self._tables is None:
            self._tables = set(lake_tables(self.con))
        return self._tables

    def exists(self, model: Model) -> bool:
        return model.name in self.tables()

    def stage_columns(self, model: Model, stage: str, select: str) -> list[str]:
        if model.name in SILVER_SCHEMAS and model.sql not in _CHECKED:
            check_schema(self.con, model.name, stage)
            _CHECKED.add(model.sql)
        return [row[0] for row in self.con.execute(f"DESCRIBE {stage}").fetchall()]

    MAX_LITERAL_KEYS = 100
    """A keyed write of up to this many distinct keys is a DELETE of the keys, named as
    literals, and an INSERT; a larger one is a MERGE. A MERGE costs about 20 ms whatever the
    target's size (its join pushes the stage's keys into the target's scan); the DELETE costs
    a few ms on a small target but grows with the literals and the target: measured on a
    daily batch, 55 keys on scale 1's fact 6 ms against the MERGE's 19; on scale 100's
    (3.3 M rows) 50 keys 25 ms against 21, 1,000 keys 160 ms against 21."""

    def stage_keys(self, model: Model, stage: str) -> list[Any] | None:
        column = model.unique_key[0]
        rows = self.con.execute(
            f"SELECT DISTINCT {column} FROM {stage} LIMIT {self.MAX_LITERAL_KEYS + 1}"
        ).fetchall()
        values = [r[0] for r in rows]
        if len(values) > self.MAX_LITERAL_KEYS or None in values:
            return None  # a NULL key never matches: the MERGE inserts its row as new
        return sorted(values)

    def replaces_partitions(self, model: Model) -> bool:
        """Only when every data file of the table holds one partition of `@partitioned_by`
        (else replacing a partition would delete rows inside a file, which a concurrent reader
        can see half done), and every column of the table has file statistics. DuckLake 1.5.5
        keeps no table-wide minimum and maximum for a column once a file holds only NULLs in
        it, and the next insert that is not the whole table then records that insert's range
        as the table's: scans pruned by it drop rows, and DuckDB's compressed materialization
        wraps values outside it. A whole-table rewrite records the range of every row."""
        if model.name not in self.tables():
            return False
        columns, other_files = self._layout(model.name)
        return (
            columns == [model.partitioned_by]
            and other_files == 0
            and not unknown_statistics(self.con, model.name)
        )

    def partition(self, model: Model) -> None:
        """Partition the model's table by its `@partitioned_by` from its next write on (its
        files written before stay as they are until a write replaces them); nothing when it is
        partitioned so already, or does not exist yet (the write creates it partitioned)."""
        if not model.partitioned_by or model.name not in self.tables():
            return
        if self._layout(model.name)[0] != [model.partitioned_by]:
            self.con.execute(
                f"ALTER TABLE {ALIAS}.{model.name} SET PARTITIONED BY ({model.partitioned_by})"
            )

    def _layout(self, name: str) -> tuple[list[str], int]:
        """The table's `partition_layout`, read once per transaction: it reads the committed
        catalog, which the open transaction's own changes do not reach before it commits."""
        if self._layouts is None:
            return partition_layout(self.con, name)
        if name not in self._layouts:
            self._layouts[name] = partition_layout(self.con, name)
        return self._layouts[name]

    def materialize(
        self, model: Model | str, params: dict[str, Any] | None = None
    ) -> MaterializeResult:
        model = get_model(model) if isinstance(model, str) else model
        result = super().materialize(model, params)
        if model.kind != "view":
            self.tables().add(model.name)
        return result

    def cache(self, name: str) -> str:
        """Read the lake table `name` once into the session: the models after this read the
        copy (a DuckLake scan costs catalog look-ups and a read of every file, each time).
        Returns the copy's name."""
        copy = ephemeral_name(name)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {copy} AS SELECT * FROM {ALIAS}.{name}")
        self.ephemeral.add(name)
        return copy

    def read_from(self, name: str, relation: str) -> None:
        """From now on the models read the table `name` from `relation`, a session table that
        holds the same rows (a full build's stage, say): no copy, and no DuckLake scan of a
        table this transaction has just rewritten."""
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {ephemeral_name(name)} AS SELECT * FROM {relation}"
        )
        self.ephemeral.add(name)

    def create_table(self, name: str, columns: dict[str, str], partitioned_by: str | None) -> None:
        """An empty lake table with these columns (a contract's shape)."""
        layer = name.split(".")[0]
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{layer}")
        body = ", ".join(f"{col} {dtype}" for col, dtype in columns.items())
        self.con.execute(f"CREATE TABLE {ALIAS}.{name} ({body})")
        if partitioned_by:
            self.con.execute(f"ALTER TABLE {ALIAS}.{name} SET PARTITIONED BY ({partitioned_by})")
        self.tables().add(name)

    @contextmanager
    def transaction(self, stage: str, message: str) -> Iterator[Commit]:
        """Everything materialized inside commits as one lake snapshot (see catalog.commit)."""
        before = set(self.tables())
        self._layouts = {}
        try:
            with commit(self.con, stage, message) as record:
                yield record
        except BaseException:
            self._tables = before
            raise
        finally:
            self._layouts = None

    def close(self) -> None:
        self.con.close()
