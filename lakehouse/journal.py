"""The ingest journal: how one batch's new table files reach the lake all-or-redo.

An ingest touches several tables (dimensions, fact months, audit partitions, the batch
record), and plain Parquet folders have no multi-table transaction. So the ingest computes
everything first, then:

1. *prepare*: uploads every staged file to `_ops/ingest/journal/ingest_date=D/files/...` and
   then writes `manifest.json` there (one atomic object: the tables, their files, the part of
   each table folder they replace, and the batch's result record);
2. *publish*: copies each table's files into its folder (each object atomically, under the
   deterministic names the table already uses) and deletes the files of the replaced scope
   that are no longer part of the table; then writes the batch's ledger record
   `_ops/ingest/batches/ingest_date=D.json` and removes the journal.

A crash before the manifest exists leaves silver untouched (the next run starts over); a
crash after it leaves every table readable (each file is whole) and the next run publishes
the same manifest again, which converges to exactly the tables of a clean run. Since a
published batch is recorded, ingesting it again changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lakehouse.errors import StorageError
from lakehouse.storage import Storage
from lakehouse.strategies import StagedTable
from lakehouse.tables import table_prefix

JOURNAL_PREFIX = "_ops/ingest/journal"
LEDGER_PREFIX = "_ops/ingest/batches"
MANIFEST = "manifest.json"


def _partition(day: date) -> str:
    return f"ingest_date={day.isoformat()}"


@dataclass(frozen=True)
class Manifest:
    ingest_date: date
    tables: tuple[dict[str, Any], ...]
    """{table, files, partitions} per table, in publish order."""
    record: dict[str, Any]
    """The batch's result (IngestResult.to_detail) and raw fingerprint, for the ledger."""

    def to_json(self) -> str:
        data = {"ingest_date": self.ingest_date.isoformat(), "tables": list(self.tables)}
        return json.dumps({**data, "record": self.record}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(date.fromisoformat(data["ingest_date"]), tuple(data["tables"]), data["record"])


class Journal:
    """Prepare, publish and record ingests of one lake."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    # -- what is where -----------------------------------------------------------------------
    def _dir(self, day: date) -> str:
        return f"{JOURNAL_PREFIX}/{_partition(day)}"

    def in_flight(self) -> list[date]:
        """Batches prepared but not (completely) published: a crash happened in between."""
        return sorted(
            date.fromisoformat(k.split("ingest_date=", 1)[1].split("/", 1)[0])
            for k in self.storage.list(JOURNAL_PREFIX)
            if k.endswith("/" + MANIFEST)
        )

    def committed(self) -> dict[date, dict[str, Any]]:
        """{ingest date: ledger record} of every published batch."""
        records = {}
        for key in self.storage.list(LEDGER_PREFIX):
            if key.endswith(".json"):
                day = date.fromisoformat(key.rsplit("ingest_date=", 1)[1].removesuffix(".json"))
                records[day] = json.loads(self.storage.read_text(key))
        return records

    def record(self, day: date) -> dict[str, Any] | None:
        key = f"{LEDGER_PREFIX}/{_partition(day)}.json"
        return json.loads(self.storage.read_text(key)) if self.storage.exists(key) else None

    # -- the protocol --------------------------------------------------------------------------
    def discard(self, day: date) -> None:
        """Drop a journal that never got its manifest (a crash while preparing)."""
        self.storage.delete_prefix(self._dir(day))

    def prepare(self, day: date, staged: list[StagedTable], record: dict[str, Any]) -> Manifest:
        base = self._dir(day)
        self.storage.delete_prefix(base)
        tables = []
        for table in staged:
            for rel in table.files:
                self.storage.upload(
                    table.local_dir / rel, f"{base}/files/{table_prefix(table.table)}/{rel}"
                )
            partitions = None if table.partitions is None else list(table.partitions)
            tables.append(
                {"table": table.table, "files": list(table.files), "partitions": partitions}
            )
        manifest = Manifest(day, tuple(tables), record)
        self.storage.write_text(f"{base}/{MANIFEST}", manifest.to_json())
        return manifest

    def load(self, day: date) -> Manifest:
        return Manifest.from_json(self.storage.read_text(f"{self._dir(day)}/{MANIFEST}"))

    def publish(self, manifest: Manifest, local: dict[str, Path] | None = None) -> None:
        """Make the tables what the manifest says; `local` maps a table to its staged folder
        when this process staged it (no need to read the journal's copy back)."""
        for entry in manifest.tables:
            self.publish_table(manifest.ingest_date, entry, (local or {}).get(entry["table"]))
        record_key = f"{LEDGER_PREFIX}/{_partition(manifest.ingest_date)}.json"
        self.storage.write_text(record_key, json.dumps(manifest.record, indent=1, sort_keys=True))
        base = self._dir(manifest.ingest_date)
        self.storage.delete([f"{base}/{MANIFEST}"])
        self.storage.delete_prefix(base)

    def publish_table(self, day: date, entry: dict[str, Any], local_dir: Path | None) -> None:
        """Copy one table's staged files into its folder, then delete what they replace."""
        prefix = table_prefix(entry["table"])
        source = f"{self._dir(day)}/files/{prefix}"
        for rel in entry["files"]:
            target = f"{prefix}/{rel}"
            if local_dir is not None:
                self.storage.upload(local_dir / rel, target)
            else:
                self._copy(f"{source}/{rel}", target)
        new = {f"{prefix}/{rel}" for rel in entry["files"]}
        scope = entry["partitions"]
        stale = []
        for key in self.storage.list(prefix):
            if key in new or not key.endswith(".parquet"):
                continue
            rel = key[len(prefix) + 1 :]
            folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
            if scope is None or folder in scope:
                stale.append(key)
        self.storage.delete(stale)

    def _copy(self, source: str, target: str) -> None:
        if self.storage.kind == "local":
            self.storage.upload(Path(self.storage.uri(source)), target)
            return
        try:
            data = self.storage.read_bytes(source)
        except StorageError as exc:
            raise StorageError(f"ingest journal is missing a staged file: {exc}") from None
        self.storage.write_bytes(target, data)
