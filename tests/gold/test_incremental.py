"""Incremental gold: a daily build recomputes only what its batches can change, and the result
equals a full rebuild row for row (the build stamps aside, which say which build wrote a row).

Checked on simulated days (prices that change, a month boundary) and on the original project's
replay data, together with what keeps the lake readable while it is written: gold is written in
whole files only (no delete files), and the catalog's table-wide statistics cover every row.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pyarrow.compute as pc
import pytest

from lakehouse.bronze.landing import land
from lakehouse.config import Settings, load_settings
from lakehouse.gold.materialize import MaterializeResult, materialize
from lakehouse.lake.catalog import (
    ALIAS,
    connect_lake,
    lake_tables,
    partition_layout,
    snapshots,
)
from lakehouse.lake.storage import init_lake, open_storage
from lakehouse.orchestration.rollback import rollback
from lakehouse.silver.ingest import ingest_batch, ingest_pending, waiting_batches
from sim.api import simulate_day, simulate_history
from tests.gold.conftest import always_incremental
from tests.silver.silver_helpers import snapshot

STAMPS = ("as_of_ts", "generated_at")


def gold(settings: Settings) -> dict[str, list[tuple]]:
    """Every gold table's rows without the build stamps, sorted."""
    return {
        t: rows for t, rows in snapshot(settings, stamps=False).items() if t.startswith("gold.")
    }


def delete_files(settings: Settings) -> int:
    """Delete files of gold tables, live ones and ones kept for time travel alike."""
    con = connect_lake(settings, read_only=True)
    try:
        ((count,),) = con.execute(
            f"""
            SELECT count(*)
            FROM __ducklake_metadata_{ALIAS}.ducklake_delete_file AS d
            JOIN __ducklake_metadata_{ALIAS}.ducklake_table AS t USING (table_id)
            JOIN __ducklake_metadata_{ALIAS}.ducklake_schema AS s USING (schema_id)
            WHERE s.schema_name = 'gold'
            """
        ).fetchall()
        return int(count)
    finally:
        con.close()


def statistics_outside_rows(settings: Settings) -> list[str]:
    """Columns of gold tables whose recorded table-wide minimum or maximum excludes a value the
    table holds (a reader's pruning and DuckDB's compressed materialization trust them)."""
    con = connect_lake(settings, read_only=True)
    wrong = []
    try:
        stats = con.execute(
            f"""
            SELECT t.table_name, c.column_name, st.min_value, st.max_value
            FROM __ducklake_metadata_{ALIAS}.ducklake_table_column_stats AS st
            JOIN __ducklake_metadata_{ALIAS}.ducklake_table AS t USING (table_id)
            JOIN __ducklake_metadata_{ALIAS}.ducklake_schema AS s USING (schema_id)
            JOIN __ducklake_metadata_{ALIAS}.ducklake_column AS c USING (table_id, column_id)
            WHERE s.schema_name = 'gold' AND t.end_snapshot IS NULL AND c.end_snapshot IS NULL
                AND st.min_value IS NOT NULL AND c.column_type NOT IN ('varchar', 'boolean')
            """
        ).fetchall()
        for table, column, low, high in stats:
            ((dtype,),) = con.execute(
                f"SELECT column_type FROM (DESCRIBE {ALIAS}.gold.{table}) WHERE column_name = ?",
                [column],
            ).fetchall()
            read = con.execute(f"SELECT {column} FROM {ALIAS}.gold.{table}")
            values = read.to_arrow_table().column(0)
            if values.null_count == len(values):
                continue
            (bounds,) = con.execute(
                f"SELECT [CAST(? AS {dtype}), CAST(? AS {dtype})]", [low, high]
            ).fetchall()
            low_v, high_v = bounds[0]
            actual = pc.min_max(values)
            if actual["min"].as_py() < low_v or actual["max"].as_py() > high_v:
                wrong.append(f"{table}.{column}: stats {low}..{high}, rows {actual.as_py()}")
    finally:
        con.close()
    return wrong


def modes(settings: Settings) -> list[str]:
    con = connect_lake(settings, read_only=True)
    try:
        return [s.extra.get("mode", "") for s in snapshots(con) if s.stage == "materialize"]
    finally:
        con.close()


def assert_equals_full_rebuild(settings: Settings, last: MaterializeResult) -> None:
    incremental = gold(settings)
    rebuilt = materialize(settings, full=True)
    assert (rebuilt.mode, rebuilt.reason) == ("full", "asked for (--full)")
    assert gold(settings) == incremental
    assert rebuilt.row_counts == last.row_counts
    assert (rebuilt.total_revenue, rebuilt.total_contractor_pay) == (
        last.total_revenue,
        last.total_contractor_pay,
    )


PARTITIONED = ("gold.int_priced_sessions", "gold.monthly_revenue")
"""The gold tables declared `@partitioned_by month_start`."""


def layouts(settings: Settings) -> dict[str, tuple[list[str], int]]:
    """`partition_layout` of every gold table."""
    con = connect_lake(settings, read_only=True)
    try:
        return {name: partition_layout(con, name) for name in lake_tables(con, ("gold",))}
    finally:
        con.close()


def months_written_by_last_build(settings: Settings, table: str) -> tuple[set[str], set[str]]:
    """(months whose files the last snapshot wrote, every month) of a gold table partitioned
    by month_start."""
    con = connect_lake(settings, read_only=True)
    try:
        rows = con.execute(
            f"""
            SELECT p.partition_value, f.begin_snapshot = (SELECT max(snapshot_id)
                FROM __ducklake_metadata_{ALIAS}.ducklake_snapshot)
            FROM __ducklake_metadata_{ALIAS}.ducklake_data_file AS f
            JOIN __ducklake_metadata_{ALIAS}.ducklake_file_partition_value AS p
                USING (data_file_id)
            JOIN __ducklake_metadata_{ALIAS}.ducklake_table AS t ON t.table_id = f.table_id
            WHERE f.end_snapshot IS NULL AND t.end_snapshot IS NULL AND t.table_name = ?
            """,
            [table.split(".")[1]],
        ).fetchall()
    finally:
        con.close()
    return {m for m, new in rows if new}, {m for m, _ in rows}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, MaterializeResult]:
    """History, then six days each ingested and built incrementally (the first crosses from
    December into January)."""
    root = tmp_path_factory.mktemp("incremental") / "lake"
    settings = load_settings(
        environ={}, overrides={"lake": str(root), "gold.incremental_from_sessions": 0}
    )
    init_lake(settings)
    history = simulate_history(settings, seed=3, scale=0.5)
    ingest_batch(settings, history.ingest_date)
    result = materialize(settings)
    for _ in range(6):
        day = simulate_day(settings)
        ingest_batch(settings, day.ingest_date)
        result = materialize(settings)
    return settings, result


def test_daily_builds_are_incremental_and_touch_only_what_changed(simulated) -> None:
    settings, last = simulated
    assert modes(settings) == ["full", *["incremental"] * 6]
    assert last.mode == "incremental" and last.reason == ""
    assert "gold.data_quality_daily" in last.changed  # a new batch always adds its row
    # rows of students the last batch did not touch keep the stamps of an earlier build
    con = connect_lake(settings, read_only=True)
    try:
        stamps = con.execute(
            f"SELECT DISTINCT as_of_ts FROM {ALIAS}.gold.active_students ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert len(stamps) > 1 and stamps[-1][0] == last.as_of_ts


def test_gold_is_written_in_whole_files_with_statistics_that_cover_its_rows(simulated) -> None:
    settings, _ = simulated
    assert delete_files(settings) == 0
    assert statistics_outside_rows(settings) == []


def test_a_large_gold_is_partitioned_by_month_and_a_day_rewrites_only_its_months(
    simulated,
) -> None:
    settings, _ = simulated  # incremental_from_sessions = 0: large from the first build
    found = layouts(settings)
    for name, layout in found.items():
        assert layout == ((["month_start"], 0) if name in PARTITIONED else ([], 0)), name
    for table in PARTITIONED:
        written, months = months_written_by_last_build(settings, table)
        assert written, table  # the last batch's sessions changed a month or two
        assert len(written) <= 3 < len(months), (table, sorted(written))


def test_incremental_gold_equals_a_full_rebuild_on_simulated_days(simulated, tmp_path) -> None:
    settings, last = simulated
    copy = dataclasses.replace(settings, lake=str(tmp_path / "lake"))
    shutil.copytree(settings.lake, copy.lake)
    assert_equals_full_rebuild(copy, last)
    # after a full rebuild the next day is incremental again
    day = simulate_day(copy)
    ingest_batch(copy, day.ingest_date)
    assert materialize(copy).mode == "incremental"


def test_a_rerun_and_a_rebuild_after_rollback_are_handled(simulated, tmp_path) -> None:
    settings, _ = simulated
    copy = dataclasses.replace(settings, lake=str(tmp_path / "lake"))
    shutil.copytree(settings.lake, copy.lake)
    con = connect_lake(copy, read_only=True)
    batches = sorted({s.batch for s in snapshots(con) if s.batch})
    con.close()
    rollback(copy, batches[-3])
    ingest_pending(copy)
    after = materialize(copy)
    assert (after.mode, after.reason) == (
        "full",
        "the lake changed since the last build (rollback)",
    )
    assert gold(copy) == gold(settings)


@pytest.fixture
def replay_lake(local_settings: Settings, seed_data: Path) -> Settings:
    """An empty lake with the original project's replay batches landed (incremental builds),
    keeping every snapshot: the tests read each build's mode from them (61 batches are more
    than the ingest's default `maintain.keep_batches`)."""
    settings = always_incremental(local_settings)
    settings = dataclasses.replace(
        settings, maintain=dataclasses.replace(settings.maintain, keep_batches=0)
    )
    init_lake(settings)
    land(settings, seed_data / "replay" / "raw")
    return settings


def build_daily(lake: Settings, batches: int | None) -> MaterializeResult:
    """Ingest the history and `batches` daily batches (all: None), building gold after each."""
    days = waiting_batches(open_storage(lake), set())
    result = None
    for day in days[: None if batches is None else batches + 1]:
        ingest_batch(lake, day)
        result = materialize(lake)
    assert result is not None
    return result


def test_incremental_gold_equals_a_full_rebuild_on_the_original_replay(replay_lake) -> None:
    last = build_daily(replay_lake, batches=8)
    assert modes(replay_lake) == ["full", *["incremental"] * 8]
    assert delete_files(replay_lake) == 0
    assert_equals_full_rebuild(replay_lake, last)


@pytest.mark.slow
def test_incremental_gold_equals_a_full_rebuild_over_the_whole_replay(replay_lake) -> None:
    last = build_daily(replay_lake, batches=None)
    assert modes(replay_lake) == ["full", *["incremental"] * 61]
    assert delete_files(replay_lake) == 0
    assert statistics_outside_rows(replay_lake) == []
    assert_equals_full_rebuild(replay_lake, last)


def test_a_small_gold_is_rebuilt_whole_by_default(local_settings: Settings) -> None:
    """Below gold.incremental_from_sessions a full rebuild is cheaper (docs/benchmarks.md)."""
    init_lake(local_settings)
    history = simulate_history(local_settings, seed=3, scale=0.2)
    ingest_batch(local_settings, history.ingest_date)
    materialize(local_settings)
    day = simulate_day(local_settings)
    ingest_batch(local_settings, day.ingest_date)
    result = materialize(local_settings)
    assert result.mode == "full"
    assert "below gold.incremental_from_sessions = 500,000" in result.reason
    # one file per table: a whole rebuild writes and reads it faster than one per month
    assert all(layout == ([], 0) for layout in layouts(local_settings).values())
    assert all(len(months_written_by_last_build(local_settings, t)[1]) == 0 for t in PARTITIONED)

    # once gold counts as large, the next build rewrites the tables whole into partitions,
    # and the one after replaces just the months it touches
    large = always_incremental(local_settings)
    for _ in range(2):
        day = simulate_day(large)
        ingest_batch(large, day.ingest_date)
        result = materialize(large)
        assert result.mode == "incremental"
        for name, layout in layouts(large).items():
            assert layout == ((["month_start"], 0) if name in PARTITIONED else ([], 0)), name
    written, months = months_written_by_last_build(large, "gold.int_priced_sessions")
    assert 0 < len(written) < len(months)
    assert delete_files(large) == 0
    assert_equals_full_rebuild(large, result)
