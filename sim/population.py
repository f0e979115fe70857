"""Who the business serves and employs: schemas and vectorized creation of students, their
enrollments (tutor, subject, duration, school year) and tutors (docs/simulator.md)."""

from __future__ import annotations

from datetime import date

import numpy as np

from sim import names
from sim.calendar import DAY_SECONDS, HOUR_SECONDS, days_of, school_year_end, student_rate

STUDENT_SCHEMA: dict[str, type] = {
    "first_name": object,
    "last_name": object,
    "sex": np.int8,  # 0 = F, 1 = M
    "dob": np.int64,  # day number
    "grade": np.int8,
    "active": np.bool_,
    "rate": np.int16,
    "created": np.int64,  # epoch seconds
    "updated": np.int64,
    "cutoff_month": np.int8,  # school-year end (May or June, day 1-29)
    "cutoff_day": np.int8,
    "start_month": np.int8,  # school-year start month (Sep-Nov): returns happen then
    "flag40": np.bool_,  # returnable after a random quit (40% of school-work enrollments)
    "returnable": np.bool_,
    "tutor": np.int64,  # current (or last) enrollment
    "subject": np.int8,
    "duration": np.float64,
    "first_day": np.int64,
    "first_hour": np.int8,
    "last_day": np.int64,
    "school_end": np.int64,
    "enrollments": np.int16,
}

TUTOR_SCHEMA: dict[str, type] = {
    "first_name": object,
    "last_name": object,
    "sex": np.int8,
    "dob": np.int64,
    "rate": np.int16,
    "load": np.int64,  # active_students
    "created": np.int64,
    "updated": np.int64,
}

TUTOR_CAP = 30
"""A tutor takes at most this many active students."""
OPENING_STUDENTS = 28
"""Students of the opening week (times the scale)."""

_GIRLS = np.array(names.GIRL_NAMES, dtype=object)
_BOYS = np.array(names.BOY_NAMES, dtype=object)
_LAST = np.array(names.LAST_NAMES, dtype=object)

# cumulative probabilities, picked with searchsorted over uniform draws
NEW_SUBJECT_CUM = np.array([0.3, 0.7, 0.9])  # test prep / math / science-language / arts-social
RETURN_SUBJECT_CUM = np.array([0.2, 0.7, 0.9])
DURATION_CUM = np.array([0.9, 0.95])
DURATIONS = np.array([1.0, 1.5, 2.0])
TUTOR_RATES = np.array([30, 35, 40, 45, 50], dtype=np.int16)


def pick(rng: np.random.Generator, cumulative: np.ndarray, n: int) -> np.ndarray:
    """Category index per draw for the given cumulative probabilities (last one implied)."""
    return np.searchsorted(cumulative, rng.random(n), side="right")


def draw_names(rng: np.random.Generator, male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(male)
    first = np.where(
        male, _BOYS[rng.integers(0, len(_BOYS), n)], _GIRLS[rng.integers(0, len(_GIRLS), n)]
    )
    return first, _LAST[rng.integers(0, len(_LAST), n)]


def draw_subjects(rng: np.random.Generator, n: int, cumulative: np.ndarray) -> np.ndarray:
    """Subject ids: 1 test prep, 2 math, 3|4 science or foreign language, 5|6 arts or social."""
    group = pick(rng, cumulative, n)
    coin = rng.integers(0, 2, n)
    return np.choose(group, [np.ones(n), np.full(n, 2), 3 + coin, 5 + coin]).astype(np.int8)


def draw_enrollment(
    rng: np.random.Generator,
    day: int,
    cutoff_month: np.ndarray,
    cutoff_day: np.ndarray,
    cumulative: np.ndarray,
) -> dict[str, np.ndarray]:
    """Subject, the returnable-after-quit flag and the school-year end of enrollments starting
    on `day`; a test-prep enrollment is never returnable."""
    n = len(cutoff_month)
    subject = draw_subjects(rng, n, cumulative)
    flag40 = (subject != 1) & (rng.random(n) < 0.4)
    start = np.full(n, day, np.int64)
    return {
        "subject": subject,
        "flag40": flag40,
        "first_day": start,
        "last_day": start,
        "school_end": school_year_end(start, cutoff_month, cutoff_day),
    }


def new_students(
    rng: np.random.Generator, signup_day: date, day: int, n: int, created: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """`n` new students signing up on `day` with their first enrollment (tutor left at -1).

    Each gets a session hour 13:00-18:00; `created` defaults to that hour on the day.
    """
    grade = np.where(
        rng.random(n) < 0.25, 6 + rng.integers(0, 2, n), 9 + rng.integers(0, 3, n)
    ).astype(np.int8)
    hour = (13 + rng.integers(0, 6, n)).astype(np.int8)
    male = rng.random(n) < 0.39
    first, last = draw_names(rng, male)
    birth_year = signup_day.year - (grade.astype(np.int64) + 6)
    dob = days_of(birth_year, rng.integers(1, 13, n), rng.integers(1, 29, n))
    cutoff_month = (5 + rng.integers(0, 2, n)).astype(np.int8)
    cutoff_day = (1 + rng.integers(0, 29, n)).astype(np.int8)
    start_month = (9 + rng.integers(0, 3, n)).astype(np.int8)
    duration = DURATIONS[pick(rng, DURATION_CUM, n)]
    enrollment = draw_enrollment(rng, day, cutoff_month, cutoff_day, NEW_SUBJECT_CUM)
    if created is None:
        created = day * DAY_SECONDS + hour.astype(np.int64) * HOUR_SECONDS
    return {
        "first_name": first,
        "last_name": last,
        "sex": male.astype(np.int8),
        "dob": dob,
        "grade": grade,
        "active": np.ones(n, np.bool_),
        "rate": np.full(n, student_rate(signup_day), np.int16),
        "created": created,
        "updated": created.copy(),
        "cutoff_month": cutoff_month,
        "cutoff_day": cutoff_day,
        "start_month": start_month,
        "returnable": np.zeros(n, np.bool_),
        "tutor": np.full(n, -1, np.int64),
        "duration": duration,
        "first_hour": hour,
        "enrollments": np.ones(n, np.int16),
        **enrollment,
    }


def new_tutors(rng: np.random.Generator, day: int, n: int) -> dict[str, np.ndarray]:
    """`n` hired tutors: age 20-49, rate 30-50, sex 50/50 (load and times set by the caller)."""
    age = rng.integers(20, 50, n)
    male = rng.random(n) < 0.5
    first, last = draw_names(rng, male)
    return {
        "first_name": first,
        "last_name": last,
        "sex": male.astype(np.int8),
        "dob": day - 365 * age - rng.integers(0, 601, n),
        "rate": TUTOR_RATES[rng.integers(0, len(TUTOR_RATES), n)],
        "load": np.zeros(n, np.int64),
        "created": np.zeros(n, np.int64),
        "updated": np.zeros(n, np.int64),
    }


def owner(created: int) -> dict[str, np.ndarray]:
    """Tutor 0: the owner, rate 0."""
    dob = int(np.datetime64(names.OWNER["date_of_birth"], "D").astype(np.int64))
    return {
        "first_name": np.array([names.OWNER["first_name"]], object),
        "last_name": np.array([names.OWNER["last_name"]], object),
        "sex": np.array([1], np.int8),
        "dob": np.array([dob], np.int64),
        "rate": np.array([0], np.int16),
        "load": np.array([0], np.int64),
        "created": np.array([created], np.int64),
        "updated": np.array([created], np.int64),
    }
