"""The ingest journal: how one batch's new table files reach the lake all-or-redo.

An ingest touches several tables (dimensions, fact months, audit partitions, the batch
record), and plain Parquet folders have no multi-table transaction. So the ingest computes
everything first, then:

1. *prepare*: every staged file is in `_ops/ingest/journal/ingest_date=D/files/...` (a local
   lake's ingest writes them there directly; on S3 they are uploaded), and then
   `manifest.json` is written there (one atomic object: the tables, their files, the part of
   each table folder they replace, and the batch's result record);
2. *publish*: puts each table's files into its folder (each object atomically, under the
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
import os
import shutil
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
    """Prepare, publish and record ingests of one lake.

    On a local lake the staged files are written straight into the journal folder and
    published by renaming them into the table folders (atomic, no copy); a file missing from
    the journal on a redo was already moved. On S3 they are uploaded to the journal for the
    record, and published from the local staging folder (or copied from the journal on a redo).
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.local = storage.kind == "local"

    # -- what is where -----------------------------------------------------------------------
    def _dir(self, day: date) -> str:
        return f"{JOURNAL_PREFIX}/{_partition(day)}"

    def _files(self, day: date, table: str) -> str:
        return f"{self._dir(day)}/files/{table_prefix(table)}"

    def staging_dir(self, day: date) -> Path | None:
        """Where a local lake's ingest writes its files (inside the journal); None on S3."""
        return Path(self.storage.uri(f"{self._dir(day)}/files")) if self.local else None

    def in_flight(self) -> list[date]:
        """Batches prepared but not (completely) published: a crash happened in between."""
        return sorted(
            date.fromisoformat(k.split("ingest_date=", 1)[1].split("/", 1)[0])
            for k in self.storage.list(JOURNAL_PREFIX)
            if k.endswith("/" + MANIFEST)
        )

    def committed_dates(self) -> list[date]:
        """The ingest dates of every published batch (from the ledger's object names)."""
        return sorted(
            date.fromisoformat(key.rsplit("ingest_date=", 1)[1].removesuffix(".json"))
            for key in self.storage.list(LEDGER_PREFIX)
            if key.endswith(".json")
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
        if self.local:
            shutil.rmtree(self.storage.uri(self._dir(day)), ignore_errors=True)
        else:
            self.storage.delete_prefix(self._dir(day))

    def prepare(self, day: date, staged: list[StagedTable], record: dict[str, Any]) -> Manifest:
        """Make sure every staged file is in the journal, then write the manifest."""
        tables = []
        for table in staged:
            if not self.local:
                for rel in table.files:
                    self.storage.upload(
                        table.local_dir / rel, f"{self._files(day, table.table)}/{rel}"
                    )
            partitions = None if table.partitions is None else list(table.partitions)
            tables.append(
                {"table": table.table, "files": list(table.files), "partitions": partitions}
            )
        manifest = Manifest(day, tuple(tables), record)
        self.storage.write_text(f"{self._dir(day)}/{MANIFEST}", manifest.to_json())
        return manifest

    def load(self, day: date) -> Manifest:
        return Manifest.from_json(self.storage.read_text(f"{self._dir(day)}/{MANIFEST}"))

    def publish(self, manifest: Manifest, local: dict[str, Path] | None = None) -> None:
        """Make the tables what the manifest says; `local` maps a table to its staged folder
        when this process staged it on S3 (no need to read the journal's copy back)."""
        day = manifest.ingest_date
        existing = self.storage.list("silver")
        for entry in manifest.tables:
            self.publish_table(day, entry, (local or {}).get(entry["table"]), existing)
        record_key = f"{LEDGER_PREFIX}/{_partition(day)}.json"
        self.storage.write_text(record_key, json.dumps(manifest.record, indent=1, sort_keys=True))
        self.storage.delete([f"{self._dir(day)}/{MANIFEST}"])
        self.discard(day)

    def publish_table(
        self,
        day: date,
        entry: dict[str, Any],
        local_dir: Path | None,
        existing: list[str] | None = None,
    ) -> None:
        """Put one table's staged files in its folder, then delete what they replace
        (`existing`: the lake's keys listed before publishing, to spare a listing per table)."""
        prefix = table_prefix(entry["table"])
        source = self._files(day, entry["table"])
        for rel in entry["files"]:
            target = f"{prefix}/{rel}"
            if self.local:
                staged = Path(self.storage.uri(f"{source}/{rel}"))
                if staged.exists():  # else a redo: it was moved into place before the crash
                    final = Path(self.storage.uri(target))
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, final)
            elif local_dir is not None:
                self.storage.upload(local_dir / rel, target)
            else:
                self._copy(f"{source}/{rel}", target)
        new = {f"{prefix}/{rel}" for rel in entry["files"]}
        scope = entry["partitions"]
        stale = []
        keys = self.storage.list(prefix) if existing is None else existing
        for key in keys:
            if not key.startswith(prefix + "/") or key in new or not key.endswith(".parquet"):
                continue
            rel = key[len(prefix) + 1 :]
            folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
            if scope is None or folder in scope:
                stale.append(key)
        self.storage.delete(stale)

    def _copy(self, source: str, target: str) -> None:
        try:
            data = self.storage.read_bytes(source)
        except StorageError as exc:
            raise StorageError(f"ingest journal is missing a staged file: {exc}") from None
        self.storage.write_bytes(target, data)
