"""Small files are merged as they gather, so a table's scans do not slow down day by day."""

from __future__ import annotations

from lakehouse.lake.catalog import ALIAS, connect_lake, write_tables
from lakehouse.lake.maintenance import SMALL_FILES_SLACK, compact_small_files


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
