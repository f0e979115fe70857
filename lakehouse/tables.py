"""Parquet tables in the lake: where they live, how DuckDB reads them, how they are replaced.

A table is the folder `<layer>/<name>/` holding exactly its current Parquet files (hive
partitions where declared). A write goes to a local staging folder first, then each file is
published atomically under a deterministic name, then files that are no longer part of the
table are deleted. A crash part way leaves every file readable; rerunning the write (the
stages are idempotent) converges to the same files, so no stale or duplicate file remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.scratch import scratch_dir
from lakehouse.storage import Storage

if TYPE_CHECKING:
    import duckdb

DATA_FILE = "data_0.parquet"


@dataclass(frozen=True)
class WriteResult:
    table: str
    files_written: int
    files_deleted: int


def table_prefix(table: str) -> str:
    """`silver.fct_sessions` or `silver/fct_sessions` -> `silver/fct_sessions`."""
    return table.replace(".", "/").strip("/")


def table_files(storage: Storage, table: str) -> list[str]:
    """The Parquet keys currently making up `table` (also used by publishers that do not
    write through DuckDB, e.g. the Athena gold publish in `lakehouse.aws.publish`)."""
    return [k for k in storage.list(table_prefix(table)) if k.endswith(".parquet")]


class TableStore:
    """Reads and writes the lake's Parquet tables through one storage and one connection."""

    def __init__(self, storage: Storage, con: duckdb.DuckDBPyConnection) -> None:
        self.storage = storage
        self.con = con

    def files(self, table: str) -> list[str]:
        return table_files(self.storage, table)

    def exists(self, table: str) -> bool:
        return bool(self.files(table))

    def scan(self, table: str) -> str:
        """A FROM-clause expression reading the whole current table."""
        glob = self.storage.uri(table_prefix(table)) + "/**/*.parquet"
        return f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"

    def register_views(self, tables: list[str]) -> list[str]:
        """Create `layer.name` views over the tables that exist; return the ones created."""
        created = []
        for table in tables:
            if not self.exists(table):
                continue
            layer, name = table_prefix(table).split("/", 1)
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            self.con.execute(
                f"CREATE OR REPLACE VIEW {layer}.{name} AS SELECT * FROM {self.scan(table)}"
            )
            created.append(f"{layer}.{name}")
        return created

    def write(
        self,
        table: str,
        query: str,
        *,
        partition_by: str | None = None,
        replace_partitions_only: bool = False,
    ) -> WriteResult:
        """Replace `table` with the rows of `query`.

        With `partition_by`, rows are written as hive partitions on that column. With
        `replace_partitions_only`, only the partitions present in the result are replaced and
        every other partition is kept (an incremental write of the months a batch touched).
        """
        prefix = table_prefix(table)
        with scratch_dir("stage") as tmp:
            stage = Path(tmp)
            if partition_by:
                self.con.execute(
                    f"COPY ({query}) TO '{stage.as_posix()}' (FORMAT parquet, "
                    f"PARTITION_BY ({partition_by}), FILENAME_PATTERN 'data_{{i}}', "
                    "OVERWRITE_OR_IGNORE true)"
                )
            new = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*.parquet"))
            if not new and not replace_partitions_only:
                # An empty result still leaves a readable table with its schema.
                self.con.execute(
                    f"COPY ({query}) TO '{(stage / DATA_FILE).as_posix()}' (FORMAT parquet)"
                )
                new = [DATA_FILE]
            for rel in new:
                self.storage.upload(stage / rel, f"{prefix}/{rel}")
        existing = self.files(table)
        new_keys = {f"{prefix}/{rel}" for rel in new}
        if replace_partitions_only:
            touched = {key.rsplit("/", 1)[0] for key in new_keys}
            stale = [k for k in existing if k not in new_keys and k.rsplit("/", 1)[0] in touched]
        else:
            stale = [k for k in existing if k not in new_keys]
        self.storage.delete(stale)
        return WriteResult(table=prefix, files_written=len(new_keys), files_deleted=len(stale))
