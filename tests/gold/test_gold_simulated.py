"""Gold on simulated data: the history at scale 1 plus daily batches, ingested by the real
silver stage, with gold refreshed after every batch. Checked against computations written
here independently of the SQL (polars as-of joins over the silver Parquet files)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.gold.materialize import MaterializeResult, materialize
from lakehouse.lake.catalog import open_catalog, write_tables
from lakehouse.lake.connection import scalar
from lakehouse.models.contracts import SILVER_SCHEMAS
from lakehouse.silver.ingest import ingest_batch
from sim.api import simulate_day, simulate_history

DAILY_BATCHES = 3
STAMPS = ("as_of_ts", "generated_at")
"""The build stamps of a gold row: which build last wrote it."""
GOLD = (
    "int_priced_sessions",
    "active_students",
    "contractor_utilization",
    "data_quality_daily",
    "monthly_revenue",
    "subject_demand",
)


@dataclass
class SimulatedLake:
    settings: Settings
    root: Path
    result: MaterializeResult
    history_active: int
    """The simulator's own count of active students at the end of the history."""
    history_roster: int
    """Gold's month-end roster for December 2025, materialized right after the history."""

    def silver(self, table: str) -> pl.DataFrame:
        return read_table(self.settings, f"silver.{table}")

    def gold(self, table: str) -> pl.DataFrame:
        return read_table(self.settings, f"gold.{table}")


def read_table(settings: Settings, table: str) -> pl.DataFrame:
    """A lake table as a polars frame, read through the catalog (docs: reading the lake)."""
    con = open_catalog(settings)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").pl()
    finally:
        con.close()


@pytest.fixture(scope="module")
def sim_lake(tmp_path_factory: pytest.TempPathFactory) -> SimulatedLake:
    root = tmp_path_factory.mktemp("gold-sim") / "lake"
    settings = load_settings(
        environ={}, overrides={"lake": str(root), "gold.incremental_from_sessions": 0}
    )
    history = simulate_history(settings, seed=7, scale=1.0)
    ingest_batch(settings, history.ingest_date)
    materialize(settings)
    con = open_catalog(settings)
    roster = scalar(
        con,
        "SELECT sum(active_students) FROM gold.contractor_utilization "
        "WHERE month_start = DATE '2025-12-01'",
    )
    con.close()
    result = None
    for _ in range(DAILY_BATCHES):
        day = simulate_day(settings)
        ingest_batch(settings, day.ingest_date)
        result = materialize(settings)
    assert result is not None, "no daily batch was materialized"
    return SimulatedLake(settings, root, result, history.active_students, int(roster))


def rates_at_session(sessions: pl.DataFrame, dim: pl.DataFrame, key: str) -> pl.Series:
    """The dimension's contract_rate valid at each session's time: the latest version that
    started at or before it, or the first version for a session stamped before any."""
    versions = dim.select(key, "effective_start_ts", "contract_rate").sort("effective_start_ts")
    left = sessions.select("session_id", key, "session_ts").sort("session_ts")
    joined = [
        left.join_asof(
            versions,
            left_on="session_ts",
            right_on="effective_start_ts",
            by=key,
            strategy=strategy,
            check_sortedness=False,  # sorted by session_ts above, within each id too
        ).select("session_id", pl.col("contract_rate").alias(strategy))
        for strategy in ("backward", "forward")
    ]
    rates = joined[0].join(joined[1], on="session_id")
    ordered = sessions.select("session_id").join(rates, on="session_id", how="left")
    return ordered.select(pl.coalesce("backward", "forward")).to_series()


def test_revenue_and_pay_equal_an_independent_computation(sim_lake: SimulatedLake):
    sessions = sim_lake.silver("fct_sessions")
    priced = sessions.with_columns(
        student_rate=rates_at_session(sessions, sim_lake.silver("dim_students"), "student_id"),
        tutor_rate=rates_at_session(sessions, sim_lake.silver("dim_tutors"), "tutor_id"),
    ).filter(
        pl.col("status").is_in([0, 1])
        & pl.col("student_rate").is_not_null()
        & pl.col("tutor_rate").is_not_null()
    )
    cents = priced.select(
        pl.col("session_ts").dt.truncate("1mo").dt.date().alias("month_start"),
        (pl.col("student_rate") * pl.col("duration_hours") * 100)
        .round(0)
        .cast(pl.Int64)
        .alias("rev"),
        (pl.col("tutor_rate") * pl.col("duration_hours") * 100)
        .round(0)
        .cast(pl.Int64)
        .alias("pay"),
    )
    expected_revenue = Decimal(int(cents["rev"].sum())) / 100
    expected_pay = Decimal(int(cents["pay"].sum())) / 100
    assert sim_lake.result.total_revenue == expected_revenue
    assert sim_lake.result.total_contractor_pay == expected_pay
    assert expected_revenue > Decimal("1000000")  # years of business, not an empty lake

    monthly = sim_lake.gold("monthly_revenue")
    by_month = (
        monthly.group_by("month_start")
        .agg(pl.col("revenue").sum(), pl.col("contractor_pay").sum(), pl.col("margin").sum())
        .sort("month_start")
    )
    expected = cents.group_by("month_start").agg(pl.col("rev").sum(), pl.col("pay").sum())
    joined = by_month.join(expected, on="month_start", how="left").fill_null(0)
    for row in joined.iter_rows(named=True):
        assert row["revenue"] == Decimal(row["rev"]) / 100, row["month_start"]
        assert row["contractor_pay"] == Decimal(row["pay"]) / 100, row["month_start"]
        assert row["margin"] == row["revenue"] - row["contractor_pay"]
    # every session is counted exactly once, with its hours
    assert monthly["scheduled_sessions"].sum() == sessions.height
    assert monthly["scheduled_hours"].sum() == pytest.approx(sessions["duration_hours"].sum())
    # cancelled sessions count, but never earn
    cancelled = monthly.filter(pl.col("status") == 2)
    assert (
        cancelled["scheduled_sessions"].sum() == sessions.filter(pl.col("status") == 2).height > 0
    )
    assert cancelled["revenue"].sum() == 0 and cancelled["contractor_pay"].sum() == 0


def test_utilization_never_exceeds_the_cap(sim_lake: SimulatedLake):
    util = sim_lake.gold("contractor_utilization")
    assert util.height > 100
    busiest, fullest = util["active_students"].max(), util["utilization_pct"].max()
    assert isinstance(busiest, int) and busiest <= 30
    assert isinstance(fullest, float) and fullest <= 100.0
    assert fullest == 100.0  # tutors do fill up


def test_month_end_roster_matches_the_simulators_active_students(sim_lake: SimulatedLake):
    """Right after the history, gold's December 2025 month-end rosters add up to exactly the
    students the simulator itself had active at the cutoff."""
    assert sim_lake.history_roster == sim_lake.history_active > 300


def test_every_active_student_appears_exactly_once(sim_lake: SimulatedLake):
    active = sim_lake.gold("active_students")
    as_of_ts = dt.datetime.combine(sim_lake.result.as_of, dt.time())
    dims = sim_lake.silver("dim_students")
    expected = dims.filter(
        (pl.col("effective_start_ts") <= as_of_ts)
        & (pl.col("effective_end_ts") > as_of_ts)
        & (pl.col("status") == "Active")
    )["student_id"]
    assert active["student_id"].is_unique().all()
    assert sorted(active["student_id"].to_list()) == sorted(expected.to_list())
    # as of the latest batch that is every current Active profile
    current = dims.filter(pl.col("is_current") & (pl.col("status") == "Active"))
    assert active.height == current.height > 300
    fewest = active["lifetime_scheduled_sessions"].min()
    assert isinstance(fewest, int) and fewest >= 1
    # each row carries the stamps of the build that last wrote it: the latest build wrote
    # the students its batch touched, earlier builds the others
    assert active["as_of_ts"].max() == as_of_ts
    earliest = active["as_of_ts"].min()
    assert isinstance(earliest, dt.datetime) and earliest < as_of_ts
    assert (active["generated_at"] - active["as_of_ts"] == dt.timedelta(hours=2)).all()


def test_data_quality_daily_accounts_for_every_batch(sim_lake: SimulatedLake):
    dq = sim_lake.gold("data_quality_daily")
    assert dq.height == 1 + DAILY_BATCHES
    assert dq["is_reconciled"].all()
    assert (
        dq["raw_rows"].sum()
        == (dq["kept_rows"] + dq["superseded_rows"] + dq["rejected_rows"]).sum()
    )
    errors = sim_lake.silver("err_sessions")
    reason_columns = [
        c for c in dq.columns if c.startswith(("err_", "duplicate_", "superseded_later"))
    ]
    assert (
        int(dq.select(pl.sum_horizontal(reason_columns).sum()).item())
        + int(dq["other_reasons"].sum())
        == errors.height
    )
    # the daily batches are corrupted: repairs show up
    assert dq.filter(pl.col("ingest_date") > dt.date(2025, 12, 31))["repair_actions"].sum() > 0


def test_refreshing_after_each_batch_equals_one_full_rebuild(sim_lake, tmp_path):
    fresh = load_settings(environ={}, overrides={"lake": str(tmp_path / "fresh")})
    silver = {t: sim_lake.silver(t.split(".")[1]).to_arrow() for t in SILVER_SCHEMAS}
    write_tables(
        fresh,
        {t: f"SELECT * FROM frame_{i}" for i, t in enumerate(silver)},
        sources={f"frame_{i}": frame for i, frame in enumerate(silver.values())},
    )
    rebuilt = materialize(fresh)
    assert sim_lake.result.mode == "incremental" and rebuilt.mode == "full"
    build = ("mode", "reason", "changed")
    incremental = {k: v for k, v in sim_lake.result.to_detail().items() if k not in build}
    assert {k: v for k, v in rebuilt.to_detail().items() if k not in build} == incremental
    # every row equal; only the build stamps say which build wrote it
    for table in GOLD:
        refreshed = sim_lake.gold(table).drop(STAMPS, strict=False).sort(pl.all())
        full = read_table(fresh, f"gold.{table}").drop(STAMPS, strict=False).sort(pl.all())
        assert refreshed.equals(full), table
    assert (read_table(fresh, "gold.active_students")["as_of_ts"] == rebuilt.as_of_ts).all()
