"""Contractor churn in the simulator: notices, departures, and where the students go."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from sim.api import simulate_day, simulate_history

from .conftest import SimLake, read_parquet, settings_for

START = date(2025, 12, 31)
DAYS = 20


def churn_lake(tmp_path: Path, replace: bool) -> SimLake:
    from lakehouse.lake.storage import open_storage

    scenario = tmp_path / "churn.toml"
    scenario.write_text(
        "[tutors]\ndeparture_probability = 0.9\nnotice_days = 2\n"
        f"replace_departed = {str(replace).lower()}\n",
        encoding="utf-8",
    )
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=3, until=START - timedelta(days=1), scenario=scenario)
    days = [START + timedelta(days=i) for i in range(DAYS)]
    for day in days:
        simulate_day(settings, day)
    return SimLake(settings, open_storage(settings), tmp_path / "lake", days)


@pytest.mark.parametrize("replace", [True, False], ids=["replaced", "paused"])
def test_a_departed_tutors_students_move_or_pause(tmp_path: Path, replace: bool):
    lake = churn_lake(tmp_path, replace)
    after = lake.snapshot(lake.days[-1], "tutors")
    gone = after.filter(pl.col("status") == "Departed")
    assert gone.height >= 2 and (gone["active_students"] == 0).all()
    students = lake.snapshot(lake.days[-1], "students")
    # nobody is with a departed tutor, and nobody on notice got a new student
    active = students.filter(pl.col("status") == "Active")
    assert not active["tutor_id"].is_in(gone["tutor_id"].implode()).any()
    sessions = pl.concat(
        [read_parquet(lake.storage, f"sim/state/sessions/batch={d}/sessions.parquet")
         for d in lake.days]
    )  # fmt: skip
    for tutor_id, left in gone.select("tutor_id", "updated").iter_rows():
        assert (sessions.filter(pl.col("tutor_id") == tutor_id)["stamp"] < left).all()
    # a hire for a departure's students is created at its 00:00
    departure_hires = after.filter(
        (pl.col("created").dt.time() == pl.time(0))
        & pl.col("created").dt.date().is_in(gone["updated"].dt.date().implode())
    )
    paused = students.filter(
        (pl.col("status") == "Inactive")
        & (pl.col("updated").dt.time() == pl.time(0))
        & pl.col("updated").dt.date().is_in(gone["updated"].dt.date().implode())
    )
    if replace:
        assert paused.height == 0
    else:  # no hire when a tutor leaves: who does not fit pauses, and may come back
        assert paused.height >= 1 and paused["returnable"].all()
        assert departure_hires.height == 0
