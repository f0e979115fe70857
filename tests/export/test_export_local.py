"""The local target on both backends: `exports/<table>.csv|.parquet` match gold exactly, a rerun
replaces them byte for byte, and exports of tables that left gold are pruned."""

from __future__ import annotations

import io

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lakehouse.config import Settings
from lakehouse.errors import ConfigError, LakehouseError
from lakehouse.export.stage import export
from lakehouse.lake.storage import open_storage
from tests.export.conftest import write_gold

PEOPLE_CSV = (
    "student_id,first_name,last_seen_ts,is_active\n"
    "1,Al,2026-01-01 09:30:00,false\n"
    "2,Bo,2026-01-02 13:00:00,true\n"
)
# The table's own column order (partitioning does not move a column); rows sorted by every
# column.
THINGS_CSV = (
    "month,tutor_id,subject,revenue\n"
    "2026-01,1,SAT/ACT,80.0\n"
    "2026-01,3,Math,120.5\n"
    '2026-02,2,"Science, ""lab""",\n'
)
ALL_KEYS = [
    "exports/monthly_things.csv",
    "exports/monthly_things.parquet",
    "exports/people.csv",
    "exports/people.parquet",
]


def exported(settings: Settings) -> dict[str, bytes]:
    storage = open_storage(settings)
    return {k: storage.read_bytes(k) for k in storage.list("exports")}


def test_local_export_matches_gold(gold_lake: Settings) -> None:
    result = export(gold_lake, targets=["local"])

    files = exported(gold_lake)
    assert sorted(files) == ALL_KEYS
    assert files["exports/people.csv"].decode() == PEOPLE_CSV
    assert files["exports/monthly_things.csv"].decode() == THINGS_CSV
    people = pl.read_parquet(io.BytesIO(files["exports/people.parquet"]))
    assert people["student_id"].to_list() == [1, 2]
    assert people.schema["last_seen_ts"] == pl.Datetime("us")
    things = pl.read_parquet(io.BytesIO(files["exports/monthly_things.parquet"]))
    from_csv = pl.read_csv(io.BytesIO(files["exports/monthly_things.csv"]), schema=things.schema)
    assert_frame_equal(things, from_csv)

    detail = result.to_detail()
    assert detail["targets"] == ["local"]
    assert detail["tables"] == ["monthly_things", "people"]
    assert detail["rows"] == {"monthly_things": 3, "people": 2}
    people_detail = detail["exports"]["local"]["people"]
    assert people_detail["files"] == ["exports/people.csv", "exports/people.parquet"]
    assert people_detail["bytes"] == len(files["exports/people.csv"]) + len(
        files["exports/people.parquet"]
    )
    assert people_detail["columns"] == 4 and people_detail["action"] == "written"
    assert detail["removed"] == {"local": []} and detail["skipped"] == []


def test_rerun_replaces_byte_identical(gold_lake: Settings) -> None:
    export(gold_lake, targets=["local"])
    first = exported(gold_lake)
    export(gold_lake, targets=["local"])
    assert exported(gold_lake) == first

    # New gold rows replace the export in place, under the same names.
    write_gold(gold_lake, {"people": ("SELECT 7 AS student_id, 'Cy' AS first_name", None)})
    export(gold_lake, targets=["local"])
    files = exported(gold_lake)
    assert sorted(files) == ALL_KEYS
    assert files["exports/people.csv"].decode() == "student_id,first_name\n7,Cy\n"
    assert files["exports/monthly_things.csv"] == first["exports/monthly_things.csv"]


def drop_table(settings: Settings, table: str) -> None:
    from lakehouse.lake.catalog import ALIAS, connect_lake

    con = connect_lake(settings)
    try:
        con.execute(f"DROP TABLE {ALIAS}.{table}")
    finally:
        con.close()


def test_dropped_gold_table_is_pruned_only_by_full_export(gold_lake: Settings) -> None:
    storage = open_storage(gold_lake)
    export(gold_lake, targets=["local"])
    storage.write_text("exports/README.txt", "kept")
    storage.write_text("exports/archive/old.csv", "kept")
    drop_table(gold_lake, "gold.monthly_things")

    partial = export(gold_lake, targets=["local"], tables=["gold.people"])
    assert partial.removed == ()
    assert storage.exists("exports/monthly_things.csv")

    result = export(gold_lake, targets=["local"])
    assert result.to_detail()["removed"] == {
        "local": ["exports/monthly_things.csv", "exports/monthly_things.parquet"]
    }
    assert storage.list("exports") == [
        "exports/README.txt",
        "exports/archive/old.csv",
        "exports/people.csv",
        "exports/people.parquet",
    ]


def test_empty_gold_table_exports_header_only(local_settings: Settings) -> None:
    open_storage(local_settings).ensure()
    write_gold(local_settings, {"empty": ("SELECT 1 AS a, 'x' AS b WHERE false", None)})
    result = export(local_settings, targets=["local"])
    assert result.for_target("local")["empty"].rows == 0
    assert open_storage(local_settings).read_text("exports/empty.csv") == "a,b\n"


def test_selection_errors(local_settings: Settings) -> None:
    open_storage(local_settings).ensure()
    with pytest.raises(LakehouseError, match=r"no gold tables in .*run `lakehouse materialize`"):
        export(local_settings, targets=["local"])
    write_gold(local_settings)
    with pytest.raises(LakehouseError, match=r"nope not found .*available: monthly_things, people"):
        export(local_settings, targets=["local"], tables=["people", "nope"])
    with pytest.raises(ConfigError, match="unknown export target 'ftp'"):
        export(local_settings, targets=["ftp"])
    assert open_storage(local_settings).list("exports") == []


def test_default_targets_come_from_settings(local_settings: Settings) -> None:
    open_storage(local_settings).ensure()
    write_gold(local_settings)
    result = export(local_settings, tables=["people"])
    assert result.targets == ("local",) and result.tables == ("people",)
    assert open_storage(local_settings).list("exports") == [
        "exports/people.csv",
        "exports/people.parquet",
    ]


def test_larger_partitioned_table_is_sorted_and_byte_identical(local_settings: Settings) -> None:
    """Several threads and row groups: the files still depend only on the rows."""
    open_storage(local_settings).ensure()
    query = (
        "SELECT (hash(i) % 997)::BIGINT AS k, i, md5(i::VARCHAR) AS v, "
        "(i % 7)::VARCHAR AS part FROM range(300000) t(i)"
    )
    write_gold(local_settings, {"big": (query, "part")})
    export(local_settings, targets=["local"])
    first = exported(local_settings)
    export(local_settings, targets=["local"])
    assert exported(local_settings) == first
    parquet = pl.read_parquet(io.BytesIO(first["exports/big.parquet"]))
    frame = pl.read_csv(io.BytesIO(first["exports/big.csv"]), schema=parquet.schema)
    assert frame.height == 300000
    assert_frame_equal(frame, frame.sort(["k", "i", "v", "part"]))
    assert_frame_equal(parquet, frame)
