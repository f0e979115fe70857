"""Practice test scores of test-prep students, landed daily.

A test-prep student takes a practice SAT at the first session of an enrollment (the baseline)
and every four weeks after, at a completed weekly session. The score is the student's own
level plus what their tutor adds per week of preparation, plus noise, in steps of 10 within
400-1600. Levels and gains come from a hash of the ids (stable for a seed, no state to keep);
the noise and the corruption from the day's test-score stream. Corruption: a share of the
rows is written with the score x10 (out of range), the date as M/D/YYYY, or twice.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sim.calendar import DAY_SECONDS
from sim.scenario import TestScores
from sim.world import TEST_SCORE_STREAM, day_rng

TEST_NAME = "SAT practice"
SCORE_MODES = ("score_x10", "us_date", "duplicated")


def _unit(ids: np.ndarray, seed: int, salt: int) -> np.ndarray:
    """A number in [0, 1) per id, fixed for a seed (a multiplicative hash, vectorized)."""
    mixed = (ids.astype(np.uint64) * np.uint64(2654435761) + np.uint64(seed * 97 + salt)) % (
        np.uint64(2**32)
    )
    return mixed.astype(np.float64) / 2**32


def student_level(seed: int, students: np.ndarray) -> np.ndarray:
    return 850 + 350 * _unit(students, seed, 1)


def tutor_gain(seed: int, tutors: np.ndarray) -> np.ndarray:
    """Points a week of preparation with the tutor adds (5-25)."""
    return 5 + 20 * _unit(tutors, seed, 2)


def scores_frame(
    seed: int,
    day: date,
    sessions: dict[str, np.ndarray],
    first_day: np.ndarray,
    knobs: TestScores,
) -> pl.DataFrame:
    """The test-score rows of business day `day` (without the batch columns): the day's
    completed test-prep sessions that fall on a four-week mark of their enrollment
    (`first_day`: each session's enrollment start, a day number)."""
    rng = day_rng(seed, day, TEST_SCORE_STREAM)
    n = len(sessions["session_id"])
    noise = rng.normal(0.0, 30.0, n)
    corrupt = rng.random(n) < knobs.corrupt_rate
    mode = np.where(corrupt, rng.integers(0, len(SCORE_MODES), n), -1)
    d = sessions["stamp"] // DAY_SECONDS
    weeks = (d - first_day) // 7
    taken = (sessions["subject_id"] == 1) & (sessions["status"] == 0) & ((d - first_day) % 28 == 0)
    level = student_level(seed, sessions["student_id"])
    gain = tutor_gain(seed, sessions["tutor_id"])
    score = np.clip(np.rint((level + gain * weeks + noise) / 10) * 10, 400, 1600).astype(np.int64)
    score = np.where(mode == 0, score * 10, score)
    iso = day.isoformat()
    us = f"{day.month}/{day.day}/{day.year}"
    rows = pl.DataFrame(
        {
            "student_id": sessions["student_id"].astype(np.int64),
            "test": pl.Series([TEST_NAME] * n, dtype=pl.String),
            "test_date": pl.Series(np.where(mode == 1, us, iso).tolist(), dtype=pl.String),
            "score": score,
        }
    ).filter(pl.Series(taken))
    return pl.concat([rows, rows.filter(pl.Series((mode == 2)[taken]))])
