"""DuckDB reads what storage wrote, on both backends; the lake's tables are DuckLake tables whose
files lie under the layer folders; extensions load from their wheels."""

import datetime as dt

import pytest

from lakehouse.errors import EngineError, LakehouseError
from lakehouse.lake import connection as duck
from lakehouse.lake import extensions
from lakehouse.lake.catalog import open_catalog, registered_views, table_stats, write_tables
from lakehouse.lake.storage import open_storage


def test_read_csv_over_hive_partitioned_glob(lake_settings) -> None:
    storage = open_storage(lake_settings)
    con = duck.connect(lake_settings)
    storage.write_text(
        "raw/sessions/ingest_date=2026-01-01/new_sessions.csv", "session_id,duration\n1,1.0\n2,90\n"
    )
    storage.write_text(
        "raw/sessions/ingest_date=2026-01-02/new_sessions.csv", "session_id,duration\n3,\n"
    )
    glob = storage.uri("raw/sessions") + "/*/*.csv"
    rows = con.execute(
        "SELECT ingest_date::VARCHAR, session_id, duration FROM read_csv(?, hive_partitioning = true, "
        "all_varchar = true) ORDER BY session_id",
        [glob],
    ).fetchall()
    assert rows == [
        ("2026-01-01", "1", "1.0"),
        ("2026-01-01", "2", "90"),
        ("2026-01-02", "3", None),
    ]


def test_tables_are_ducklake_tables_with_hive_partitioned_files(lake_settings) -> None:
    # 60 rows: more than DuckLake inlines into the catalog, so they go to Parquet files
    query = "SELECT range::INTEGER AS id, 'm' || (range % 3)::VARCHAR AS month FROM range(60)"
    write_tables(lake_settings, {"silver.t": query}, partitioned_by={"silver.t": "month"})
    storage = open_storage(lake_settings)
    files = sorted(k for k in storage.list("silver/t") if k.endswith(".parquet"))
    assert [k.rsplit("/", 1)[0] for k in files] == [
        "silver/t/month=m0",
        "silver/t/month=m1",
        "silver/t/month=m2",
    ]
    # before any delete, a plain Parquet reader sees the same rows as the catalog
    glob = storage.uri("silver/t") + "/**/*.parquet"
    con = duck.connect(lake_settings)
    assert con.execute(f"SELECT count(*), sum(id) FROM read_parquet('{glob}')").fetchone() == (
        60,
        1770,
    )
    write_tables(lake_settings, {"silver.t": "SELECT 7 AS id, 'm9' AS month"})
    session = open_catalog(lake_settings)
    assert session.execute("SELECT id, month FROM silver.t").fetchall() == [(7, "m9")]
    assert [t.rows for t in table_stats(session)] == [1]


def test_empty_table_is_readable(lake_settings) -> None:
    write_tables(lake_settings, {"gold.empty": "SELECT 1::INTEGER AS a, 'x' AS m WHERE false"})
    con = open_catalog(lake_settings)
    assert registered_views(con) == {"gold.empty"}
    assert con.execute("SELECT count(*) FROM gold.empty").fetchone() == (0,)


def test_a_lake_without_tables_reads_as_empty(local_settings) -> None:
    con = open_catalog(local_settings)
    assert registered_views(con) == set()
    with pytest.raises(LakehouseError, match="ingest"):
        open_catalog(local_settings, at_batch=dt.date(2026, 1, 1))


def test_missing_extension_build_is_explained() -> None:
    with pytest.raises(EngineError, match="duckdb-extension-httpfs"):
        extensions.wheel_path("httpfs", "v0.0.1")


@pytest.mark.parametrize("name", ["httpfs", "ducklake", "sqlite_scanner", "postgres_scanner"])
def test_extensions_load_offline(local_settings, name) -> None:
    con = duck.connect(local_settings)
    extensions.load(con, name)
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    assert loaded == (True,)


def test_spill_folder_defaults_to_system_temp(local_settings, tmp_path) -> None:
    import dataclasses
    import tempfile

    con = duck.connect(local_settings)
    spill = duck.scalar(con, "SELECT current_setting('temp_directory')")
    assert spill.startswith(tempfile.gettempdir())
    custom = dataclasses.replace(
        local_settings,
        duckdb=dataclasses.replace(local_settings.duckdb, temp_directory=str(tmp_path / "spill")),
    )
    con = duck.connect(custom)
    assert duck.scalar(con, "SELECT current_setting('temp_directory')") == str(tmp_path / "spill")
