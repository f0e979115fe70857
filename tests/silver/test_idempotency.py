"""Reruns change nothing; a crash part way leaves the lake exactly as it was before the batch
(one DuckLake transaction), and the rerun gives exactly the tables of a clean run. On the local
folder and on S3 (moto_server)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from lakehouse.bronze.landing import land
from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.lake.storage import Storage, open_storage
from lakehouse.silver.ingest import ingest_batch, ingest_models, ingest_pending
from lakehouse.silver.quality import run_checks
from tests.silver.silver_helpers import HISTORY, daily, history, rows, snapshot

D1, D2 = date(2026, 1, 5), date(2026, 1, 6)


def replay_subset(seed_data: Path, target: Path, last: str) -> Path:
    """The seed replay's history and daily batches up to ingest date `last`."""
    source = seed_data / "replay" / "raw"
    for partition in source.glob("*/ingest_date=*"):
        if partition.name.removeprefix("ingest_date=") <= last:
            shutil.copytree(partition, target / partition.parent.name / partition.name)
    return target


def test_rerunning_every_batch_changes_nothing(
    lake: Settings, seed_data: Path, tmp_path: Path
) -> None:
    # (the same on S3 with simulated days: tests/silver/test_simulated.py)
    land(lake, replay_subset(seed_data, tmp_path / "raw", "2026-01-04"))
    first = ingest_pending(lake)
    assert [r.status for r in first] == ["ingested"] * 5
    before = snapshot(lake)
    again = [ingest_batch(lake, r.ingest_date) for r in first]
    assert [r.status for r in again] == ["already_ingested"] * 5
    assert [r.to_detail() | {"status": ""} for r in again] == [
        r.to_detail() | {"status": ""} for r in first
    ]
    assert ingest_pending(lake) == []
    assert snapshot(lake) == before
    report = run_checks(lake, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]


def write_batches(storage: Storage) -> None:
    """History, then a day whose session 30 the next day moves to another month."""
    history(storage, [(1, 1, 7, 2, "2025-12-01 15:00:00", "1.0", "0")])
    daily(storage, D1, sessions=[(30, 1, 7, 2, "2026-01-04 15:00:00", "1.0", "0")])
    daily(
        storage,
        D2,
        sessions=[
            (30, 1, 7, 2, "2025-12-20 15:00:00", "2.0", "2"),
            (31, 2, "", 2, "2026-01-05 15:00:00", "", "1"),
        ],
        students=[(2, "Bo", "Li", "M", "2009-01-01", "11", "Active", "120",
                   "2025-01-01 10:00:00", "2026-01-05 12:00:00", "UPDATE")],
    )  # fmt: skip


def clean_run(settings: Settings) -> dict:
    write_batches(open_storage(settings))
    ingest_pending(settings)
    return snapshot(settings)


class Crash(RuntimeError):
    pass


def crash_on_call(monkeypatch: pytest.MonkeyPatch, owner: type, name: str, call: int) -> None:
    """Make `owner.name` raise on its `call`-th call (the earlier calls go through)."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            raise Crash(f"injected failure in {name}, call {call}")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The tables of an uninterrupted run of the same batches, in another lake (built once: the
    crash tests only compare with it)."""
    from lakehouse.config import load_settings

    root = tmp_path_factory.mktemp("reference") / "lake"
    return clean_run(load_settings(environ={}, overrides={"lake": str(root)}))


def call_after(table: str) -> int:
    """The ingest's materialize call that comes right after the model of `table` ran (the
    models run in `ingest_models` order): a crash there comes after the table was written
    inside the transaction."""
    return [m.name for m in ingest_models()].index(table) + 2


def test_crash_after_the_fact_was_written_then_rerun(
    lake_settings: Settings, reference: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_and_rerun(lake_settings, reference, monkeypatch, call_after("silver.fct_sessions"))


def test_crash_after_the_first_table_then_rerun(
    lake: Settings, reference: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_and_rerun(lake, reference, monkeypatch, call_after("silver.dim_students"))


def crash_and_rerun(
    lake_settings: Settings, expected: dict, monkeypatch: pytest.MonkeyPatch, call: int
) -> None:
    """Ingest D2 with a failure on the `call`-th model, then rerun it; `expected` holds the
    tables of a clean run."""
    from lakehouse.engines.duckdb import DuckDBEngine

    storage = open_storage(lake_settings)
    write_batches(storage)
    ingest_batch(lake_settings, HISTORY)
    ingest_batch(lake_settings, D1)
    before = snapshot(lake_settings)
    with monkeypatch.context() as patch:
        crash_on_call(patch, DuckDBEngine, "materialize", call)
        with pytest.raises(Crash):
            ingest_batch(lake_settings, D2)
    # nothing of D2 is visible: the transaction rolled back, silver is the state after D1
    assert snapshot(lake_settings) == before
    assert run_checks(lake_settings, store_result=False).passed
    # the rerun is a plain ingest: exactly the clean run's tables
    result = ingest_batch(lake_settings, D2)
    assert result.status == "ingested" and result.entity("sessions").kept == 2
    assert snapshot(lake_settings) == expected
    assert run_checks(lake_settings, store_result=False).passed


def test_batches_go_in_order_and_raw_stays_as_ingested(lake: Settings, storage: Storage) -> None:
    write_batches(storage)
    ingest_batch(lake, HISTORY)
    with pytest.raises(LakehouseError, match="before the landed batch 2026-01-05"):
        ingest_batch(lake, D2)
    ingest_batch(lake, D1)
    ingest_batch(lake, D2)
    daily(storage, date(2026, 1, 4), sessions=[(5, 1, 7, 2, "2026-01-03 15:00:00", "1", "0")])
    with pytest.raises(LakehouseError, match="batch 2026-01-06 is already ingested"):
        ingest_batch(lake, date(2026, 1, 4))
    storage.delete_prefix("raw/sessions/ingest_date=2026-01-04")
    storage.delete_prefix("raw/students/ingest_date=2026-01-04")
    storage.delete_prefix("raw/tutors/ingest_date=2026-01-04")
    key = f"raw/sessions/ingest_date={D1}/new_sessions.csv"
    storage.write_text(key, storage.read_text(key).replace("1.0", "2.0"))
    with pytest.raises(LakehouseError, match=f"raw batch {D1} changed after it was ingested"):
        ingest_batch(lake, D1)
    assert len(rows(lake, "silver.fct_sessions")) == 3


def test_reference_tables_are_written_once_not_by_every_batch(
    lake: Settings, seed_data: Path, tmp_path: Path
) -> None:
    """The static `full` tables (subjects, appointment statuses) come back the same from each
    batch: compared with the table, they are left alone, so the lake does not gain their files
    every day."""
    from lakehouse.lake.catalog import ALIAS, connect_lake
    from lakehouse.lake.connection import scalar

    land(lake, replay_subset(seed_data, tmp_path / "raw", "2026-01-04"))
    assert len(ingest_pending(lake)) == 5
    con = connect_lake(lake, read_only=True)
    try:
        current = scalar(con, f"SELECT id FROM {ALIAS}.current_snapshot()")
        for table in ("dim_subjects", "dim_appt_status"):
            changes = con.execute(
                "SELECT DISTINCT snapshot_id, change_type FROM "
                f"ducklake_table_changes('{ALIAS}', 'silver', '{table}', 0, {current})"
            ).fetchall()
            assert len(changes) == 1 and changes[0][1] == "insert", (table, changes)
    finally:
        con.close()
