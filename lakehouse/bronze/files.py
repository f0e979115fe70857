"""Bronze files: the raw files of one batch and their contract, validated as files.

A batch is the `ingest_date=YYYY-MM-DD` partition of `raw/{sessions,students,tutors}/`.
Every file of the batch is checked first (readable, UTF-8, a header with the contract's
columns); any problem there stops the ingest before the lake is touched, with the file and the
problem in the message. `lakehouse.bronze.load` then exposes the files to the silver models.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lakehouse.errors import InputFileError
from lakehouse.lake.storage import Storage

RAW_PREFIX = "raw"
ENTITIES = ("sessions", "students", "tutors", "feedback", "test_scores")
BASE_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": (
        "session_id", "student_id", "tutor_id", "subject_id", "stamp", "duration", "status",
    ),
    "students": (
        "student_id", "first_name", "last_name", "sex", "date_of_birth", "grade", "status",
        "contract_rate", "created", "updated",
    ),
    "tutors": (
        "tutor_id", "first_name", "last_name", "sex", "date_of_birth", "contract_rate",
        "active_students", "created", "updated",
    ),
    "feedback": ("session_id", "rating", "comment", "submitted"),
    "test_scores": ("student_id", "test", "test_date", "score"),
}  # fmt: skip
BATCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": ("source_batch_id", "ingest_ts"),
    "students": ("change_type", "source_batch_id", "ingest_ts"),
    "tutors": ("change_type", "source_batch_id", "ingest_ts"),
    "feedback": ("source_batch_id", "ingest_ts"),
    "test_scores": ("source_batch_id", "ingest_ts"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": (),
    "students": (),
    "tutors": ("status",),
    "feedback": (),
    "test_scores": (),
}
"""Columns a file may have, after the batch columns: a tutor's status (Active, Leaving,
Departed), written by scenarios where tutors leave; NULL when the file has none."""
DAILY_FILES = {
    "sessions": "new_sessions",
    "students": "students_delta",
    "tutors": "tutors_delta",
    "feedback": "feedback_delta",
    "test_scores": "test_scores_delta",
}
"""File-name stems of the daily batches (any other file is history). The DuckDB loader tells the
two apart by the batch columns; Athena's CSV tables read by position and go by the name."""
LINEAGE_COLUMNS = {
    "file_kind": "VARCHAR",
    "source_file": "VARCHAR",
    "source_row": "BIGINT",
    "ingest_date": "DATE",
    "parse_error": "VARCHAR",
}
DATA_SUFFIXES = (".csv", ".parquet")
MIGRATION_BATCH_ID = "migration"


def raw_columns(entity: str) -> tuple[str, ...]:
    """The contract columns of an entity's raw files, batch columns included."""
    return BASE_COLUMNS[entity] + BATCH_COLUMNS[entity] + OPTIONAL_COLUMNS[entity]


def partition_prefix(entity: str, day: date) -> str:
    return f"{RAW_PREFIX}/{entity}/ingest_date={day.isoformat()}"


def _subfolders(storage: Storage, prefix: str) -> list[str]:
    """Names of the folders under `prefix` (a local lake lists one level, not every file)."""
    if storage.kind == "local":
        folder = Path(storage.uri(prefix))
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return storage.list_dirs(prefix)


def landed_batches(storage: Storage) -> list[date]:
    """Every ingest date that has a raw partition for at least one entity, in order."""
    days: set[date] = set()
    for entity in ENTITIES:
        for name in _subfolders(storage, f"{RAW_PREFIX}/{entity}"):
            if name.startswith("ingest_date="):
                try:
                    days.add(date.fromisoformat(name.removeprefix("ingest_date=")))
                except ValueError:
                    raise InputFileError(
                        f"{RAW_PREFIX}/{entity}/{name}: not a date partition (YYYY-MM-DD)"
                    ) from None
    return sorted(days)


def batch_files(storage: Storage, day: date) -> dict[str, list[str]]:
    """The data files of each entity in the batch (entities without a partition: none).

    Every file under a partition folder is either read or refused: a file in a sub-folder, a
    hidden file (`.name`, `_name`), a file that is neither .csv nor .parquet, or a folder with
    no data file is a file-level error naming it, so no rows can be left out unnoticed.
    """
    files: dict[str, list[str]] = {}
    for entity in ENTITIES:
        prefix = partition_prefix(entity, day)
        keys = storage.list(prefix)
        data = [
            k
            for k in keys
            if k.endswith(DATA_SUFFIXES)
            and "/" not in k[len(prefix) + 1 :]
            and not k.rsplit("/", 1)[-1].startswith((".", "_"))
        ]
        stray = [k for k in keys if k not in data]
        if stray:
            raise InputFileError(
                f"{stray[0]}: not a raw data file of the batch (only .csv or .parquet files "
                f"directly in {prefix}/ are read; move it out of the lake's raw zone)"
                + (f"; {len(stray) - 1} more such file(s)" if len(stray) > 1 else "")
            )
        folder_exists = bool(keys) or (
            storage.kind == "local" and Path(storage.uri(prefix)).is_dir()
        )
        if folder_exists and not data:
            raise InputFileError(f"{prefix}/: batch folder has no .csv or .parquet file")
        files[entity] = data
    return files


@dataclass(frozen=True)
class RawFile:
    key: str
    entity: str
    kind: str
    """'history' (no batch columns, the pre-migration export) or 'daily' (with them)."""
    columns: tuple[str, ...]
    """Header names as read from the file (CSV: stripped and lower-cased)."""
    sha256: str
    size: int


@dataclass(frozen=True)
class BronzeBatch:
    ingest_date: date
    files: tuple[RawFile, ...]
    source_batch_id: str

    def keys(self, entity: str) -> list[str]:
        return [f.key for f in self.files if f.entity == entity]

    def fingerprint(self) -> dict[str, str]:
        """{key: sha256} of every raw file: what the batch was when it was ingested."""
        return {f.key: f.sha256 for f in self.files}


def csv_header(key: str, data: bytes) -> list[str]:
    if not data:
        raise InputFileError(f"{key}: the file is empty (no header line)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{key}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-export the file as UTF-8"
        ) from None
    first = text.split("\n", 1)[0].rstrip("\r")
    if not first.strip():
        raise InputFileError(f"{key}: the first line is empty (no header line)")
    names = [n.strip().lower() for n in next(csv.reader([first]))]
    return [n or f"_unnamed_{i}" for i, n in enumerate(names)]


def file_kind(key: str, entity: str, names: list[str]) -> str:
    """Check the header against the contract; say whether it is a history or a daily file."""
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputFileError(f"{key}: column(s) {', '.join(dupes)} appear more than once")
    lowered = {n.lower() for n in names}
    missing = [c for c in BASE_COLUMNS[entity] if c not in lowered]
    if missing:
        raise InputFileError(
            f"{key}: missing required column(s) {', '.join(missing)} "
            f"(header: {', '.join(names)}; expected {', '.join(raw_columns(entity))})"
        )
    batch = [c for c in BATCH_COLUMNS[entity] if c in lowered]
    if batch and len(batch) < len(BATCH_COLUMNS[entity]):
        absent = [c for c in BATCH_COLUMNS[entity] if c not in lowered]
        raise InputFileError(
            f"{key}: has batch column(s) {', '.join(batch)} but not {', '.join(absent)}"
        )
    return "daily" if batch else "history"
