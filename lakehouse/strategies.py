"""DuckDB execution of the model kinds for one ingest: every result is computed first, then
staged as Parquet files, and nothing reaches the lake until the journal publishes them.

Within a run, `silver.<table>` names the table as it was before the batch until the model of
that table has run, and the table as it will be after the batch from then on (so a model that
reads its own table sees its previous state, and a later model sees the new one). The
previous state is the lake's files (`prev.<table>`, or an empty table of the contract's shape
when the table does not exist yet).

What each kind stages (the journal then replaces exactly that scope of the table's folder):
- `view`: an in-session table, read by later models, never stored;
- `full`: the whole table;
- `incremental_by_unique_key` / `scd2`: an upsert of the result on the unique key; an
  unpartitioned table is staged whole, a partitioned one only in the partitions that hold a
  result row or a row the result replaces (a partition left empty is staged as deleted);
- `incremental_by_partition`: the partitions present in the result, replaced whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.errors import EngineError
from lakehouse.models import Model, ModelError, literal
from lakehouse.silver_schema import SILVER_SCHEMAS, check_schema, create_empty
from lakehouse.tables import DATA_FILE, TableStore, table_prefix

if TYPE_CHECKING:
    import duckdb

_COPY_PARTITIONED = (
    "COPY ({query}) TO '{path}' (FORMAT parquet, PARTITION_BY ({column}), "
    "FILENAME_PATTERN 'data_{{i}}', OVERWRITE_OR_IGNORE true)"
)
_COPY_FILE = "COPY ({query}) TO '{path}' (FORMAT parquet)"
_UPSERT = (
    "SELECT {columns} FROM prev.{name} AS p WHERE NOT EXISTS "
    "(SELECT 1 FROM result.{name} AS r WHERE {match}) "
    "UNION ALL BY NAME SELECT {columns} FROM result.{name}"
)
_REPLACE_PARTITIONS = (
    "SELECT {columns} FROM prev.{name} WHERE {column} NOT IN "
    "(SELECT DISTINCT {column} FROM result.{name}) "
    "UNION ALL BY NAME SELECT {columns} FROM result.{name}"
)
_TOUCHED_BY_KEY = (
    "SELECT DISTINCT {column} FROM result.{name} UNION SELECT DISTINCT p.{column} "
    "FROM prev.{name} AS p WHERE EXISTS (SELECT 1 FROM result.{name} AS r WHERE {match})"
)


CACHE_ROWS = 500_000
"""Previous tables up to this size are held in memory for the ingest (see expose_previous)."""


def _scan(store: TableStore, table: str) -> str:
    """Like TableStore.scan, without union_by_name: silver files all have the contract's
    columns, and reading every file's schema to unify them costs more than the daily work."""
    glob = store.storage.uri(table_prefix(table)) + "/**/*.parquet"
    return f"read_parquet('{glob}', hive_partitioning = true)"


@cache
def duckdb_sql(sql: str) -> tuple[str, frozenset[str]]:
    """A model's SQL with its `:name` placeholders read from DuckDB session variables
    (`getvariable('name')`, folded to constants by the planner), and the names.

    The run sets the variables once per batch (`SET VARIABLE`), so each model's text is
    produced once per process instead of re-rendered for every batch, and it is produced
    from sqlglot's tokens (a colon directly followed by a name, outside strings and comments)
    rather than a parse and a regeneration, which cost more than a daily batch's queries.
    Athena renders with `lakehouse.models.render` instead."""
    import sqlglot
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql)
    except TokenError as exc:
        raise ModelError(f"SQL does not tokenize: {exc}") from None
    pieces, names, last = [], set(), 0
    for colon, name in pairwise(tokens):
        if (
            colon.token_type == TokenType.COLON
            and name.token_type == TokenType.VAR
            and name.start == colon.end + 1
        ):
            pieces += [sql[last : colon.start], f"getvariable('{name.text}')"]
            names.add(name.text)
            last = name.end + 1
    pieces.append(sql[last:])
    return "".join(pieces), frozenset(names)


@dataclass(frozen=True)
class StagedTable:
    """Files staged for one table and the part of its folder they replace."""

    table: str
    """`silver.fct_sessions`."""
    local_dir: Path
    files: tuple[str, ...]
    """Paths relative to the table folder (`session_month=2026-01/data_0.parquet`)."""
    partitions: tuple[str, ...] | None
    """Partition folders replaced (`session_month=2026-01`; '' is the folder's top level),
    or None when the staged files are the whole table."""
    result_rows: int


@dataclass
class ModelRun:
    """Runs one ingest's models on one connection and stages what they write."""

    con: duckdb.DuckDBPyConnection
    store: TableStore
    stage_dir: Path
    params: dict[str, Any]
    staged: list[StagedTable] = field(default_factory=list)
    empty_before: set[str] = field(default_factory=set)
    """Tables that had no row before the batch."""
    large: set[str] = field(default_factory=set)
    """Tables too large to hold in memory (read lazily from their files)."""
    _bound: bool = False

    def expose_previous(self, tables: list[str], lazy: tuple[str, ...] = ()) -> None:
        """`prev.<t>` and `silver.<t>`: the lake's current table, or an empty one.

        The models scan the previous fact and dimensions several times, and for small tables
        the per-file overhead dominates, so a table is read once into memory, except one of
        `lazy` (not read by the models) or one over CACHE_ROWS rows, which stays a scan of its
        files that each query filters."""
        self.con.execute(
            "CREATE SCHEMA IF NOT EXISTS prev; CREATE SCHEMA IF NOT EXISTS result; "
            "CREATE SCHEMA IF NOT EXISTS silver"
        )
        present = {
            k.split("/", 2)[1] for k in self.store.storage.list("silver") if k.endswith(".parquet")
        }
        for table in tables:
            name = table.split(".", 1)[1]
            scan = _scan(self.store, table)
            if name not in present:
                create_empty(self.con, table, f"prev.{name}")
                self.empty_before.add(table)
            elif table in lazy:
                self.con.execute(f"CREATE OR REPLACE VIEW prev.{name} AS SELECT * FROM {scan}")
            else:
                # a count reads only the Parquet footers (cached for the reads that follow)
                (rows,) = self.con.execute(f"SELECT count(*) FROM {scan}").fetchone()
                if rows > CACHE_ROWS:
                    self.con.execute(f"CREATE OR REPLACE VIEW prev.{name} AS SELECT * FROM {scan}")
                    self.large.add(table)
                else:
                    self.con.execute(f"CREATE OR REPLACE TABLE prev.{name} AS SELECT * FROM {scan}")
                    if rows == 0:
                        self.empty_before.add(table)
            self.con.execute(f"CREATE OR REPLACE VIEW silver.{name} AS SELECT * FROM prev.{name}")

    def run(self, model: Model) -> StagedTable | None:
        sql, names = duckdb_sql(model.sql)
        missing = sorted(names - set(self.params))
        if missing:
            raise ModelError(f"{model.path}: no value for parameter(s) {', '.join(missing)}")
        if not self._bound:
            for name, value in self.params.items():
                self.con.execute(f"SET VARIABLE {name} = {literal(value).sql(dialect='duckdb')}")
            self._bound = True
        target = model.name if model.kind == "view" else f"result.{model.table}"
        (rows,) = self.con.execute(f"CREATE OR REPLACE TABLE {target} AS {sql}").fetchone()
        if model.kind == "view":
            return None
        if model.sql not in _CHECKED:
            check_schema(self.con, model.name, target)
            _CHECKED.add(model.sql)
        stage = getattr(self, f"_stage_{model.kind}", None)
        if stage is None:
            raise EngineError(f"{model.path}: the ingest cannot run @kind {model.kind}")
        staged = stage(model, int(rows))
        self.staged.append(staged)
        return staged

    # -- helpers ---------------------------------------------------------------------------
    def _columns(self, model: Model) -> str:
        return ", ".join(SILVER_SCHEMAS[model.name])

    def _publish_view(self, model: Model, query: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW silver.{model.table} AS {query}")

    def _write(
        self, model: Model, query: str, partitions: tuple[str, ...] | None, rows: int
    ) -> StagedTable:
        """COPY `query` into the table's staging folder (hive partitions if declared)."""
        folder = self.stage_dir / table_prefix(model.name)
        folder.mkdir(parents=True, exist_ok=True)
        column = model.partitioned_by
        if column and partitions is not None:
            self.con.execute(
                _COPY_PARTITIONED.format(query=query, path=folder.as_posix(), column=column)
            )
        else:
            self.con.execute(_COPY_FILE.format(query=query, path=(folder / DATA_FILE).as_posix()))
        files = tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")))
        return StagedTable(model.name, folder, files, partitions, rows)

    def _nothing(self, model: Model) -> StagedTable:
        return StagedTable(model.name, self.stage_dir, (), (), 0)

    def _partition_dirs(self, model: Model, query: str) -> tuple[str, ...]:
        column = model.partitioned_by
        values = [v for (v,) in self.con.execute(query).fetchall()]
        # '' names the table's top level: an empty table's schema-only file goes away once
        # the table has partitions
        return ("", *sorted(f"{column}={v}" for v in values))

    def _match(self, model: Model) -> str:
        return " AND ".join(f"r.{k} = p.{k}" for k in model.unique_key)

    # -- kinds -----------------------------------------------------------------------------
    def _stage_full(self, model: Model, rows: int) -> StagedTable:
        query = f"SELECT {self._columns(model)} FROM result.{model.table}"
        self._publish_view(model, query)
        return self._write(model, query, None, rows)

    def _stage_incremental_by_unique_key(self, model: Model, rows: int) -> StagedTable:
        name, columns, column = model.table, self._columns(model), model.partitioned_by
        match = self._match(model)
        upsert = _UPSERT.format(columns=columns, name=name, match=match)
        if not column:
            # small and unpartitioned (dimensions, the batch record): staged whole
            self.con.execute(f"CREATE OR REPLACE TABLE result.{name}__table AS {upsert}")
            self._publish_view(model, f"SELECT * FROM result.{name}__table")
            query = f"SELECT {columns} FROM result.{name}__table"
            return self._write(model, query, None, rows)
        self._publish_view(model, upsert)
        if rows == 0:
            if model.name in self.empty_before:
                # a table that has never had a row still exists, with its schema
                return self._write(model, f"SELECT {columns} FROM result.{name}", None, 0)
            return self._nothing(model)
        touched_query = _TOUCHED_BY_KEY.format(column=column, name=name, match=match)
        self.con.execute(f"CREATE OR REPLACE TABLE result.{name}__touched AS {touched_query}")
        touched = self._partition_dirs(model, f"SELECT * FROM result.{name}__touched")
        query = (
            f"SELECT {columns} FROM ({upsert}) WHERE {column} IN "
            f"(SELECT {column} FROM result.{name}__touched)"
        )
        return self._write(model, query, touched, rows)

    _stage_scd2 = _stage_incremental_by_unique_key

    def _stage_incremental_by_partition(self, model: Model, rows: int) -> StagedTable:
        name, columns, column = model.table, self._columns(model), model.partitioned_by
        assert column
        table_query = _REPLACE_PARTITIONS.format(columns=columns, name=name, column=column)
        self._publish_view(model, table_query)
        if rows == 0:
            if model.name in self.empty_before:
                return self._write(model, f"SELECT {columns} FROM result.{name}", None, 0)
            return self._nothing(model)
        touched = self._partition_dirs(model, f"SELECT DISTINCT {column} FROM result.{name}")
        return self._write(model, f"SELECT {columns} FROM result.{name}", touched, rows)


_CHECKED: set[str] = set()
"""Model texts whose result matched the contract once in this process (same SQL, same shape)."""
