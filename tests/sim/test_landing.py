"""The landed raw files follow the contract (docs/CONTRACTS.md) and the original's look, are
readable by DuckDB with the contract's column names, and the deltas hold exactly the rows
that changed that day. One daily step also runs on S3."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

from lakehouse.bronze.files import BASE_COLUMNS, BATCH_COLUMNS, DAILY_FILES, OPTIONAL_COLUMNS
from lakehouse.lake.connection import connect, scalar
from sim import state
from sim.api import simulate_day, simulate_history

from .conftest import read_delta, read_parquet, settings_for

HISTORY_INGEST = date(2025, 12, 31)
# The raw file contract the ingest checks files against (docs/CONTRACTS.md is generated from it).
CONTRACT = {entity: list(BASE_COLUMNS[entity]) for entity in ("sessions", "students", "tutors")}


def header(path) -> list[str]:
    with open(path, newline="") as fh:
        return next(csv.reader(fh))


@pytest.mark.parametrize("entity", ["sessions", "students", "tutors"])
def test_headers_match_the_contract_and_the_original_files(sim_lake, seed_data, entity):
    history = sim_lake.raw(entity, HISTORY_INGEST, entity)
    daily = sim_lake.raw(entity, date(2026, 1, 2), DAILY_FILES[entity])
    original = seed_data / "replay/raw" / entity
    assert header(history) == CONTRACT[entity]
    assert header(history) == header(original / f"ingest_date=2025-12-31/{entity}.csv")
    expected = CONTRACT[entity] + list(BATCH_COLUMNS[entity])
    # the default scenario's tutors leave: their deltas end with the optional status column
    assert header(daily) == expected + list(OPTIONAL_COLUMNS[entity])
    assert header(daily)[: len(expected)] == header(
        original / f"ingest_date=2026-01-02/{DAILY_FILES[entity]}.csv"
    )


def test_duckdb_reads_every_raw_file_with_the_contract_columns(sim_lake):
    con = duckdb.connect()
    for entity, columns in CONTRACT.items():
        files = sorted((sim_lake.root / f"raw/{entity}").rglob("*.csv"))
        assert len(files) == 1 + len(sim_lake.days)
        for path in files:
            rel = con.sql(f"SELECT * FROM read_csv('{path}', header = true)")
            assert rel.columns[: len(columns)] == columns, path
        daily = con.sql(
            f"SELECT * FROM read_csv('{sim_lake.root}/raw/{entity}/*/*_*.csv', "
            "union_by_name = true, header = true)"
        )
        types = dict(zip(daily.columns, map(str, daily.types), strict=True))
        assert types["ingest_ts"] == "TIMESTAMP"
        assert types["source_batch_id"] == "VARCHAR"
    sessions = con.sql(
        f"SELECT * FROM read_csv('{sim_lake.root}/raw/sessions/*/sessions.csv', header = true, "
        "hive_partitioning = false)"
    )
    types = dict(zip(sessions.columns, map(str, sessions.types), strict=True))
    assert types == {
        "session_id": "BIGINT",
        "student_id": "BIGINT",
        "tutor_id": "BIGINT",
        "subject_id": "BIGINT",
        "stamp": "TIMESTAMP",
        "duration": "DOUBLE",
        "status": "BIGINT",
    }


def test_values_look_like_the_original(sim_lake):
    sessions = sim_lake.raw("sessions", date(2026, 1, 5), "new_sessions").read_text()
    rows = list(csv.DictReader(sessions.splitlines()))
    assert {r["source_batch_id"] for r in rows} == {"sim_2026-01-05"}
    assert all(r["ingest_ts"].startswith("2026-01-05 00:00:00.") for r in rows)
    assert all(len(r["stamp"]) == 19 for r in rows)
    students = pl.read_csv(sim_lake.raw("students", HISTORY_INGEST, "students"))
    assert set(students["sex"]) == {"F", "M"}
    assert set(students["status"]) == {"Active", "Inactive"}
    assert students["created"].str.contains(r"^\d{4}-\d\d-\d\d \d\d:00:00$").all()


def test_ids_with_nulls_are_written_as_floats_like_pandas(sim_lake):
    """Where a daily file has a missing tutor (or status), the whole column is floats."""
    seen = 0
    for day in sim_lake.days:
        ingest = day + timedelta(days=1)
        text = sim_lake.raw("sessions", ingest, "new_sessions").read_text()
        rows = list(csv.DictReader(text.splitlines()))
        for column in ("tutor_id", "status"):
            values = [r[column] for r in rows]
            if "" in values:
                seen += 1
                assert all(v == "" or v.endswith(".0") for v in values)
            else:
                assert all(v.isdigit() for v in values)
    assert seen > 5


def test_deltas_hold_exactly_the_rows_changed_that_day(sim_lake):
    for day in sim_lake.days:
        ingest = day + timedelta(days=1)
        for entity, key in (("students", "student_id"), ("tutors", "tutor_id")):
            before = sim_lake.snapshot(day - timedelta(days=1), entity).select(CONTRACT[entity])
            after = sim_lake.snapshot(day, entity).select(CONTRACT[entity])
            changed = after.join(before, on=CONTRACT[entity], how="anti").sort(key)
            # the rows as written, their delta corruption undone (test_corruption checks it)
            _, delta = read_delta(sim_lake.raw(entity, ingest, DAILY_FILES[entity]), key, after)
            assert delta[key].to_list() == changed[key].to_list(), (entity, day)
            if changed.height:  # (an empty file has no types to compare)
                assert delta.select(CONTRACT[entity]).equals(changed), (entity, day)
            assert (delta["updated"].dt.date() == day).all()
            inserted = delta["created"].dt.date() == day
            assert delta["change_type"].to_list() == ["INSERT" if i else "UPDATE" for i in inserted]
            assert (delta["source_batch_id"] == f"sim_{ingest}").all()


def test_parquet_format_lands_the_same_columns(tmp_path):
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=4, until=date(2022, 1, 31), fmt="parquet")
    result = simulate_day(settings)
    assert all(f.endswith(".parquet") for f in result.files)
    for entity, columns in CONTRACT.items():
        history = pl.read_parquet(
            tmp_path / f"lake/raw/{entity}/ingest_date=2022-02-01/{entity}.parquet"
        )
        assert history.columns == columns
        daily = pl.read_parquet(tmp_path / "lake" / next(f for f in result.files if entity in f))
        assert daily.columns[: len(columns)] == columns
        assert isinstance(daily.schema["ingest_ts"], pl.Datetime)
        assert (daily["ingest_ts"].dt.date() == date(2022, 2, 2)).all()
    sessions = pl.read_parquet(tmp_path / "lake" / result.files[0])
    assert sessions.schema["tutor_id"] == pl.Int64  # nullable ints, not floats, in Parquet


def test_daily_step_on_every_storage_backend(lake_settings, lake_storage):
    until = date(2021, 12, 31)
    simulate_history(lake_settings, seed=6, until=until)
    result = simulate_day(lake_settings)
    assert result.business_date == until + timedelta(days=1)
    assert [k for k in lake_storage.list("raw/") if "2022-01-02" in k] == sorted(result.files)
    pointer = state.read_pointer(lake_storage)
    assert pointer is not None and pointer.last_date == until + timedelta(days=1)
    pristine = read_parquet(lake_storage, state.sessions_key(pointer.last_day))
    assert pristine.height == result.clean_sessions
    con = duckdb.connect()
    if lake_settings.storage == "s3":
        con = connect(lake_settings)
    raw = scalar(con, f"SELECT count(*) FROM read_csv('{lake_storage.uri(result.files[0])}')")
    assert raw == result.raw_sessions
