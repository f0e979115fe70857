"""Bronze: the raw files of one batch, validated as files, then exposed to the silver models.

A batch is the `ingest_date=YYYY-MM-DD` partition of `raw/{sessions,students,tutors}/`.
Every file of the batch is checked first (readable, UTF-8, a header with the contract's
columns); any problem there stops the ingest before the lake is touched, with the file and the
problem in the message. Then each file is loaded into DuckDB as the tables `bronze.sessions`,
`bronze.students`, `bronze.tutors`: every contract column as VARCHAR (as in the file), plus
`file_kind` ('history' without batch columns, 'daily' with them), `source_file` (the lake key),
`source_row` (1-based data row in the file), `ingest_date` and `parse_error` (set for a line
whose field count is wrong: it is kept as a row, never dropped, and rejected by silver).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.errors import InputFileError
from lakehouse.models import SQL_DIR
from lakehouse.scratch import scratch_dir
from lakehouse.storage import Storage

if TYPE_CHECKING:
    import duckdb

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


def _csv_header(key: str, data: bytes) -> list[str]:
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


def _parquet_header(con: duckdb.DuckDBPyConnection, key: str, path: Path) -> list[str]:
    import duckdb

    from lakehouse.bronze_load import _set_variables

    try:
        _set_variables(con, {"bronze_path": str(path)})
        rel = con.execute(f"SELECT * FROM ({_sql('read_parquet')}) LIMIT 0")
        return [d[0] for d in rel.description]
    except duckdb.Error as exc:
        raise InputFileError(f"{key}: not a readable Parquet file ({exc})") from None


def _file_kind(key: str, entity: str, names: list[str]) -> str:
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


def _scratch_dir(storage: Storage):
    """A temporary folder for downloaded raw files; a local lake's files are read in place."""
    if storage.kind == "local":
        return contextlib.nullcontext("")
    return scratch_dir("bronze")


def _sql(name: str) -> str:
    return (SQL_DIR / "bronze" / f"{name}.sql").read_text(encoding="utf-8")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_batch(con: duckdb.DuckDBPyConnection, storage: Storage, day: date) -> BronzeBatch:
    """Validate every raw file of the batch, then load them as the `bronze.*` tables."""
    from lakehouse.bronze_load import BronzeLoader

    files = batch_files(storage, day)
    if not any(files.values()):
        raise InputFileError(
            f"no raw batch for ingest_date={day.isoformat()} under {storage.uri(RAW_PREFIX)}"
        )
    with _scratch_dir(storage) as tmp:
        staged: list[tuple[RawFile, Path]] = []
        for entity in ENTITIES:
            for key in files[entity]:
                data = storage.read_bytes(key)
                path = Path(storage.uri(key)) if storage.kind == "local" else None
                if path is None:
                    path = Path(tmp) / f"{len(staged)}{Path(key).suffix}"
                    path.write_bytes(data)
                if key.endswith(".csv"):
                    names = _csv_header(key, data)
                else:
                    names = _parquet_header(con, key, path)
                kind = _file_kind(key, entity, names)
                digest = hashlib.sha256(data).hexdigest()
                raw = RawFile(key, entity, kind, tuple(names), digest, len(data))
                staged.append((raw, path))
        loader = BronzeLoader(con, day)
        for raw, path in staged:
            loader.add(raw, path)
        loader.finish()
    mixed = con.execute(_sql("mixed_batch_ids")).fetchall()
    if mixed:
        key, count, examples = mixed[0]
        shown = ", ".join(
            e if len(e) <= 40 else f"{e[:40]}... ({len(e):,} characters)" for e in examples
        )
        raise InputFileError(
            f"{key}: its rows carry {count} different source_batch_ids ({shown}); "
            "a file holds one batch, fix or split the file"
        )
    batch_id = con.execute(_sql("batch_id")).fetchone()
    if batch_id:
        source_batch_id = batch_id[0]
    elif any(raw.kind == "daily" for raw, _ in staged):
        source_batch_id = f"sim_{day.isoformat()}"
    else:
        source_batch_id = MIGRATION_BATCH_ID
    return BronzeBatch(day, tuple(raw for raw, _ in staged), source_batch_id)
