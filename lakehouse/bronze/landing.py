"""`lakehouse land PATH`: copy an existing folder of raw batches into the lake's bronze zone.

The folder has the original project's layout,
`PATH/{sessions,students,tutors}/ingest_date=YYYY-MM-DD/*.csv` (or `*.parquet`), e.g.
`data/seed-data/replay/raw`; a folder holding such a `raw/` folder is accepted too.
Everything is checked before the first byte is written: the layout (only entity folders,
only date partitions, data files in each), every file as the ingest will read it (UTF-8, a
header with the contract's columns), and every batch against what the lake already has: a
batch already landed with the same files is skipped, one landed with different content is
refused (bronze is immutable: a correction is a new batch). Then `lakehouse ingest --all`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lakehouse.bronze.files import (
    DATA_SUFFIXES,
    ENTITIES,
    RAW_PREFIX,
    batch_files,
    csv_header,
    file_kind,
    partition_prefix,
)
from lakehouse.config import Settings
from lakehouse.errors import InputFileError, LakehouseError
from lakehouse.lake.storage import open_storage


@dataclass(frozen=True)
class LandResult:
    source: Path
    landed: tuple[date, ...]
    """Batches copied into the lake (new, or completing an interrupted landing)."""
    unchanged: tuple[date, ...]
    """Batches the lake already had with exactly these files."""
    files: int
    bytes: int

    def to_detail(self) -> dict:
        return {
            "source": str(self.source),
            "landed": [d.isoformat() for d in self.landed],
            "unchanged": [d.isoformat() for d in self.unchanged],
            "files": self.files,
            "bytes": self.bytes,
        }


def _root(path: Path) -> Path:
    if not path.is_dir():
        raise InputFileError(f"{path}: not a folder")
    if not any((path / e).is_dir() for e in ENTITIES) and (path / RAW_PREFIX).is_dir():
        return path / RAW_PREFIX
    return path


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))


def scan_folder(path: Path) -> dict[date, dict[str, dict[str, Path]]]:
    """{batch: {entity: {file name: path}}} of a raw folder, after checking its layout."""
    root = _root(path)
    batches: dict[date, dict[str, dict[str, Path]]] = {}
    for entry in _visible(root):
        if entry.name not in ENTITIES or not entry.is_dir():
            raise InputFileError(
                f"{entry}: unexpected in a raw folder (expected only {', '.join(ENTITIES)})"
            )
        for part in _visible(entry):
            try:
                if not part.is_dir() or not part.name.startswith("ingest_date="):
                    raise ValueError
                day = date.fromisoformat(part.name.removeprefix("ingest_date="))
            except ValueError:
                raise InputFileError(f"{part}: expected a folder ingest_date=YYYY-MM-DD") from None
            files = _visible(part)
            bad = [f.name for f in files if f.is_dir() or not f.name.endswith(DATA_SUFFIXES)]
            if bad or not files:
                what = f"unexpected {', '.join(bad)}" if bad else "no files"
                raise InputFileError(f"{part}: {what} (expected .csv or .parquet files)")
            batches.setdefault(day, {})[entry.name] = {f.name: f for f in files}
    if not batches:
        raise InputFileError(f"{root}: no raw batch found ({'/'.join(ENTITIES)} folders)")
    return dict(sorted(batches.items()))


def _check_file(entity: str, path: Path) -> None:
    if path.suffix == ".csv":
        file_kind(str(path), entity, csv_header(str(path), path.read_bytes()))
        return
    import duckdb

    try:
        rel = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')")
        names = [d[0] for d in rel.fetchall()]
    except duckdb.Error as exc:
        raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
    file_kind(str(path), entity, names)


def land(settings: Settings, path: str | Path) -> LandResult:
    """Land every batch of the folder `path` into the lake's `raw/` (see module doc)."""
    source = Path(path).expanduser().resolve()
    batches = scan_folder(source)
    storage = open_storage(settings)
    plan: list[tuple[date, list[tuple[Path, str]]]] = []
    unchanged: list[date] = []
    for day, entities in batches.items():
        present = batch_files(storage, day)
        wanted: dict[str, Path] = {}
        for entity, by_name in entities.items():
            for name, file in by_name.items():
                _check_file(entity, file)
                wanted[f"{partition_prefix(entity, day)}/{name}"] = file
        existing = {k for e in ENTITIES for k in present[e]}
        extra = sorted(existing - set(wanted))
        if extra:
            raise LakehouseError(
                f"batch {day} is already landed with other files ({', '.join(extra)}); "
                "a landed batch is never replaced: land corrections as a new batch"
            )
        todo = []
        for key, file in wanted.items():
            if key in existing:
                digest = hashlib.sha256(storage.read_bytes(key)).hexdigest()
                if digest != hashlib.sha256(file.read_bytes()).hexdigest():
                    raise LakehouseError(
                        f"batch {day} is already landed and {key} differs from {file}; "
                        "a landed batch is never replaced: land corrections as a new batch"
                    )
            else:
                todo.append((file, key))
        if todo:
            plan.append((day, todo))
        else:
            unchanged.append(day)
    files = size = 0
    for _, todo in plan:
        for file, key in todo:
            storage.upload(file, key)
            files += 1
            size += file.stat().st_size
    return LandResult(source, tuple(d for d, _ in plan), tuple(unchanged), files, size)
