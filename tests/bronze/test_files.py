"""File-level bad input stops the ingest before anything is written, naming file and problem;
a Parquet bronze batch gives the same silver as the same batch in CSV."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.errors import InputFileError
from lakehouse.lake.storage import Storage, init_lake, open_storage
from lakehouse.silver.ingest import ingest_batch, ingest_pending
from tests.silver.silver_helpers import HISTORY, daily, history, rows, snapshot

D1 = date(2026, 1, 5)
FOLDER = f"raw/sessions/ingest_date={D1}"
HEADER = "session_id,student_id,tutor_id,subject_id,stamp,duration,status,source_batch_id,ingest_ts"
ROW = f"1,1,7,2,2026-01-04 15:00:00,1.0,0,sim_{D1},{D1} 00:00:00.100"

BROKEN: dict[str, tuple[bytes | None, str]] = {
    "missing column": (
        (HEADER.replace(",duration", "") + "\n1,1,7,2,2026-01-04 15:00:00,0\n").encode(),
        "missing required column(s) duration",
    ),
    "not utf-8": (f"{HEADER}\n{ROW}\n".replace("sim_", "sim\xe9_").encode("latin-1"), "not UTF-8"),
    "empty file": (b"", "the file is empty (no header line)"),
    "blank first line": (f"\n{HEADER}\n{ROW}\n".encode(), "the first line is empty"),
    "half the batch columns": (
        f"{HEADER.removesuffix(',ingest_ts')}\n{ROW.rsplit(',', 1)[0]}\n".encode(),
        "has batch column(s) source_batch_id but not ingest_ts",
    ),
    "duplicate column": (
        f"{HEADER},status\n{ROW},0\n".encode(),
        "column(s) status appear more than once",
    ),
    "folder without data files": (None, "notes.txt: not a raw data file of the batch"),
}


@pytest.fixture(scope="module")
def ingested_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A lake with the small history ingested, and its tables (built once: each test lands its
    daily batch in a copy)."""
    root = tmp_path_factory.mktemp("history") / "lake"
    settings = load_settings(environ={}, overrides={"lake": str(root)})
    init_lake(settings)
    history(open_storage(settings))
    ingest_batch(settings, HISTORY)
    return root, snapshot(settings)


@pytest.fixture
def after_history(ingested_history: tuple[Path, dict], local_settings: Settings) -> Settings:
    """A copy of the lake with the history ingested."""
    shutil.copytree(ingested_history[0], local_settings.lake)
    return local_settings


@pytest.fixture
def before(ingested_history: tuple[Path, dict]) -> dict:
    """The tables of the lake with the history ingested (what a refused batch must leave)."""
    return ingested_history[1]


@pytest.mark.parametrize("mode", list(BROKEN))
def test_a_broken_file_stops_the_ingest_before_any_write(
    after_history: Settings, before: dict, mode: str
) -> None:
    lake, storage = after_history, open_storage(after_history)
    data, message = BROKEN[mode]
    daily(storage, D1)
    storage.delete([f"{FOLDER}/new_sessions.csv"])
    if data is None:
        storage.write_text(f"{FOLDER}/notes.txt", "the export failed")
        key = FOLDER
    else:
        key = f"{FOLDER}/new_sessions.csv"
        storage.write_bytes(key, data)
    with pytest.raises(InputFileError) as caught:
        ingest_batch(lake, D1)
    assert key in str(caught.value) and message in str(caught.value)
    assert snapshot(lake) == before


@pytest.mark.parametrize(
    "extra",
    ["notes.txt", "sessions.csv.bak", "more/extra_sessions.csv", ".hidden.csv", "_SUCCESS"],
)
def test_every_file_under_a_batch_folder_is_read_or_refused(
    after_history: Settings, before: dict, extra: str
) -> None:
    lake, storage = after_history, open_storage(after_history)
    daily(storage, D1, sessions=[(1, 1, 7, 2, "2026-01-04 15:00:00", 1.0, 0)])
    storage.write_text(f"{FOLDER}/{extra}", f"{HEADER}\n{ROW}\n")
    with pytest.raises(InputFileError) as caught:
        ingest_batch(lake, D1)
    assert f"{FOLDER}/{extra}: not a raw data file of the batch" in str(caught.value)
    assert snapshot(lake) == before


def test_a_file_with_several_batch_ids_is_refused(after_history: Settings, before: dict) -> None:
    lake, storage = after_history, open_storage(after_history)
    other = ROW.replace(f"sim_{D1}", "sim_2026-01-04").replace("1,1,7", "2,1,7", 1)
    daily(storage, D1)
    storage.write_text(f"{FOLDER}/new_sessions.csv", f"{HEADER}\n{ROW}\n{ROW}\n{other}\n")
    with pytest.raises(InputFileError) as caught:
        ingest_batch(lake, D1)
    message = str(caught.value)
    assert f"{FOLDER}/new_sessions.csv: its rows carry 2 different source_batch_ids" in message
    assert "sim_2026-01-04, sim_2026-01-05" in message
    assert snapshot(lake) == before


def test_a_huge_field_is_reported_truthfully(after_history: Settings) -> None:
    lake, storage = after_history, open_storage(after_history)
    huge = ROW.replace(f",sim_{D1},", ',"' + "x" * 3_000_000 + '",').replace("1,1,7", "2,1,7", 1)
    daily(storage, D1)
    storage.write_text(f"{FOLDER}/new_sessions.csv", f"{HEADER}\n{ROW}\n{huge}\n")
    ingest_batch(lake, D1)
    errors = rows(lake, "silver.err_sessions")
    assert [(e["source_row"], e["reason_code"]) for e in errors] == [(2, "ERR_MALFORMED_ROW")]
    reason = errors[0]["detail"]
    assert "fields" not in reason and "line too long to read" in reason
    assert "Actual Size:3000" in reason
    assert [r["session_id"] for r in rows(lake, "silver.fct_sessions")] == [1]


def test_an_empty_batch_folder_is_reported(after_history: Settings) -> None:
    lake, storage = after_history, open_storage(after_history)
    Path(storage.uri(FOLDER)).mkdir(parents=True)
    with pytest.raises(InputFileError, match=r"batch folder has no \.csv or \.parquet file"):
        ingest_batch(lake, D1)


def test_an_unreadable_parquet_file_is_reported(after_history: Settings) -> None:
    lake, storage = after_history, open_storage(after_history)
    storage.write_bytes(f"{FOLDER}/new_sessions.parquet", b"PAR1 this is not parquet")
    with pytest.raises(InputFileError, match=r"new_sessions\.parquet: not a readable Parquet file"):
        ingest_batch(lake, D1)


def test_no_landed_batch_is_reported(lake: Settings) -> None:
    with pytest.raises(InputFileError, match="no raw batch for ingest_date=2026-01-05"):
        ingest_batch(lake, D1)


TYPES = ["BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "VARCHAR"]  # no BOOLEAN: 'F' is a sex


def _to_parquet(storage: Storage) -> None:
    """Rewrite every raw CSV of the lake as Parquet with typed columns, as the simulator can."""
    con = duckdb.connect()
    for key in storage.list("raw"):
        path = storage.uri(key)
        target = path.removesuffix(".csv") + ".parquet"
        typed = f"read_csv('{path}', auto_type_candidates = {TYPES})"
        con.execute(f"COPY (SELECT * FROM {typed}) TO '{target}' (FORMAT parquet)")
        storage.delete([key])


def test_parquet_bronze_gives_the_same_silver(tmp_path: Path) -> None:
    from lakehouse.config import load_settings
    from lakehouse.lake.storage import open_storage

    lakes = []
    for name in ("csv", "parquet"):
        settings = load_settings(environ={}, overrides={"lake": str(tmp_path / name)})
        storage = open_storage(settings)
        history(storage, [(1, 1, 7, 2, "2025-03-01 15:00:00", "1.5", "0")])
        daily(
            storage,
            D1,
            sessions=[(2, 1, "", 2, "2026-01-04 15:00:00", "90", "1"), (3, 2, 8, 2, "x", "", "")],
            students=[(4, "A", "B", "F", "2010-01-01", "9", "Active", "100",
                       "2026-01-04 10:00:00", "2026-01-04 10:00:00", "INSERT")],
        )  # fmt: skip
        if name == "parquet":
            _to_parquet(storage)
        ingest_pending(settings)
        lakes.append(settings)
    csv_lake, parquet_lake = lakes
    for table in ("silver.fct_sessions", "silver.dim_students", "silver.dim_tutors"):
        assert rows(csv_lake, table) == rows(parquet_lake, table)
    strip = ("source_file", "detail")
    err = [
        [{k: v for k, v in e.items() if k not in strip} for e in rows(lake, "silver.err_sessions")]
        for lake in lakes
    ]
    assert err[0] == err[1] and len(err[0]) == 3
