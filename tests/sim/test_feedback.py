"""Client feedback as the simulator lands it: ratings of the day's completed sessions, each
tutor's ratings around their own quality, and the two corruption modes."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from sim.feedback import tutor_quality

from .conftest import SEED


def test_feedback_rates_the_days_completed_sessions(sim_lake):
    pristine = sim_lake.pristine_sessions()
    frames = []
    for day in sim_lake.days:
        path = sim_lake.raw("feedback", day + timedelta(days=1), "feedback_delta")
        raw = pl.read_csv(path, schema_overrides={"submitted": pl.Datetime})
        assert (raw["source_batch_id"] == f"sim_{day + timedelta(days=1)}").all()
        frames.append(raw)
    raw = pl.concat(frames)
    rated = raw.join(pristine, on="session_id", how="left")
    # every rating is of a completed session, submitted after it ended
    assert (rated["status"] == 0).all()
    ended = rated.select(
        pl.col("stamp") + pl.duration(seconds=(pl.col("duration") * 3600).cast(pl.Int64))
    ).to_series()
    assert (rated["submitted"] >= ended).all()
    out_of_range = raw.filter(~pl.col("rating").is_between(1, 5))
    assert out_of_range["rating"].is_in([0, 6]).all() and out_of_range.height >= 1
    # a session rated twice: the second row comes 30 minutes after the first
    twice = raw.filter(pl.col("session_id").is_duplicated()).sort("session_id", "submitted")
    assert twice.height >= 2
    gaps = twice.group_by("session_id").agg(pl.col("submitted").diff().drop_nulls().first())
    assert (gaps["submitted"] == timedelta(minutes=30)).all()
    # share of completed sessions rated: about the default's 30%
    completed = pristine.filter(pl.col("status") == 0).join(
        raw.select("session_id").unique(), on="session_id", how="semi"
    )
    daily = pristine.filter(
        (pl.col("status") == 0) & (pl.col("stamp").dt.date() >= sim_lake.days[0])
    )
    assert 0.25 < completed.height / daily.height < 0.35
    # ratings follow the tutor's quality (its mean, as rounding and clipping to 1-5 bend it)
    noise = np.random.default_rng(0).normal(0.0, 0.9, 200_000)
    clean = rated.filter(pl.col("rating").is_between(1, 5))
    means = (
        clean.group_by("tutor_id")
        .agg(pl.col("rating").mean(), pl.len())
        .filter(pl.col("len") >= 30)
    )
    last_tutor = means["tutor_id"].max()
    assert isinstance(last_tutor, int)
    quality = tutor_quality(SEED, last_tutor + 1)
    for tutor_id, mean, n in means.iter_rows():
        expected = np.clip(np.rint(quality[tutor_id] + noise), 1, 5).mean()
        assert abs(mean - expected) < 4 / n**0.5, tutor_id
