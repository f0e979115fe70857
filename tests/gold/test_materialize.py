"""The materialize stage: as-of semantics, reruns, rebuild equality, backends, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.gold.materialize import materialize
from lakehouse.lake.catalog import open_catalog
from lakehouse.lake.storage import open_storage
from lakehouse.models.contracts import SILVER_SCHEMAS
from tests.gold import scenario

GOLD = (
    "int_priced_sessions",
    "active_students",
    "contractor_utilization",
    "data_quality_daily",
    "monthly_revenue",
    "subject_demand",
)


def gold_rows(settings: Settings) -> dict[str, list[tuple]]:
    con = open_catalog(settings)
    try:
        return {t: con.execute(f"SELECT * FROM gold.{t} ORDER BY ALL").fetchall() for t in GOLD}
    finally:
        con.close()


def test_as_of_an_earlier_batch_sees_only_the_sessions_ingested_by_then(scenario_lake):
    result = materialize(scenario_lake, as_of=dt.date(2025, 11, 1))
    assert result.as_of_ts == dt.datetime(2025, 11, 1)
    assert result.generated_at == dt.datetime(2025, 11, 1, 2)
    # without Eve's session (ingested 2025-11-06): 3690 - 120
    assert result.total_revenue == Decimal("3570.00")
    rows = gold_rows(scenario_lake)
    active = [r[0] for r in rows["active_students"]]
    # on Nov 1 Cy's thirty students were still active (they quit on Nov 3); Eve did not exist
    assert active == [1, 2, *scenario.CAP_STUDENTS]
    assert [r[0] for r in rows["data_quality_daily"]] == [
        dt.date(2025, 10, 31),
        dt.date(2025, 11, 1),
    ]


def test_rerun_for_the_same_date_changes_nothing_and_a_full_rerun_gives_identical_tables(
    scenario_lake,
):
    from lakehouse.lake.catalog import connect_lake, snapshots

    def stages() -> list[str]:
        con = connect_lake(scenario_lake, read_only=True)
        try:
            return [s.stage for s in snapshots(con)]
        finally:
            con.close()

    built = materialize(scenario_lake)
    first = gold_rows(scenario_lake)
    assert sorted(first) == sorted(GOLD)
    assert (built.mode, built.reason) == ("full", "no earlier build of gold")
    before = stages()
    again = materialize(scenario_lake)  # no batch since: nothing is in scope, nothing written
    assert (again.mode, again.changed) == ("incremental", ())
    assert again.row_counts == built.row_counts
    assert gold_rows(scenario_lake) == first
    assert stages() == before
    full = materialize(scenario_lake, full=True)
    assert (full.mode, full.reason, full.changed) == (
        "full",
        "asked for (--full)",
        tuple(f"gold.{t}" for t in GOLD),
    )
    assert gold_rows(scenario_lake) == first
    assert stages() == [*before, "materialize"]


def test_refresh_after_each_batch_equals_a_full_rebuild(local_settings, tmp_path):
    """Gold refreshed batch after batch (including a late session landing in a closed month)
    equals gold built once on the final silver in a fresh lake."""
    built = scenario.build()
    for ingest in (scenario.MIGRATION, scenario.DAY_1, scenario.DAY_6):
        built.through(ingest).write(local_settings)
        materialize(local_settings)
    fresh = Settings(lake=str(tmp_path / "fresh"))
    built.write(fresh)
    materialize(fresh)
    assert gold_rows(local_settings) == gold_rows(fresh)


@pytest.mark.s3
def test_materialize_on_s3(s3_settings):
    open_storage(s3_settings).ensure()
    scenario.build().write(s3_settings)
    result = materialize(s3_settings)
    assert result.total_revenue == Decimal("3690.00")
    assert result.row_counts["gold.subject_demand"] == 42
    assert sorted(gold_rows(s3_settings)) == sorted(GOLD)
    # the files of gold's tables are in the lake's bucket, under gold/<table>/ (tables of at
    # most 10 rows stay inlined in the catalog until `lakehouse maintain`)
    keys = open_storage(s3_settings).list("gold")
    assert keys and {k.split("/")[1] for k in keys} <= set(GOLD)


def test_missing_silver_is_a_clear_error(local_settings):
    open_storage(local_settings).ensure()
    with pytest.raises(LakehouseError, match=r"silver table\(s\) silver.fct_sessions.*ingest"):
        materialize(local_settings)


def test_as_of_after_the_latest_batch_is_refused(scenario_lake):
    with pytest.raises(LakehouseError, match="holds batches up to 2025-11-06"):
        materialize(scenario_lake, as_of=dt.date(2025, 11, 7))


def test_the_hand_built_silver_follows_the_contract(scenario_lake):
    """The scenario's silver has exactly the contract's columns and types (what silver's own
    ingest checks its results against), so gold is tested on the shapes it will really read."""
    con = open_catalog(scenario_lake)
    try:
        for table, columns in SILVER_SCHEMAS.items():
            if table == "silver.err_dimensions":  # gold does not read it
                continue
            described = con.execute(f"DESCRIBE {table}").fetchall()
            assert {name: kind for name, kind, *_ in described} == columns, table
    finally:
        con.close()
