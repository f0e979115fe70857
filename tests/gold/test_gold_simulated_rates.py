"""Gold prices simulated rate changes at the rates the simulator charged: the default
scenario with raises every 40 completed sessions (so several tutors get one within days),
history plus daily batches through the real silver stage, against the rates the simulator
recorded for each session (its pristine sessions, never landed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from lakehouse.config import load_settings
from lakehouse.gold.materialize import materialize, register_gold_views
from lakehouse.lake.catalog import open_catalog
from lakehouse.silver.ingest import ingest_batch
from sim.api import simulate_day, simulate_history

DAILY_BATCHES = 4
PRICE_STEP = dt.datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gold-rates")
    scenario = root / "raises.toml"
    scenario.write_text("[tutors]\nraise_every_sessions = 40\n", encoding="utf-8")
    settings = load_settings(environ={}, overrides={"lake": str(root / "lake")})
    history = simulate_history(settings, seed=7, scenario=scenario)
    ingest_batch(settings, history.ingest_date)
    for _ in range(DAILY_BATCHES):
        ingest_batch(settings, simulate_day(settings).ingest_date)
    materialize(settings)
    return root


@pytest.fixture(scope="module")
def priced(lake: Path) -> pl.DataFrame:
    """Gold's priced sessions joined to the simulator's own session rows."""
    root = lake
    settings = load_settings(environ={}, overrides={"lake": str(root / "lake")})
    con = open_catalog(settings)
    try:
        register_gold_views(con)
        gold = con.execute(
            "SELECT session_id, student_id, tutor_id, session_ts, student_rate, tutor_rate "
            "FROM gold.int_priced_sessions"
        ).pl()
    finally:
        con.close()
    truth = pl.read_parquet(Path(root / "lake/sim/state/sessions") / "**" / "*.parquet")
    return gold.join(
        truth.select(
            "session_id",
            "stamp",
            true_tutor="tutor_id",
            true_student_rate="student_rate",
            true_tutor_rate="tutor_rate",
        ),
        on="session_id",
    )


def test_every_session_is_priced_at_the_rates_the_simulator_charged(priced: pl.DataFrame):
    """Sessions whose stamp and tutor arrived intact (corruption moves some stamps by days
    and drops some tutors: those are priced at the rates valid at the time silver kept)."""
    intact = priced.filter(
        (pl.col("session_ts") == pl.col("stamp")) & (pl.col("tutor_id") == pl.col("true_tutor"))
    )
    assert intact.height > 0.98 * priced.height
    assert (intact["student_rate"] == intact["true_student_rate"]).all()
    assert (intact["tutor_rate"] == intact["true_tutor_rate"]).all()


def test_tutors_with_several_rates_have_sessions_priced_at_each(priced: pl.DataFrame):
    per_tutor = priced.group_by("tutor_id").agg(
        rates=pl.col("tutor_rate").unique().sort(), first=pl.col("session_ts").min()
    )
    raised = per_tutor.filter(pl.col("rates").list.len() >= 2)
    assert raised.height >= 3
    # raises are +$5 steps
    steps = raised["rates"].list.diff().list.drop_nulls().explode().unique().to_list()
    assert steps == [5.0]


def test_the_price_step_reprices_the_students_active_on_it(priced: pl.DataFrame):
    """Students with sessions on both sides of 2026-01-01: $120 or less before, $130 after."""
    daily = priced.filter(pl.col("session_ts") >= dt.datetime(2025, 12, 25))
    sides = daily.group_by("student_id").agg(
        before=pl.col("student_rate").filter(pl.col("session_ts") < PRICE_STEP).unique(),
        after=pl.col("student_rate").filter(pl.col("session_ts") >= PRICE_STEP).unique(),
    )
    both = sides.filter((pl.col("before").list.len() > 0) & (pl.col("after").list.len() > 0))
    assert both.height > 50
    assert (both["after"].list.first() == 130).all()
    assert (both["before"].list.max() <= 120).all()


def test_corrupted_delta_rows_never_reach_the_prices(lake: Path):
    """The default scenario corrupts 4% of the delta rows (about 400 rows on the price step
    day): rates in cents and US dates are repaired with their reason, repeats superseded."""
    settings = load_settings(environ={}, overrides={"lake": str(lake / "lake")})
    con = open_catalog(settings)
    try:
        err = con.execute("SELECT * FROM silver.err_dimensions").pl()
        dims = {
            d: con.execute(f"SELECT * FROM silver.{d}").pl() for d in ("dim_students", "dim_tutors")
        }
    finally:
        con.close()
    counts = dict(err.group_by("reason_code").len().iter_rows())
    assert counts["ERR_RATE_UNITS"] >= 1 and counts["ERR_MALFORMED_DATE"] >= 1
    assert counts["DUPLICATE_EMISSION"] >= 1
    for versions in dims.values():
        highest = versions["contract_rate"].max()
        assert isinstance(highest, float) and highest < 1000
        assert versions["date_of_birth"].null_count() == 0
