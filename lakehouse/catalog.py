"""The lake's catalog: which silver and gold tables exist, and a DuckDB session over them.

Every reader of the lake (materialize, `lakehouse query` / `tables`, export, report) opens the
same catalog, so a table is addressed the same way everywhere: `silver.fct_sessions`,
`gold.monthly_revenue`, as views over the table's current Parquet files (local or S3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.config import Settings
from lakehouse.storage import Storage, open_storage
from lakehouse.tables import TableStore

if TYPE_CHECKING:
    import duckdb

LAYERS = ("silver", "gold")


@dataclass(frozen=True)
class TableInfo:
    name: str
    """`layer.table`."""
    files: int
    """Parquet files currently making up the table."""
    rows: int


def lake_tables(storage: Storage, layers: tuple[str, ...] = LAYERS) -> dict[str, list[str]]:
    """`layer.table` -> its Parquet keys, for every table folder holding Parquet files.

    One listing per layer (not per table) so this stays cheap on S3.
    """
    tables: dict[str, list[str]] = {}
    for layer in layers:
        for key in storage.list(layer):
            parts = key.split("/")
            if len(parts) >= 3 and key.endswith(".parquet"):
                tables.setdefault(f"{layer}.{parts[1]}", []).append(key)
    return dict(sorted(tables.items()))


def open_catalog(
    settings: Settings, layers: tuple[str, ...] = LAYERS
) -> tuple[duckdb.DuckDBPyConnection, TableStore]:
    """A DuckDB connection with a `layer.table` view over every table in the lake.

    The caller owns the connection (close it when done). Views read the files at query time,
    so a table rewritten through the returned TableStore is seen by its view at once.
    """
    from lakehouse.engines.duckdb import connect

    con = connect(settings)
    store = TableStore(open_storage(settings), con)
    store.register_views(list(lake_tables(store.storage, layers)))
    return con, store


def registered_views(con: duckdb.DuckDBPyConnection) -> set[str]:
    """`schema.view` names defined in the connection."""
    rows = con.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal")
    return {f"{schema}.{name}" for schema, name in rows.fetchall()}


def table_stats(
    con: duckdb.DuckDBPyConnection, store: TableStore, layers: tuple[str, ...] = LAYERS
) -> list[TableInfo]:
    """Row and file counts of every table (row counts come from Parquet footers)."""
    stats = []
    for name, keys in lake_tables(store.storage, layers).items():
        (rows,) = con.execute(f"SELECT count(*) FROM {store.scan(name)}").fetchone()
        stats.append(TableInfo(name=name, files=len(keys), rows=int(rows)))
    return stats


def lake_stats(settings: Settings, layers: tuple[str, ...] = LAYERS) -> list[TableInfo]:
    """`table_stats` on a connection of its own, for callers that only want the counts."""
    from lakehouse.engines.duckdb import connect

    con = connect(settings)
    try:
        return table_stats(con, TableStore(open_storage(settings), con), layers)
    finally:
        con.close()
