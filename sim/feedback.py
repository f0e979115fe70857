"""Client feedback on sessions: a rating 1-5 and an optional comment, landed daily.

A share of the day's completed sessions get feedback that evening. Each tutor has a quality
(the mean rating their clients give, drawn once per seed and tutor), each rating is that
quality plus noise, rounded and clipped to 1-5. Draws come from the day's feedback stream, so
scenarios without feedback draw exactly what they drew before it existed. Corruption: a
share of the rows is written with a rating out of range (0 or 6) or submitted twice (the
client changed the rating: the copy comes later, with the new rating).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sim.calendar import HOUR_SECONDS
from sim.scenario import Feedback
from sim.world import FEEDBACK_STREAM, day_rng

COMMENTS = np.array(
    [
        "Great session, very clear explanations.",
        "Helpful, but we ran out of time.",
        "My child finally understands the topic.",
        "Tutor was late to start.",
        "Good practice problems.",
        "Too fast for us, please slow down.",
        "Excellent preparation for the test.",
        "Friendly and patient.",
    ],
    dtype=object,
)
FEEDBACK_MODES = ("out_of_range", "resubmitted")


def tutor_quality(seed: int, tutors: int) -> np.ndarray:
    """Mean rating of each tutor id below `tutors` (stable for a seed: the first n of one draw)."""
    return np.random.default_rng([seed, FEEDBACK_STREAM]).uniform(3.0, 4.8, max(tutors, 1024))[
        :tutors
    ]


def feedback_frame(
    seed: int, day: date, sessions: dict[str, np.ndarray], knobs: Feedback
) -> pl.DataFrame:
    """The feedback rows of business day `day` for its clean `sessions`, corrupted as planned
    (without the batch columns); empty when the scenario has no feedback."""
    rng = day_rng(seed, day, FEEDBACK_STREAM)
    n = len(sessions["session_id"])
    given = (rng.random(n) < knobs.share) & (sessions["status"] == 0)
    noise = rng.normal(0.0, 0.9, n)
    delay = rng.integers(1 * HOUR_SECONDS, 5 * HOUR_SECONDS, n)
    commented = rng.random(n) < knobs.comment_share
    comment = COMMENTS[rng.integers(0, len(COMMENTS), n)]
    corrupt = rng.random(n) < knobs.corrupt_rate
    mode = np.where(corrupt, rng.integers(0, len(FEEDBACK_MODES), n), -1)
    changed = rng.integers(1, 6, n)
    wrong = np.where(rng.random(n) < 0.5, 0, 6)
    tutor = sessions["tutor_id"]
    quality = tutor_quality(seed, int(tutor.max()) + 1 if n else 1)[tutor] if n else noise
    rating = np.clip(np.rint(quality + noise), 1, 5).astype(np.int64)
    rating = np.where(mode == 0, wrong, rating)
    submitted = sessions["stamp"] + (sessions["duration"] * HOUR_SECONDS).astype(np.int64) + delay
    rows = pl.DataFrame(
        {
            "session_id": sessions["session_id"].astype(np.int64),
            "rating": rating,
            "comment": pl.Series(comment.tolist(), dtype=pl.String).set(
                pl.Series(~commented), None
            ),
            "submitted": pl.from_epoch(pl.Series(submitted, dtype=pl.Int64), time_unit="s"),
        }
    ).filter(pl.Series(given))
    again = pl.Series((mode == 1)[given])
    copies = rows.filter(again).with_columns(
        rating=pl.Series(changed[given][again.to_numpy()], dtype=pl.Int64),
        submitted=pl.col("submitted") + pl.duration(minutes=30),
    )
    return pl.concat([rows, copies])
