"""The local target: `exports/<table>.csv` and `exports/<table>.parquet` in the lake.

It goes through Storage, so "local" means "next to the lake", a folder or an S3 prefix alike.
Names are stable (one pair of files per table, no dates or run ids) so a spreadsheet, a BI
tool or a `curl` can point at them once; each object is replaced atomically by Storage.
"""

from __future__ import annotations

from lakehouse.config import Settings
from lakehouse.export.targets.base import Exporter, TableExport, TableSnapshot
from lakehouse.lake.storage import Storage

EXPORTS_PREFIX = "exports"
FORMATS = ("csv", "parquet")


def export_keys(table: str) -> tuple[str, ...]:
    """The storage keys the local target writes for `table`."""
    return tuple(f"{EXPORTS_PREFIX}/{table}.{fmt}" for fmt in FORMATS)


class LocalExporter(Exporter):
    name = "local"

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @classmethod
    def from_settings(cls, settings: Settings, storage: Storage) -> LocalExporter:
        return cls(storage)

    def holds(self, table: str) -> bool:
        return all(self.storage.exists(key) for key in export_keys(table))

    def export_table(self, snapshot: TableSnapshot) -> TableExport:
        csv_key, parquet_key = export_keys(snapshot.table)
        self.storage.upload(snapshot.csv_path, csv_key)
        self.storage.upload(snapshot.parquet_path, parquet_key)
        return TableExport(
            target=self.name,
            table=snapshot.table,
            action="written",
            rows=snapshot.rows,
            columns=snapshot.columns,
            bytes=snapshot.csv_bytes + snapshot.parquet_bytes,
            files=(csv_key, parquet_key),
        )

    def finish(self, gold_tables: set[str] | None) -> tuple[str, ...]:
        """Remove the exports of tables that no longer exist in gold.

        `exports/` mirrors gold: a file left behind for a dropped or renamed table would look
        current to whoever reads it. Only a full export prunes (a partial one cannot know the
        other tables), and only top-level `<name>.csv` / `<name>.parquet` files: anything else a
        user put under `exports/` is left alone.
        """
        if gold_tables is None:
            return ()
        stale = []
        for key in self.storage.list(EXPORTS_PREFIX):
            name = key[len(EXPORTS_PREFIX) + 1 :]
            stem, dot, fmt = name.rpartition(".")
            if "/" in name or not dot or fmt not in FORMATS:
                continue
            if stem not in gold_tables:
                stale.append(key)
        self.storage.delete(stale)
        return tuple(stale)
