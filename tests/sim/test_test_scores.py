"""Practice test scores as the simulator lands them: test-prep students at enrollment and
every four weeks, around their level plus their tutor's gain per week."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from sim.test_scores import student_level, tutor_gain

from .conftest import SEED


def test_scores_follow_enrollment_and_the_tutors_gain(sim_lake):
    pristine = sim_lake.pristine_sessions().with_columns(day=pl.col("stamp").dt.date())
    checked = 0
    for day in sim_lake.days:
        path = sim_lake.raw("test_scores", day + timedelta(days=1), "test_scores_delta")
        raw = pl.read_csv(path, infer_schema=False).unique(maintain_order=True)
        enrolled = sim_lake.snapshot(day, "students").select("student_id", "enrolled_on")
        iso = raw.filter(pl.col("test_date") == day.isoformat()).with_columns(
            pl.col("student_id").cast(pl.Int64), pl.col("score").cast(pl.Int64)
        )
        assert iso.height + raw.filter(pl.col("test_date").str.contains("/")).height == raw.height
        rows = iso.join(pristine.filter(pl.col("day") == day), on="student_id").join(
            enrolled, on="student_id"
        )
        # a completed test-prep session on a four-week mark of the enrollment
        assert rows.height == iso.height
        assert ((rows["subject_id"] == 1) & (rows["status"] == 0)).all()
        days_in = np.array([(day - e).days for e in rows["enrolled_on"]])
        assert (days_in % 28 == 0).all()
        valid = rows.filter(pl.col("score").is_between(400, 1600))
        expected = student_level(SEED, valid["student_id"].to_numpy()) + tutor_gain(
            SEED, valid["tutor_id"].to_numpy()
        ) * (days_in[(rows["score"] <= 1600).to_numpy()] // 7)
        assert (np.abs(valid["score"].to_numpy() - np.clip(expected, 400, 1600)) <= 130).all()
        assert (rows.filter(pl.col("score") > 1600)["score"] % 100 == 0).all()  # x10 rows
        checked += valid.height
    assert checked >= 20
