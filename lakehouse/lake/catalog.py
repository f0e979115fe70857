"""The lake's tables: silver and gold as DuckLake tables, read and written through one catalog.

DuckLake keeps the table metadata (schemas, which Parquet files make up which table at which
snapshot) in a SQL database, the *catalog*, and the data as Parquet files in the lake's storage
under `silver/<table>/` and `gold/<table>/`. Every commit is one snapshot over all tables, so a
stage that writes several tables in one transaction is seen whole or not at all, and any earlier
snapshot can be read (time travel) or restored.

The catalog is the `catalog` setting: a SQLite file (the default for a folder lake is
`<lake>/_catalog/lake.sqlite`, so the lake folder holds everything and can be moved), or a
PostgreSQL URL (`postgresql://user:password@host:5432/db`) for a lake on S3 shared by several
machines. A SQLite catalog runs in WAL mode, so readers never wait for a writer's commit.

Readers (`query`, `check`, `export`, `report`) get a session in which `silver.<table>` and
`gold.<table>` are views over the attached lake, inside one read transaction: every query of
the session sees the same snapshot, whatever a concurrent run commits meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lakehouse.config import Settings, mask_url_password
from lakehouse.errors import ConfigError, EngineError, LakehouseError, UsageError
from lakehouse.lake import iceberg
from lakehouse.lake.connection import connect, scalar
from lakehouse.lake.extensions import load
from lakehouse.lake.storage import open_storage

if TYPE_CHECKING:
    import duckdb

ALIAS = "lake"
"""The name the DuckLake catalog is attached under in every session."""
LAYERS = ("silver", "gold")
DEFAULT_SQLITE = "_catalog/lake.sqlite"
AUTHOR = "lakehouse"


class CatalogMissing(LakehouseError):
    """The lake has no catalog yet: nothing was ingested."""


class LegacyLake(LakehouseError):
    """The lake's silver and gold were written by an earlier version, as plain Parquet."""


def _legacy_tables(settings: Settings) -> list[str]:
    """Table folders of the earlier plain-Parquet layout (`silver/<t>/data_0.parquet`)."""
    storage = open_storage(settings)
    keys = [k for layer in LAYERS for k in storage.list(layer) if k.endswith(".parquet")]
    return sorted({"/".join(k.split("/")[:2]) for k in keys if "/ducklake-" not in k})


@dataclass(frozen=True)
class CatalogLocation:
    """Where the catalog is and how DuckDB attaches it."""

    kind: str
    """`sqlite` or `postgres`."""
    target: str
    """A SQLite file path, or a libpq connection string / URL."""
    data_path: str
    """The lake's root as DuckDB addresses it (`/abs/lake/` or `s3://bucket/prefix/`)."""
    inside_lake: bool
    """The catalog lives in the lake folder and moves with it (the default SQLite file)."""

    @property
    def uri(self) -> str:
        return f"ducklake:{self.kind}:{self.target}"

    def describe(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite catalog {self.target}"
        parts = urlsplit(self.target)
        if parts.scheme:
            return f"PostgreSQL catalog {parts.hostname}:{parts.port or 5432}{parts.path}"
        return "PostgreSQL catalog"

    @property
    def extensions(self) -> tuple[str, ...]:
        return ("ducklake", f"{self.kind}_scanner")

    def exists(self) -> bool:
        """False only when a SQLite catalog file has not been created yet."""
        return self.kind != "sqlite" or Path(self.target).is_file()


def location(settings: Settings) -> CatalogLocation:
    """Resolve the `catalog` setting for this lake (see the module doc)."""
    storage = open_storage(settings)
    data_path = storage.uri().rstrip("/") + "/"
    value = settings.catalog.strip()
    if not value:
        if settings.storage == "s3":
            raise ConfigError(
                f"the lake {settings.lake} is on S3 and needs a catalog for its tables: set "
                "'catalog' (LAKEHOUSE_CATALOG) to a PostgreSQL URL such as "
                "postgresql://user:password@host:5432/lakehouse, or to a local SQLite file "
                "path (one machine only)"
            )
        return CatalogLocation("sqlite", str(Path(storage.uri(DEFAULT_SQLITE))), data_path, True)
    if value.startswith(("postgresql://", "postgres://")):
        return CatalogLocation("postgres", value, data_path, False)
    if value.startswith("postgres:"):
        return CatalogLocation("postgres", value.removeprefix("postgres:"), data_path, False)
    path = value.removeprefix("sqlite:")
    if "://" in path:
        raise ConfigError(
            f"setting 'catalog' = {value!r}: use a SQLite file path or a postgresql:// URL"
        )
    return CatalogLocation("sqlite", str(Path(path).expanduser().resolve()), data_path, False)


def _create_sqlite(path: Path) -> None:
    """An empty SQLite database in WAL mode (DuckLake adds its tables on first attach)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


def attach(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    read_only: bool = False,
    snapshot: int | None = None,
    legacy_ok: bool = False,
) -> CatalogLocation:
    """Attach the lake's DuckLake catalog as `lake` (created on the first write).

    A reader of a lake that has no catalog yet gets `CatalogMissing`; a lake whose tables an
    earlier version wrote as plain Parquet gets `LegacyLake` (unless `legacy_ok`: rebuild)."""
    import duckdb

    where = location(settings)
    if not legacy_ok and not where.exists():
        legacy = _legacy_tables(settings)
        if legacy:
            raise LegacyLake(
                f"the lake {settings.lake} holds tables an earlier version wrote as plain Parquet "
                f"({', '.join(legacy[:3])}{', ...' if len(legacy) > 3 else ''}) and has no "
                "catalog: run `lakehouse rebuild` to rebuild silver and gold from raw/ in the "
                "current format"
            )
    if not where.exists():
        if read_only:
            raise CatalogMissing(
                f"the lake {settings.lake} has no tables yet ({where.describe()} does not "
                "exist): run `lakehouse ingest --all` first"
            )
        _create_sqlite(Path(where.target))
    for name in where.extensions:
        load(con, name)
    options = [f"DATA_PATH {_literal(where.data_path)}"]
    if where.inside_lake:
        options.append("OVERRIDE_DATA_PATH true")  # the lake folder may have been moved
    if read_only:
        options.append("READ_ONLY")
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    try:
        con.execute(f"ATTACH {_literal(where.uri)} AS {ALIAS} ({', '.join(options)})")
    except duckdb.Error as exc:
        reason = _first_line(exc).replace(where.target, mask_url_password(where.target))
        raise EngineError(f"cannot open the {where.describe()}: {reason}") from None
    return where


def _cursor(root: duckdb.DuckDBPyConnection, settings: Settings) -> duckdb.DuckDBPyConnection:
    """A new connection to the shared instance, set up like `connect` sets up its own."""
    con = root.cursor()
    con.execute(f"SET threads = {int(settings.duckdb.threads)}")
    con.execute("SET preserve_insertion_order = false")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_SHARED: ContextVar[tuple[str, duckdb.DuckDBPyConnection] | None] = ContextVar(
    "lakehouse_shared_lake", default=None
)


def _key(settings: Settings) -> str:
    return f"{settings.lake}|{settings.catalog}"


@contextmanager
def shared_lake(settings: Settings) -> Iterator[None]:
    """Inside this block, the lake's sessions are cursors of one DuckDB connection that keeps
    the catalog attached: a run of many days pays the attach and the catalog's first read once
    instead of in every stage. Each cursor still has its own transactions and temporary
    tables; the stages commit exactly as they would on connections of their own."""
    if _SHARED.get() is not None:
        yield
        return
    root = connect_lake(settings)
    token = _SHARED.set((_key(settings), root))
    try:
        yield
    finally:
        _SHARED.reset(token)
        root.close()


def connect_lake(
    settings: Settings,
    *,
    read_only: bool = False,
    snapshot: int | None = None,
    legacy_ok: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A configured DuckDB connection with the lake attached as `lake` (a cursor of the shared
    connection inside `shared_lake`, for any session of the latest snapshot)."""
    shared = _SHARED.get()
    if shared is not None and shared[0] == _key(settings) and snapshot is None:
        return _cursor(shared[1], settings)

    con = connect(settings, extensions=location(settings).extensions)
    try:
        attach(con, settings, read_only=read_only, snapshot=snapshot, legacy_ok=legacy_ok)
    except BaseException:
        con.close()
        raise
    return con


# -- what the catalog holds ----------------------------------------------------------------------
def lake_tables(
    con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = LAYERS, at: int | None = None
) -> list[str]:
    """`layer.table` of every table at snapshot `at` (default: the latest), sorted. Tables
    created by the session's own open transaction are not listed: the engine tracks those.

    Read from the catalog's tables: `duckdb_tables()` costs 15x more on a DuckLake catalog."""
    live = (
        "end_snapshot IS NULL"
        if at is None
        else "begin_snapshot <= $1 AND (end_snapshot IS NULL OR end_snapshot > $1)"
    )
    rows = con.execute(
        f"""
        SELECT s.schema_name, t.table_name
        FROM (SELECT * FROM __ducklake_metadata_{ALIAS}.ducklake_table WHERE {live}) AS t
        JOIN (SELECT * FROM __ducklake_metadata_{ALIAS}.ducklake_schema WHERE {live}) AS s
            USING (schema_id)
        ORDER BY 1, 2
        """,
        [] if at is None else [at],
    ).fetchall()
    return [f"{schema}.{name}" for schema, name in rows if schema in layers]


@dataclass(frozen=True)
class Snapshot:
    """One commit of the lake: what stage made it, for which batch, and what it changed."""

    id: int
    time: datetime
    message: str
    stage: str
    """`ingest`, `materialize`, `rollback`, `rebuild`, `maintain`, ... ('' for DDL-only ones)."""
    batch: date | None
    """The latest ingest date silver holds after this snapshot."""
    rows: dict[str, int] = field(default_factory=dict)
    """Rows written per table by the stage."""
    extra: dict[str, Any] = field(default_factory=dict)


def snapshots(con: duckdb.DuckDBPyConnection, since_stage: str | None = None) -> list[Snapshot]:
    """Every snapshot the catalog still has, oldest first; with `since_stage`, only from the
    last snapshot of that stage on (all of them when there is none), so a daily reader does not
    parse the whole history."""
    since = ""
    if since_stage:
        since = (
            "WHERE snapshot_id >= coalesce((SELECT max(snapshot_id) FROM "
            f"{ALIAS}.snapshots() WHERE json_extract_string(commit_extra_info, '$.stage') = "
            f"{_literal(since_stage)}), 0)"
        )
    rows = con.execute(
        f"SELECT snapshot_id, snapshot_time::TIMESTAMP, coalesce(commit_message, ''), "
        f"commit_extra_info FROM {ALIAS}.snapshots() {since} ORDER BY snapshot_id"
    ).fetchall()
    out = []
    for sid, stamp, message, extra in rows:
        info = json.loads(extra) if extra else {}
        batch = info.get("batch")
        out.append(
            Snapshot(
                id=int(sid),
                time=stamp,
                message=message,
                stage=info.get("stage", ""),
                batch=date.fromisoformat(batch) if batch else None,
                rows={k: int(v) for k, v in info.get("rows", {}).items()},
                extra=info,
            )
        )
    return out


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return int(scalar(con, f"SELECT id FROM {ALIAS}.current_snapshot()"))


def snapshot_after_batch(con: duckdb.DuckDBPyConnection, day: date) -> Snapshot:
    """The last snapshot whose silver ends with batch `day`: the lake right after that batch
    (its ingest, and its materialize when one ran before the next batch)."""
    found = [s for s in snapshots(con) if s.batch == day]
    if not found:
        batches = sorted({s.batch for s in snapshots(con) if s.batch})
        known = f"{batches[0]} .. {batches[-1]}" if batches else "none"
        raise LakehouseError(
            f"no snapshot of the lake ends with batch {day} (batches in the snapshots: {known}; "
            "snapshots older than the retention are expired by `lakehouse maintain`)"
        )
    return found[-1]


def unknown_statistics(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The columns of the table `layer.table` whose table-wide minimum or maximum the catalog
    does not know (see `DuckDBEngine.replaces_partitions`)."""
    layer, table = name.split(".", 1)
    rows = con.execute(
        f"""
        SELECT c.column_name
        FROM __ducklake_metadata_{ALIAS}.ducklake_table_column_stats AS st
        JOIN __ducklake_metadata_{ALIAS}.ducklake_table AS t USING (table_id)
        JOIN __ducklake_metadata_{ALIAS}.ducklake_schema AS s USING (schema_id)
        JOIN __ducklake_metadata_{ALIAS}.ducklake_column AS c USING (table_id, column_id)
        WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL AND c.end_snapshot IS NULL
            AND s.schema_name = ? AND t.table_name = ?
            AND (st.min_value IS NULL OR st.max_value IS NULL)
        ORDER BY c.column_order
        """,
        [layer, table],
    ).fetchall()
    return [column for (column,) in rows]


def partition_layout(con: duckdb.DuckDBPyConnection, name: str) -> tuple[list[str], int]:
    """How the table `layer.table` is laid out now: the columns it is partitioned by (identity
    partitions, in key order; empty when it is not partitioned), and how many of its live data
    files were written otherwise (before the partitioning was set, or with another one). Only
    with none of those does replacing a partition mean replacing whole files."""
    layer, table = name.split(".", 1)
    meta = f"__ducklake_metadata_{ALIAS}"
    ((columns, other_files),) = con.execute(
        f"""
        WITH tbl AS (
            SELECT t.table_id
            FROM {meta}.ducklake_table AS t
            JOIN {meta}.ducklake_schema AS s USING (schema_id)
            WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL
                AND s.schema_name = ? AND t.table_name = ?
        ),
        spec AS (
            SELECT p.partition_id, p.table_id
            FROM {meta}.ducklake_partition_info AS p
            JOIN tbl USING (table_id)
            WHERE p.end_snapshot IS NULL
        )
        SELECT
            (
                SELECT coalesce(list(c.column_name ORDER BY pc.partition_key_index), [])
                FROM {meta}.ducklake_partition_column AS pc
                JOIN spec USING (partition_id, table_id)
                JOIN {meta}.ducklake_column AS c
                    ON c.table_id = pc.table_id AND c.column_id = pc.column_id
                    AND c.end_snapshot IS NULL
                WHERE pc.transform = 'identity'
            ),
            (
                SELECT count(*)
                FROM {meta}.ducklake_data_file AS f
                JOIN tbl USING (table_id)
                WHERE f.end_snapshot IS NULL
                    AND f.partition_id IS DISTINCT FROM (SELECT max(partition_id) FROM spec)
            )
        """,
        [layer, table],
    ).fetchall()
    return list(columns), int(other_files)


MAINTENANCE_CHANGES = frozenset({"merge_adjacent", "flushed_inlined", "rewrite_delete"})
"""Snapshot change kinds of a maintenance commit (`lakehouse maintain`, the compaction after
an ingest): it rewrites files, or moves inlined rows into them, without changing any rows."""


def table_versions(con: duckdb.DuckDBPyConnection, layer: str) -> dict[str, int]:
    """For each table of `layer`, the snapshot that last changed its rows (up to the session's
    snapshot): equal versions mean equal contents, so a copy made at one is still current.

    An Athena session (no DuckLake attached) has the Iceberg tables' snapshot ids instead."""
    attached = con.execute(
        "SELECT 1 FROM duckdb_databases() WHERE database_name = ?", [ALIAS]
    ).fetchone()
    if attached is None:
        return iceberg.table_versions(con, layer)
    tables = {
        str(table_id): name
        for table_id, name in con.execute(
            f"""
            SELECT t.table_id, t.table_name
            FROM __ducklake_metadata_{ALIAS}.ducklake_table AS t
            JOIN __ducklake_metadata_{ALIAS}.ducklake_schema AS s USING (schema_id)
            WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL AND s.schema_name = ?
            """,
            [layer],
        ).fetchall()
    }
    names = {f"{layer}.{name}": name for name in tables.values()}
    versions: dict[str, int] = {}
    rows = con.execute(
        f"SELECT snapshot_id, changes FROM {ALIAS}.snapshots() WHERE snapshot_id <= ? "
        "ORDER BY snapshot_id",
        [current_snapshot(con)],
    ).fetchall()
    for sid, changes in rows:
        if MAINTENANCE_CHANGES.intersection(changes or {}):
            continue
        for values in (changes or {}).values():
            for value in values:
                name = tables.get(value) or names.get(value)
                if name:
                    versions[name] = int(sid)
    return versions


@dataclass
class Commit:
    """What the snapshot of an open transaction will say (filled in while the stage runs)."""

    stage: str
    message: str
    info: dict[str, Any] = field(default_factory=dict)


@contextmanager
def commit(con: duckdb.DuckDBPyConnection, stage: str, message: str) -> Iterator[Commit]:
    """One DuckLake transaction: everything executed inside commits as one snapshot tagged with
    the stage and its info (JSON), or nothing does."""
    con.execute("BEGIN TRANSACTION")
    record = Commit(stage, message)
    try:
        yield record
        extra = json.dumps({"stage": record.stage, **record.info}, sort_keys=True, default=str)
        con.execute(
            f"CALL {ALIAS}.set_commit_message(?, ?, extra_info => ?)",
            [AUTHOR, record.message, extra],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# -- read sessions -----------------------------------------------------------------------------
def expose(
    con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = LAYERS, at: int | None = None
) -> list[str]:
    """`silver.<t>` / `gold.<t>` views (in the session's own memory catalog) over the lake's
    tables (at snapshot `at`), so SQL written against the layer names runs unchanged."""
    names = lake_tables(con, layers, at)
    for layer in layers:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{layer}")
    for name in names:
        con.execute(f"CREATE OR REPLACE VIEW memory.{name} AS SELECT * FROM {ALIAS}.{name}")
    return names


def open_catalog(
    settings: Settings,
    layers: tuple[str, ...] = LAYERS,
    *,
    at_batch: date | None = None,
) -> duckdb.DuckDBPyConnection:
    """A read session over the lake: `layer.table` views, all reading one snapshot (the latest,
    or the one right after batch `at_batch`). A lake without tables gives a session with none.

    The caller owns the connection (close it when done)."""
    ducklake = settings.table_format == "ducklake"
    shared = _SHARED.get()
    if ducklake and at_batch is None and shared is not None and shared[0] == _key(settings):
        con = _cursor(shared[1], settings)
        con.execute("BEGIN TRANSACTION")
        expose(con, layers)
        return con
    if not ducklake:
        return _open_iceberg(settings, layers, at_batch)
    con = connect(settings, extensions=location(settings).extensions)
    try:
        try:
            attach(con, settings, read_only=True)
        except CatalogMissing:
            if at_batch is not None:
                raise
            for layer in layers:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            return con
        pinned = None
        if at_batch is not None:
            pinned = snapshot_after_batch(con, at_batch).id
            con.execute(f"DETACH {ALIAS}")
            attach(con, settings, read_only=True, snapshot=pinned)
        # one read transaction for the whole session: every query sees the same snapshot
        con.execute("BEGIN TRANSACTION")
        expose(con, layers, at=pinned)
    except BaseException:
        con.close()
        raise
    return con


def _open_iceberg(
    settings: Settings, layers: tuple[str, ...], at_batch: date | None
) -> duckdb.DuckDBPyConnection:
    """The read session of an Athena lake: its Iceberg tables, found through Glue."""
    if at_batch is not None:
        raise UsageError(
            f"reading the lake as of batch {at_batch} needs the DuckLake snapshots of "
            "engine = duckdb; the Athena engine reads each Iceberg table's current snapshot"
        )
    con = connect(settings, extensions=iceberg.EXTENSIONS)
    try:
        iceberg.expose(con, settings, layers)
    except BaseException:
        con.close()
        raise
    return con


def registered_views(con: duckdb.DuckDBPyConnection) -> set[str]:
    """`schema.view` names defined in the session's memory catalog."""
    rows = con.execute(
        "SELECT schema_name, view_name FROM duckdb_views() "
        "WHERE NOT internal AND database_name = 'memory'"
    )
    return {f"{schema}.{name}" for schema, name in rows.fetchall()}


@dataclass(frozen=True)
class TableInfo:
    name: str
    """`layer.table`."""
    files: int
    """Parquet data files making up the table at this snapshot."""
    rows: int


def table_stats(
    con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = LAYERS
) -> list[TableInfo]:
    """Row and data-file counts of every table in an attached session."""
    stats = []
    for name in lake_tables(con, layers):
        layer, table = name.split(".")
        rows = scalar(con, f"SELECT count(*) FROM {ALIAS}.{name}")
        files = scalar(
            con,
            f"SELECT count(*) FROM ducklake_list_files('{ALIAS}', ?, schema => ?)",
            [table, layer],
        )
        stats.append(TableInfo(name=name, files=int(files), rows=int(rows)))
    return stats


def lake_stats(settings: Settings, layers: tuple[str, ...] = LAYERS) -> list[TableInfo]:
    """`table_stats` on a session of its own, in one read-only transaction: every count comes
    from the same snapshot, and the catalog is read once, not once per statement. An empty
    list for a lake without tables."""
    try:
        con = connect_lake(settings, read_only=True)
    except CatalogMissing:
        return []
    try:
        con.execute("BEGIN TRANSACTION")
        return table_stats(con, layers)
    finally:
        con.close()  # rolls the read-only transaction back


def write_tables(
    settings: Settings,
    tables: dict[str, str],
    *,
    stage: str = "load",
    message: str = "",
    partitioned_by: dict[str, str] | None = None,
    sources: dict[str, Any] | None = None,
) -> None:
    """Replace (or create) each `layer.table` with the rows and columns of its query, in one
    commit.

    For loading prepared tables (fixtures, migrations); the stages write through their models.
    `sources` are Arrow tables or data frames the queries read, registered under their names."""
    con = connect_lake(settings)
    try:
        for name, source in (sources or {}).items():
            con.register(name, source)
        existing = set(lake_tables(con))
        with commit(con, stage, message or f"{stage} {', '.join(tables)}"):
            for name, query in tables.items():
                layer = name.split(".")[0]
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{layer}")
                if name in existing:
                    con.execute(f"DROP TABLE {ALIAS}.{name}")
                con.execute(f"CREATE TABLE {ALIAS}.{name} AS SELECT * FROM ({query}) LIMIT 0")
                column = (partitioned_by or {}).get(name)
                if column:
                    con.execute(f"ALTER TABLE {ALIAS}.{name} SET PARTITIONED BY ({column})")
                con.execute(f"INSERT INTO {ALIAS}.{name} BY NAME {query}")
    finally:
        con.close()


def drop_all_tables(settings: Settings) -> list[str]:
    """Drop every silver and gold table from the catalog (one commit), for a lake being
    emptied: its files go with the storage, and the catalog must not name them afterwards."""
    try:
        con = connect_lake(settings, legacy_ok=True)
    except CatalogMissing:
        return []
    try:
        names = lake_tables(con)
        if names:
            with commit(con, "reset", "drop every table: the lake is emptied"):
                for name in names:
                    con.execute(f"DROP TABLE {ALIAS}.{name}")
        return names
    finally:
        con.close()
