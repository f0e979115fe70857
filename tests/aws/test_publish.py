"""Publishing Athena's gold as the lake's Parquet tables, against a real S3 server (moto_server
on 127.0.0.1): staged UNLOAD output becomes exactly `gold/<table>/data_<i>.parquet`, stale files
go, the staging prefix is cleared, and the catalog every reader opens reads the rows back."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pytest

from lakehouse.aws.publish import (
    publish_staged,
    run_id,
    staging_key,
    unload_sql,
)
from lakehouse.errors import EngineError
from lakehouse.lake.catalog import open_catalog
from lakehouse.lake.storage import open_storage

DAY = dt.date(2026, 1, 15)


def parquet(tmp_path, rows: list[tuple[str, int]], name: str) -> bytes:
    path = tmp_path / f"{name}.parquet"
    con = duckdb.connect()
    values = ", ".join(f"('{m}', {n})" for m, n in rows)
    con.execute(
        f"COPY (SELECT * FROM (VALUES {values}) AS t(month, revenue)) TO '{path}' "
        "(FORMAT parquet, COMPRESSION snappy)"
    )
    con.close()
    return path.read_bytes()


@pytest.fixture
def storage(s3_settings):
    storage = open_storage(s3_settings)
    storage.ensure()
    return storage


def test_publish_replaces_the_table_with_the_staged_files_and_clears_staging(
    s3_settings, storage, tmp_path
):
    run = run_id(DAY)
    staged = staging_key(run, "gold.monthly_revenue")
    # UNLOAD's own names: no .parquet suffix; plus an empty object and a folder marker
    storage.write_bytes(f"{staged}/20260115_0001_a", parquet(tmp_path, [("2026-01", 10)], "a"))
    storage.write_bytes(
        f"{staged}/20260115_0001_b", parquet(tmp_path, [("2026-02", 20), ("2026-03", 5)], "b")
    )
    storage.write_bytes(f"{staged}/20260115_0001_c", b"")
    old = parquet(tmp_path, [("1999-01", 999)], "old")
    for i in range(3):
        storage.write_bytes(f"gold/monthly_revenue/data_{i}.parquet", old)
    storage.write_bytes("gold/subject_demand/data_0.parquet", old)  # another table: untouched

    result = publish_staged(storage, "gold.monthly_revenue", staged)

    assert (result.files_written, result.files_deleted) == (2, 1)
    assert storage.list("gold/monthly_revenue") == [
        "gold/monthly_revenue/data_0.parquet",
        "gold/monthly_revenue/data_1.parquet",
    ]
    assert storage.list(staged) == []
    assert storage.exists("gold/subject_demand/data_0.parquet")
    con = open_catalog(dataclasses.replace(s3_settings, engine="athena"))  # Athena lakes
    try:
        rows = con.execute(
            "SELECT month, revenue FROM gold.monthly_revenue ORDER BY month"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("2026-01", 10), ("2026-02", 20), ("2026-03", 5)]


def test_an_empty_unload_publishes_an_empty_table_with_its_columns(s3_settings, storage, tmp_path):
    storage.write_bytes("gold/monthly_revenue/data_0.parquet", parquet(tmp_path, [("x", 1)], "o"))
    staged = staging_key(run_id(DAY), "gold.monthly_revenue")

    def schema():
        return [("month", "VARCHAR"), ("revenue", "DECIMAL(12,2)")]

    result = publish_staged(storage, "gold.monthly_revenue", staged, schema)

    assert (result.files_written, result.files_deleted) == (1, 0)
    con = open_catalog(dataclasses.replace(s3_settings, engine="athena"))  # Athena lakes
    try:
        assert con.execute("SELECT count(*) FROM gold.monthly_revenue").fetchone() == (0,)
        columns = con.execute("DESCRIBE gold.monthly_revenue").fetchall()
    finally:
        con.close()
    assert [(c[0], c[1]) for c in columns] == [("month", "VARCHAR"), ("revenue", "DECIMAL(12,2)")]


def test_an_empty_unload_without_a_schema_fails_and_keeps_the_table(storage, tmp_path):
    storage.write_bytes("gold/monthly_revenue/data_0.parquet", parquet(tmp_path, [("x", 1)], "o"))
    with pytest.raises(EngineError, match="staged no files"):
        publish_staged(storage, "gold.monthly_revenue", staging_key("r1", "gold.monthly_revenue"))
    assert storage.list("gold/monthly_revenue") == ["gold/monthly_revenue/data_0.parquet"]


def test_unload_sql_targets_a_fresh_staging_prefix_per_run(athena_settings):
    first, second = run_id(DAY), run_id(DAY)
    assert first != second and first.startswith("2026-01-15-")
    assert unload_sql(athena_settings, "gold.subject_demand", "r1") == (
        "UNLOAD (SELECT * FROM tutor_gold.subject_demand) TO "
        "'s3://tutor-test-lake/lake/_staging/unload/r1/subject_demand/' "
        "WITH (format = 'PARQUET', compression = 'SNAPPY')"
    )
