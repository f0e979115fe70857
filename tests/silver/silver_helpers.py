"""Helpers for the silver tests: hand-built raw batches and reading silver back as rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from lakehouse.bronze.files import BASE_COLUMNS, BATCH_COLUMNS, partition_prefix
from lakehouse.config import Settings
from lakehouse.lake.storage import Storage

HISTORY = date(2025, 12, 31)
STUDENT = ("Ada", "Lovelace", "F", "2009-02-01", "10", "Active", "100")
TUTOR = ("Tom", "Tutor", "M", "1990-01-01", "40", "3")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8")


def put_raw(
    storage: Storage,
    entity: str,
    day: date,
    rows: Iterable[Sequence[Any]],
    name: str = "",
    pad: bool = True,
) -> str:
    """Write one raw CSV: history columns on 2025-12-31, with the batch columns otherwise
    (for daily rows, give the contract columns, then change_type for dimensions; the batch
    id and ingest_ts are appended unless the row already has them)."""
    daily = day != HISTORY
    header = list(BASE_COLUMNS[entity]) + (list(BATCH_COLUMNS[entity]) if daily else [])
    full = []
    for row in rows:
        row = list(row)
        if daily and pad and len(row) < len(header):
            row += [f"sim_{day.isoformat()}", f"{day.isoformat()} 00:00:00.100"]
        full.append(row)
    stem = {"sessions": "sessions", "students": "students", "tutors": "tutors"}[entity]
    key = f"{partition_prefix(entity, day)}/{name or (stem if not daily else 'new_' + stem)}.csv"
    storage.write_bytes(key, csv_bytes(header, full))
    return key


def history(storage: Storage, sessions: Iterable[Sequence[Any]] = ()) -> None:
    """A small pre-migration history: students 1-3 and tutors 7-8, created 2025-01-01."""
    students = [(i, *STUDENT, "2025-01-01 10:00:00", "2025-06-01 10:00:00") for i in (1, 2, 3)]
    tutors = [(t, *TUTOR, "2025-01-01 09:00:00", "2025-06-01 09:00:00") for t in (7, 8)]
    put_raw(storage, "students", HISTORY, students)
    put_raw(storage, "tutors", HISTORY, tutors)
    put_raw(storage, "sessions", HISTORY, sessions)


def daily(
    storage: Storage,
    day: date,
    sessions: Iterable[Sequence[Any]] = (),
    students: Iterable[Sequence[Any]] = (),
    tutors: Iterable[Sequence[Any]] = (),
) -> None:
    put_raw(storage, "sessions", day, sessions)
    put_raw(storage, "students", day, students, "students_delta")
    put_raw(storage, "tutors", day, tutors, "tutors_delta")


def rows(settings: Settings, table: str, order: str = "", where: str = "") -> list[dict]:
    """The current rows of a silver table, as dicts, read the way a consumer reads them."""
    from lakehouse.lake.catalog import open_catalog, registered_views

    con = open_catalog(settings)
    try:
        if table not in registered_views(con):
            return []
        sql = f"SELECT * FROM {table}"
        sql += f" WHERE {where}" if where else ""
        sql += f" ORDER BY {order}" if order else " ORDER BY ALL"
        rel = con.execute(sql)
        names = [d[0] for d in rel.description]
        return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()


BUILD_STAMPS = ("as_of_ts", "generated_at")
"""Gold's build stamps: which build last wrote a row (an incremental build leaves rows it did
not touch with the stamps of the build that did; a full one stamps every row)."""


def snapshot(
    settings: Settings, at_batch: date | None = None, *, stamps: bool = True
) -> dict[str, list[tuple]]:
    """Every silver and gold table's rows, sorted (as after batch `at_batch`, default the
    latest): equal snapshots, equal lakes. Without `stamps`, gold rows leave out the build
    stamps, to compare lakes that reached the same rows through different builds."""
    from lakehouse.lake.catalog import open_catalog, registered_views

    con = open_catalog(settings, at_batch=at_batch)
    exclude = f"COLUMNS(c -> c NOT IN ({', '.join(repr(c) for c in BUILD_STAMPS)}))"
    try:
        return {
            table: con.execute(
                f"SELECT {'*' if stamps or not table.startswith('gold.') else exclude} "
                f"FROM {table} ORDER BY ALL"
            ).fetchall()
            for table in sorted(registered_views(con))
        }
    finally:
        con.close()
