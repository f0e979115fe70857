"""Contractor churn through the whole chain: a scenario where tutors give notice often (half
of them a month, three days' notice), simulated, ingested and materialized. Departed tutors'
students continue with other tutors; silver keeps each status change as a tutor version;
gold ends a departed tutor's months with the departure."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.gold.materialize import materialize
from lakehouse.lake.catalog import open_catalog
from lakehouse.lake.storage import init_lake, open_storage
from lakehouse.silver.ingest import ingest_pending
from sim import state
from sim.api import simulate_day, simulate_history

HISTORY_END = date(2025, 12, 30)
DAYS = 16


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root: Path = tmp_path_factory.mktemp("churn")
    scenario = root / "churn.toml"
    scenario.write_text(
        "[tutors]\ndeparture_probability = 0.5\nnotice_days = 3\n", encoding="utf-8"
    )
    settings = load_settings(environ={}, overrides={"lake": str(root / "lake")})
    init_lake(settings)
    simulate_history(settings, seed=5, until=HISTORY_END, scenario=scenario)
    for i in range(1, DAYS + 1):
        simulate_day(settings, HISTORY_END + timedelta(days=i))
    ingest_pending(settings)
    materialize(settings)
    return settings


def _read(settings: Settings, sql: str) -> pl.DataFrame:
    con = open_catalog(settings)
    try:
        return con.execute(sql).pl()
    finally:
        con.close()


def test_departed_tutors_students_continue_with_another(lake: Settings):
    departed = _read(
        lake,
        """SELECT tutor_id, min(effective_start_ts) AS left_ts FROM silver.dim_tutors
           WHERE status = 'Departed' GROUP BY ALL""",
    )
    assert departed.height >= 1
    sessions = _read(lake, "SELECT student_id, tutor_id, session_ts FROM silver.fct_sessions")
    continued = 0
    for tutor_id, left_ts in departed.iter_rows():
        # nobody has a session with a tutor after the tutor left
        mine = sessions.filter(pl.col("tutor_id") == tutor_id)
        assert (mine["session_ts"] < left_ts).all(), tutor_id
        # the students they had in their last week go on, each with one other tutor
        last_week = mine.filter(pl.col("session_ts") >= left_ts - timedelta(days=7))
        after = sessions.join(last_week.select("student_id").unique(), on="student_id").filter(
            pl.col("session_ts") >= left_ts
        )
        assert (after["tutor_id"] != tutor_id).all()
        continued += after["student_id"].n_unique()
    assert continued >= 5
    util = _read(lake, "SELECT * FROM gold.contractor_utilization")
    for tutor_id, left_ts in departed.iter_rows():
        rows = util.filter(pl.col("tutor_id") == tutor_id)
        assert (rows["tutor_status"] == "Departed").all()
        assert rows["month_start"].max() == left_ts.date().replace(day=1), tutor_id
    busiest = util["active_students"].max()
    assert isinstance(busiest, int) and busiest <= 30


def test_each_status_change_is_a_tutor_version(lake: Settings):
    """Silver's current tutor status equals the simulator's at the last day, and a departed
    tutor went Active -> Leaving -> Departed."""
    storage = open_storage(lake)
    last = HISTORY_END + timedelta(days=DAYS)
    snap = pl.read_parquet(
        io.BytesIO(storage.read_bytes(f"{state.snapshot_prefix(last)}/tutors.parquet"))
    )
    current = _read(lake, "SELECT tutor_id, status FROM silver.dim_tutors WHERE is_current")
    assert current.sort("tutor_id").equals(snap.select("tutor_id", "status").sort("tutor_id"))
    versions = _read(
        lake,
        """SELECT tutor_id, list(status ORDER BY effective_start_ts) AS statuses
           FROM silver.dim_tutors GROUP BY ALL""",
    )
    for statuses in versions.filter(pl.col("statuses").list.contains("Departed"))["statuses"]:
        distinct = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
        assert distinct == ["Active", "Leaving", "Departed"], statuses
        assert statuses[-1] == "Departed"
