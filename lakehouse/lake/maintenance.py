"""`lakehouse maintain`: keep the lake small and fast to read as the days add up.

A daily run adds a few snapshots a day, small Parquet files, delete files (MERGE on the fact
rewrites some rows) and rows inlined in the catalog (DuckLake keeps inserts of up to 10 rows in
the catalog database instead of writing a tiny file). Maintenance, in this order:

1. flush the inlined rows into Parquet files, so every row is in a file under the lake;
2. rewrite the files that have deleted rows without them (DuckLake's merge leaves such files
   alone, and the daily writes delete rows: SCD2 versions closed, sessions replaced);
3. merge adjacent small files of each table (snapshots keep reading them: time travel survives);
4. expire the snapshots older than `maintain.expire_older_than` (the current one always stays);
5. delete the files no remaining snapshot needs (DuckLake schedules them in 2 to 4);
6. delete files under `silver/` and `gold/` that the catalog does not know at all: left by a
   writer killed before its commit, or by a lake written before it had a catalog. DuckLake's
   own orphan sweep is not used: it lists the whole data path, which is the lake root here and
   holds the raw batches and the simulator's state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.lake.catalog import ALIAS, LAYERS, connect_lake, location, snapshots
from lakehouse.lake.connection import scalar
from lakehouse.lake.storage import open_storage

if TYPE_CHECKING:
    import duckdb

ORPHAN_GRACE_S = 3600
"""A file the catalog does not know is left alone this long (a writer may be about to commit)."""


@dataclass(frozen=True)
class MaintainResult:
    rows_flushed: int
    files_rewritten: int
    """Files that had deleted rows, rewritten without them (so the merge can take them)."""
    files_merged: int
    files_created: int
    snapshots_expired: int
    files_deleted: int
    """Files no snapshot needs any more (after merging and expiring)."""
    stray_files_deleted: int
    """Files under silver/ and gold/ that the catalog did not know."""
    snapshots_left: int


SMALL_FILES_SLACK = 8
"""A table is compacted after a stage once it has this many more data files than twice its
partitions (a daily MERGE adds about one small file per touched partition)."""


def _metadata(table: str) -> str:
    return f"__ducklake_metadata_{ALIAS}.{table}"


def compact_small_files(con: duckdb.DuckDBPyConnection, layer: str) -> list[str]:
    """Compact each table of `layer` that has gathered too many files (see SMALL_FILES_SLACK):
    merge its adjacent small files or, where that merges nothing, rewrite the files with
    deleted rows and merge those (`compact`), each step a commit of its own; returns
    the tables compacted.

    Each daily batch adds a file or two to the fact's touched months and to the dimensions;
    left alone, every later scan opens them all and the per-day cost grows with the lake's
    age. Merging keeps the snapshots readable (DuckLake's merge preserves time travel)."""
    rows = con.execute(
        f"""
        SELECT t.table_name, count(DISTINCT f.data_file_id), count(DISTINCT p.partition_value)
        FROM {_metadata("ducklake_data_file")} AS f
        JOIN {_metadata("ducklake_table")} AS t
            ON t.table_id = f.table_id AND t.end_snapshot IS NULL
        JOIN {_metadata("ducklake_schema")} AS s
            ON s.schema_id = t.schema_id AND s.end_snapshot IS NULL AND s.schema_name = ?
        LEFT JOIN {_metadata("ducklake_file_partition_value")} AS p USING (data_file_id)
        WHERE f.end_snapshot IS NULL
        GROUP BY 1
        """,
        [layer],
    ).fetchall()
    merged = []
    for table, files, partitions in sorted(rows):
        if files > 2 * max(partitions, 1) + SMALL_FILES_SLACK:
            if not _counted(_merge(con, (layer, table))):
                compact(con, (layer, table))
            merged.append(f"{layer}.{table}")
    return merged


Rows = list[tuple[Any, ...]]


def _counted(rows: Rows) -> int:
    """What a flush, rewrite or merge CALL counts, per table in its third column: the rows
    flushed, the files rewritten or merged."""
    return sum(int(row[2]) for row in rows)


def _merge(con: duckdb.DuckDBPyConnection, table: tuple[str, str] | None) -> Rows:
    """DuckLake's merge of the adjacent small files of `(layer, table)`, or of every table."""
    if table is None:
        return con.execute(f"CALL ducklake_merge_adjacent_files('{ALIAS}')").fetchall()
    layer, name = table
    return con.execute(
        f"CALL ducklake_merge_adjacent_files('{ALIAS}', ?, schema => ?)", [name, layer]
    ).fetchall()


def compact(
    con: duckdb.DuckDBPyConnection, table: tuple[str, str] | None = None
) -> tuple[Rows, Rows, Rows]:
    """Flush the inlined rows of `(layer, table)` (default: of every table) into files,
    rewrite its files that have deleted rows without them, then merge its adjacent small
    files; returns what each of the three CALLs returned.

    The merge leaves alone every file with deleted rows, and an SCD2 dimension deletes a few
    rows of its history each day (the versions a batch closes), so merging alone let its
    files gather (51 of 15 rows each for `silver.dim_tutors` after a year, each read of it
    three times dearer than at day 30). The flush comes first: DuckLake 1.5.5 cannot rewrite
    a table with inlined rows in a DOUBLE column (its statistics query calls isnan on the
    SQLite catalog's text). Each step is a maintenance commit that keeps the rows and time
    travel (the files replaced stay until their snapshots expire)."""
    # CALL, not SELECT ... FROM: only a CALL commits what these functions change
    if table is None:
        flushed = con.execute(f"CALL ducklake_flush_inlined_data('{ALIAS}')").fetchall()
        rewritten = con.execute(
            f"CALL ducklake_rewrite_data_files('{ALIAS}', delete_threshold => 0)"
        ).fetchall()
    else:
        layer, name = table
        flushed = con.execute(
            f"CALL ducklake_flush_inlined_data('{ALIAS}', schema_name => ?, table_name => ?)",
            [layer, name],
        ).fetchall()
        rewritten = con.execute(
            f"CALL ducklake_rewrite_data_files('{ALIAS}', ?, schema => ?, delete_threshold => 0)",
            [name, layer],
        ).fetchall()
    return flushed, rewritten, _merge(con, table)


def expire_old_batches(con: duckdb.DuckDBPyConnection, keep: int) -> int:
    """Expire the snapshots from before the last `keep` batches (0: none), once the catalog
    holds a quarter more batches than that, in a commit of its own; returns how many.

    DuckLake keeps a row per data file, per column of it, for every file any snapshot still
    reads, and a DuckDB statement on a DuckLake table reads those rows: left to grow, they
    double the cost of a day within a year of daily batches. Their files are deleted after
    ORPHAN_GRACE_S, so a reader still on an expired snapshot keeps its files a while."""
    if keep <= 0:
        return 0
    history = snapshots(con)
    batches = sorted({s.batch for s in history if s.batch})
    if len(batches) <= keep + max(1, keep // 4):
        return 0
    first_kept = min(s.id for s in history if s.batch == batches[-keep])
    old = [s.id for s in history if s.id < first_kept]
    con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}', versions => ?)", [old]).fetchall()
    con.execute(
        f"CALL ducklake_cleanup_old_files('{ALIAS}', "
        f"older_than => now() - INTERVAL {ORPHAN_GRACE_S} SECONDS)"
    ).fetchall()
    return len(old)


def referenced_keys(con: duckdb.DuckDBPyConnection, data_path: str) -> set[str]:
    """Lake-relative keys of every file the catalog refers to, in any snapshot."""
    rows = con.execute(
        f"""
        WITH files AS (
            SELECT table_id, path, path_is_relative FROM {_metadata("ducklake_data_file")}
            UNION ALL
            SELECT table_id, path, path_is_relative FROM {_metadata("ducklake_delete_file")}
        ),
        tables AS (
            SELECT DISTINCT t.table_id,
                CASE WHEN t.path_is_relative = 1 THEN
                    CASE WHEN s.path_is_relative = 1 THEN $1 || s.path ELSE s.path END || t.path
                ELSE t.path END AS folder
            FROM {_metadata("ducklake_table")} AS t
            JOIN {_metadata("ducklake_schema")} AS s USING (schema_id)
        )
        SELECT CASE WHEN f.path_is_relative = 1 THEN t.folder || f.path ELSE f.path END
        FROM files AS f JOIN tables AS t USING (table_id)
        UNION ALL
        SELECT CASE WHEN path_is_relative = 1 THEN $1 || path ELSE path END
        FROM {_metadata("ducklake_files_scheduled_for_deletion")}
        """,
        [data_path],
    ).fetchall()
    return {path.removeprefix(data_path) for (path,) in rows if path.startswith(data_path)}


def delete_unreferenced_files(
    con: duckdb.DuckDBPyConnection, settings: Settings, grace_seconds: float = ORPHAN_GRACE_S
) -> int:
    """Delete the files under `silver/` and `gold/` the catalog does not refer to (step 6)."""
    storage = open_storage(settings)
    known = referenced_keys(con, location(settings).data_path)
    stray = [k for layer in LAYERS for k in storage.list(layer) if k not in known]
    if grace_seconds > 0 and storage.kind == "local":
        now = time.time()
        stray = [k for k in stray if now - Path(storage.uri(k)).stat().st_mtime > grace_seconds]
    storage.delete(stray)
    return len(stray)


def maintain(settings: Settings) -> MaintainResult:
    """Run the maintenance steps of the module doc on the lake."""
    con = connect_lake(settings)
    try:
        flushed, rewritten, merged = compact(con)
        # CALL, not SELECT ... FROM: only a CALL commits what these functions change
        expired = con.execute(
            f"CALL ducklake_expire_snapshots('{ALIAS}', older_than => now() - CAST(? AS INTERVAL))",
            [settings.maintain.expire_older_than],
        ).fetchall()
        deleted = con.execute(
            f"CALL ducklake_cleanup_old_files('{ALIAS}', cleanup_all => true)"
        ).fetchall()
        stray = delete_unreferenced_files(con, settings)
        left = scalar(con, f"SELECT count(*) FROM {ALIAS}.snapshots()")
    finally:
        con.close()
    return MaintainResult(
        rows_flushed=_counted(flushed),
        files_rewritten=_counted(rewritten),
        files_merged=_counted(merged),
        files_created=sum(int(row[3]) for row in merged),
        snapshots_expired=len(expired),
        files_deleted=len(deleted),
        stray_files_deleted=stray,
        snapshots_left=int(left),
    )
