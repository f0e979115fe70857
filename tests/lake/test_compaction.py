"""Small files are merged and old snapshots expired as they gather, so a table's scans do not
slow down day by day."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lakehouse.bronze.landing import land
from lakehouse.errors import LakehouseError
from lakehouse.lake.catalog import (
    ALIAS,
    connect_lake,
    snapshot_after_batch,
    snapshots,
    table_versions,
    write_tables,
)
from lakehouse.lake.maintenance import SMALL_FILES_SLACK, compact_small_files
from lakehouse.silver.ingest import ingest_batch, ingest_pending
from tests.silver.silver_helpers import snapshot as silver_rows
from tests.silver.test_idempotency import replay_subset


def data_files(con, table: str) -> int:
    layer, name = table.split(".")
    (n,) = con.execute(
        f"SELECT count(*) FROM ducklake_list_files('{ALIAS}', ?, schema => ?)", [name, layer]
    ).fetchone()
    return n


def test_a_table_with_many_small_files_is_merged_and_keeps_its_rows(local_settings) -> None:
    write_tables(local_settings, {"silver.t": "SELECT range AS id FROM range(0)"})
    con = connect_lake(local_settings)
    try:
        # one insert a day of more rows than DuckLake inlines: one new file each
        for day in range(SMALL_FILES_SLACK + 1):
            con.execute(
                f"INSERT INTO {ALIAS}.silver.t SELECT range FROM range({day * 50}, {day * 50 + 50})"
            )
        assert data_files(con, "silver.t") == SMALL_FILES_SLACK + 1
        assert compact_small_files(con, "silver") == []  # not yet over the slack
        con.execute(f"INSERT INTO {ALIAS}.silver.t SELECT range FROM range(10000, 10050)")
        con.execute(f"INSERT INTO {ALIAS}.silver.t SELECT range FROM range(20000, 20050)")
        assert compact_small_files(con, "silver") == ["silver.t"]
        assert data_files(con, "silver.t") == 1
        assert con.execute(
            f"SELECT count(*), count(DISTINCT id) FROM {ALIAS}.silver.t"
        ).fetchone() == (
            (SMALL_FILES_SLACK + 3) * 50,
            (SMALL_FILES_SLACK + 3) * 50,
        )
    finally:
        con.close()


def test_an_ingest_expires_the_snapshots_before_the_last_batches(
    local_settings, seed_data, tmp_path
) -> None:
    """With `maintain.keep_batches` 2, the 4th batch finds 4 batches in the snapshots, more
    than 2 + a quarter (at least 1), and expires the 2 oldest: silver is unchanged, and time
    travel reaches the kept batches only."""
    settings = replace(local_settings, maintain=replace(local_settings.maintain, keep_batches=2))
    land(settings, replay_subset(seed_data, tmp_path / "raw", "2026-01-03"))
    reference = replace(settings, lake=str(tmp_path / "reference"))
    reference = replace(reference, maintain=replace(reference.maintain, keep_batches=0))
    land(reference, replay_subset(seed_data, tmp_path / "raw2", "2026-01-03"))
    results = ingest_pending(settings)
    assert len(results) == 4 and len(ingest_pending(reference)) == 4
    con = connect_lake(settings, read_only=True)
    try:
        kept = sorted({s.batch for s in snapshots(con) if s.batch})
        assert kept == [r.ingest_date for r in results][-2:]  # expired after the 4th batch
        snapshot_after_batch(con, kept[0])
        with pytest.raises(LakehouseError, match="no snapshot of the lake ends with batch"):
            snapshot_after_batch(con, results[0].ingest_date)
    finally:
        con.close()
    assert silver_rows(settings) == silver_rows(reference)
    # an expired batch is still known as ingested: a rerun changes nothing and says why
    with pytest.raises(LakehouseError, match=r"ingest snapshot has expired.*nothing was changed"):
        ingest_batch(settings, results[0].ingest_date)
    assert silver_rows(settings) == silver_rows(reference)


def test_a_table_whose_files_have_deleted_rows_is_rewritten_then_merged(local_settings) -> None:
    """DuckLake's merge leaves a file with deleted rows alone, and an SCD2 dimension deletes a
    few rows of its history every day: such files are rewritten without their deleted rows,
    then merged, in maintenance commits that keep the rows (inlined ones and a DOUBLE column
    included) and time travel."""
    write_tables(
        local_settings,
        {"silver.t": "SELECT range AS id, CAST(range AS DOUBLE) AS x FROM range(0)"},
    )
    con = connect_lake(local_settings)
    try:
        for day in range(SMALL_FILES_SLACK + 3):  # a file a day, then a row of it deleted
            con.execute(
                f"INSERT INTO {ALIAS}.silver.t "
                f"SELECT range, range / 2 FROM range({day * 50}, {day * 50 + 50})"
            )
            con.execute(f"DELETE FROM {ALIAS}.silver.t WHERE id = {day * 50}")
        con.execute(f"INSERT INTO {ALIAS}.silver.t VALUES (7000, 0.5), (7001, 'NaN')")  # inlined
        before = snapshots(con)[-1].id
        table = f"SELECT id, x FROM {ALIAS}.silver.t{{}} ORDER BY id"
        rows = con.execute(table.format("")).fetchall()
        assert len(rows) == (SMALL_FILES_SLACK + 3) * 49 + 2
        assert data_files(con, "silver.t") == SMALL_FILES_SLACK + 3
        assert compact_small_files(con, "silver") == ["silver.t"]
        assert data_files(con, "silver.t") == 1
        assert str(con.execute(table.format("")).fetchall()) == str(rows)  # NaN != NaN
        maintenance = [s for s in snapshots(con) if s.id > before]
        assert maintenance and all(s.stage == "" for s in maintenance)
        assert table_versions(con, "silver")["t"] <= before  # no change of its rows
        at = f" AT (VERSION => {before})"
        assert str(con.execute(table.format(at)).fetchall()) == str(rows)
        assert compact_small_files(con, "silver") == []  # one file now: under the slack
    finally:
        con.close()
