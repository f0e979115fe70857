"""The simulator's state: the scenario, students, tutors and counters, plus the two working
sets the daily step needs (active students, and students who may return), kept sorted by id
so a state saved and loaded continues exactly as one kept in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from sim.calendar import day_date
from sim.population import STUDENT_SCHEMA, TUTOR_SCHEMA
from sim.scenario import Scenario
from sim.table import Columns

SIMULATE_STREAM = 0
"""RNG stream of the business itself (sign-ups, sessions, churn, returns, hires)."""
LAND_STREAM = 1
"""RNG stream of landing a daily batch (corruption, duplication, ingest-time jitter)."""
BURST_STREAM = 2
"""RNG stream of the extra sessions of burst weeks (its own, so a scenario without bursts
draws exactly what it drew before they existed)."""
COLLEGE_STREAM = 3
"""RNG stream of the college segment (who is a college student, their year and subject)."""
CHURN_STREAM = 4
"""RNG stream of contractor churn (notices, and where a departed tutor's students go)."""
FEEDBACK_STREAM = 5
"""RNG stream of client feedback (who rates, the rating, the comment, its corruption)."""
TEST_SCORE_STREAM = 6
"""RNG stream of practice test scores (their noise and corruption)."""


def day_rng(seed: int, day: date, stream: int = SIMULATE_STREAM) -> np.random.Generator:
    """The generator for one business day: derived from (seed, day, stream) alone, so any day
    can be re-simulated from the state before it and gives the same draws."""
    return np.random.default_rng([seed, day.toordinal(), stream])


def last_grade(scenario: Scenario, college: np.ndarray) -> np.ndarray:
    """The grade after which a student never returns: 12 at school, the last college year."""
    return np.where(college, scenario.college.grades[1], 12)


@dataclass
class World:
    seed: int
    scale: float
    day: int
    """Last simulated business day (day number)."""
    next_session_id: int
    scenario: Scenario
    students: Columns = field(default_factory=lambda: Columns(STUDENT_SCHEMA))
    tutors: Columns = field(default_factory=lambda: Columns(TUTOR_SCHEMA))
    active_ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    candidates: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def last_date(self) -> date:
        return day_date(self.day)

    def refresh_sets(self) -> None:
        """Derive the working sets from the columns (after loading a saved state)."""
        s = self.students
        self.active_ids = np.flatnonzero(s["active"]).astype(np.int64)
        may = (
            ~s["active"] & s["returnable"] & (s["grade"] < last_grade(self.scenario, s["college"]))
        )
        self.candidates = np.flatnonzero(may).astype(np.int64)
