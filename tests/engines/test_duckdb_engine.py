"""DuckDB reads what storage wrote, on both backends, and table writes leave no stale files."""

import pytest

from lakehouse.engines import duckdb as duck
from lakehouse.errors import EngineError
from lakehouse.storage import open_storage
from lakehouse.tables import TableStore


@pytest.fixture
def store(lake_settings):
    storage = open_storage(lake_settings)
    con = duck.connect(lake_settings)
    yield TableStore(storage, con)
    con.close()


def test_read_csv_over_hive_partitioned_glob(store: TableStore) -> None:
    storage = store.storage
    storage.write_text(
        "raw/sessions/ingest_date=2026-01-01/new_sessions.csv", "session_id,duration\n1,1.0\n2,90\n"
    )
    storage.write_text(
        "raw/sessions/ingest_date=2026-01-02/new_sessions.csv", "session_id,duration\n3,\n"
    )
    glob = storage.uri("raw/sessions") + "/*/*.csv"
    rows = store.con.execute(
        "SELECT ingest_date::VARCHAR, session_id, duration FROM read_csv(?, hive_partitioning = true, "
        "all_varchar = true) ORDER BY session_id",
        [glob],
    ).fetchall()
    assert rows == [
        ("2026-01-01", "1", "1.0"),
        ("2026-01-01", "2", "90"),
        ("2026-01-02", "3", None),
    ]


def test_partitioned_parquet_roundtrip_and_partition_overwrite(store: TableStore) -> None:
    query = "SELECT range AS id, 'm' || (range % 3)::VARCHAR AS month FROM range(9)"
    first = store.write("silver.t", query, partition_by="month")
    assert first.files_written == 3
    assert store.files("silver.t") == [
        "silver/t/month=m0/data_0.parquet",
        "silver/t/month=m1/data_0.parquet",
        "silver/t/month=m2/data_0.parquet",
    ]
    scan = store.scan("silver.t")
    assert store.con.execute(f"SELECT count(*), sum(id) FROM {scan}").fetchone() == (9, 36)

    # Replace one partition only: the others stay, the replaced one holds only the new rows.
    store.write(
        "silver.t",
        "SELECT 100 AS id, 'm1' AS month",
        partition_by="month",
        replace_partitions_only=True,
    )
    rows = store.con.execute(
        f"SELECT month, list(id ORDER BY id) FROM {scan} GROUP BY month ORDER BY month"
    ).fetchall()
    assert rows == [("m0", [0, 3, 6]), ("m1", [100]), ("m2", [2, 5, 8])]
    assert len(store.files("silver.t")) == 3

    # A full replace with fewer partitions deletes the stale ones.
    result = store.write("silver.t", "SELECT 7 AS id, 'm9' AS month", partition_by="month")
    assert result.files_deleted == 3
    assert store.files("silver.t") == ["silver/t/month=m9/data_0.parquet"]
    assert store.con.execute(f"SELECT id, month FROM {scan}").fetchall() == [(7, "m9")]


def test_empty_result_still_makes_a_readable_table(store: TableStore) -> None:
    store.write("gold.empty", "SELECT 1::INTEGER AS a, 'x' AS m WHERE false", partition_by="m")
    assert store.exists("gold.empty")
    assert store.con.execute(f"SELECT count(*) FROM {store.scan('gold.empty')}").fetchone() == (0,)
    assert store.register_views(["gold.empty", "gold.missing"]) == ["gold.empty"]
    assert store.con.execute("SELECT count(*) FROM gold.empty").fetchone() == (0,)


def test_httpfs_missing_build_is_explained() -> None:
    with pytest.raises(EngineError, match="duckdb-extension-httpfs"):
        duck.httpfs_path("v0.0.1")


def test_httpfs_loads_offline(local_settings) -> None:
    con = duck.connect(local_settings)
    duck.load_httpfs(con)
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'httpfs'"
    ).fetchone()
    assert loaded == (True,)


def test_spill_folder_defaults_to_system_temp(local_settings, tmp_path) -> None:
    import dataclasses
    import tempfile

    con = duck.connect(local_settings)
    spill = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    assert spill.startswith(tempfile.gettempdir())
    custom = dataclasses.replace(
        local_settings,
        duckdb=dataclasses.replace(local_settings.duckdb, temp_directory=str(tmp_path / "spill")),
    )
    con = duck.connect(custom)
    assert con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == str(
        tmp_path / "spill"
    )
