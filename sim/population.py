"""Who the business serves and employs: schemas and vectorized creation of students, their
enrollments (tutor, subject, duration, school year) and tutors (docs/simulator.md), with the
shares and prices of the scenario."""

from __future__ import annotations

import numpy as np

from sim import names
from sim.calendar import (
    DAY_SECONDS,
    HOUR_SECONDS,
    day_date,
    days_of,
    school_year_end,
    semester_end,
)
from sim.scenario import Scenario
from sim.table import Columns

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
    "may_return": np.bool_,  # returnable after a random quit (a share of school-work enrollments)
    "returnable": np.bool_,
    "tutor": np.int64,  # current (or last) enrollment
    "subject": np.int8,
    "duration": np.float64,
    "first_day": np.int64,
    "first_hour": np.int8,
    "last_day": np.int64,
    "school_end": np.int64,
    "extra_on": np.int64,  # day of the latest extra session of a burst week (0: none)
    "enrollments": np.int16,
    "college": np.bool_,  # the college segment (grades 13+, semester calendar, own subjects)
}

TUTOR_SCHEMA: dict[str, type] = {
    "first_name": object,
    "last_name": object,
    "sex": np.int8,
    "dob": np.int64,
    "rate": np.int16,
    "load": np.int64,  # active_students
    "taught": np.int64,  # completed sessions so far (the `sessions` raise policy)
    "created": np.int64,
    "updated": np.int64,
    "status": np.int8,  # TUTOR_STATUSES
    "leaves_on": np.int64,  # day number of the departure of a tutor on notice, else 0
}
TUTOR_STATUSES = ("Active", "Leaving", "Departed")
"""A tutor's status: working; on notice (takes no new students); gone (has no students)."""
ACTIVE, LEAVING, DEPARTED = range(3)

TUTOR_CAP = 30
"""A tutor takes at most this many active students."""
OPENING_STUDENTS = 28
"""Students of the opening week (times the scale)."""

_GIRLS = np.array(names.GIRL_NAMES, dtype=object)
_BOYS = np.array(names.BOY_NAMES, dtype=object)
_LAST = np.array(names.LAST_NAMES, dtype=object)

# cumulative probabilities, picked with searchsorted over uniform draws
DURATION_CUM = np.array([0.9, 0.95])
DURATIONS = np.array([1.0, 1.5, 2.0])


def cumulative(shares: tuple[float, ...]) -> np.ndarray:
    """Cumulative probabilities of categories with these shares, for `pick` (the last implied;
    rounded so that shares such as 0.3 + 0.4 give exactly 0.7)."""
    return np.round(np.cumsum(shares[:-1]), 12)


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
    subject_cum: np.ndarray,
    returnable_share: float,
) -> dict[str, np.ndarray]:
    """Subject, the returnable-after-quit flag and the school-year end of enrollments starting
    on `day`; a test-prep enrollment is never returnable."""
    n = len(cutoff_month)
    subject = draw_subjects(rng, n, subject_cum)
    may_return = (subject != 1) & (rng.random(n) < returnable_share)
    start = np.full(n, day, np.int64)
    return {
        "subject": subject,
        "may_return": may_return,
        "first_day": start,
        "last_day": start,
        "school_end": school_year_end(start, cutoff_month, cutoff_day),
    }


def new_students(
    rng: np.random.Generator,
    scenario: Scenario,
    day: int,
    n: int,
    created: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """`n` new students signing up on `day` with their first enrollment (tutor left at -1),
    at the list price of the day.

    Each gets a session hour 13:00-18:00; `created` defaults to that hour on the day.
    """
    signup_day = day_date(day)
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
    enrollment = draw_enrollment(
        rng,
        day,
        cutoff_month,
        cutoff_day,
        cumulative(scenario.students.new_subject_shares),
        scenario.students.returnable_share,
    )
    if created is None:
        created = day * DAY_SECONDS + hour.astype(np.int64) * HOUR_SECONDS
    return {
        "first_name": first,
        "last_name": last,
        "sex": male.astype(np.int8),
        "dob": dob,
        "grade": grade,
        "active": np.ones(n, np.bool_),
        "rate": np.full(n, scenario.prices.rate_on(signup_day), np.int16),
        "created": created,
        "updated": created.copy(),
        "cutoff_month": cutoff_month,
        "cutoff_day": cutoff_day,
        "start_month": start_month,
        "returnable": np.zeros(n, np.bool_),
        "tutor": np.full(n, -1, np.int64),
        "duration": duration,
        "first_hour": hour,
        "extra_on": np.zeros(n, np.int64),
        "enrollments": np.ones(n, np.int16),
        "college": np.zeros(n, np.bool_),
        **enrollment,
    }


def make_college(
    rng: np.random.Generator, scenario: Scenario, day: int, rows: dict[str, np.ndarray]
) -> None:
    """Turn the college share of new students (`rows`, signing up on `day`) into college
    students: a college year, its own subject mix and semester calendar, the premium rate.
    Draws come from the segment's own generator, so a scenario without college students
    draws exactly what it did before the segment existed."""
    c = scenario.college
    n = len(rows["grade"])
    ids = np.flatnonzero(rng.random(n) < c.share)
    k = len(ids)
    if not k:
        return
    grade = rng.integers(c.grades[0], c.grades[1] + 1, k).astype(np.int8)
    birth_year = day_date(day).year - (grade.astype(np.int64) + 6)
    rows["college"][ids] = True
    rows["grade"][ids] = grade
    rows["dob"][ids] = days_of(birth_year, rng.integers(1, 13, k), rng.integers(1, 29, k))
    rows["rate"][ids] += c.rate_premium
    college_enrollment(rng, scenario, rows, ids)


def college_enrollment(
    rng: np.random.Generator,
    scenario: Scenario,
    rows: dict[str, np.ndarray] | Columns,
    ids: np.ndarray,
) -> None:
    """Subject, returnability and semester end of the enrollments of college students `ids`
    starting on their `first_day` (overriding what was drawn for school students)."""
    c = scenario.college
    k = len(ids)
    subject = draw_subjects(rng, k, cumulative(c.subject_shares))
    rows["subject"][ids] = subject
    rows["may_return"][ids] = (subject != 1) & (rng.random(k) < scenario.students.returnable_share)
    rows["school_end"][ids] = semester_end(rows["first_day"][ids], c.end_dates())


def new_tutors(
    rng: np.random.Generator, day: int, n: int, rates: tuple[int, ...]
) -> dict[str, np.ndarray]:
    """`n` hired tutors: age 20-49, a rate drawn from `rates`, sex 50/50 (load and times set
    by the caller)."""
    age = rng.integers(20, 50, n)
    male = rng.random(n) < 0.5
    first, last = draw_names(rng, male)
    return {
        "first_name": first,
        "last_name": last,
        "sex": male.astype(np.int8),
        "dob": day - 365 * age - rng.integers(0, 601, n),
        "rate": np.array(rates, np.int16)[rng.integers(0, len(rates), n)],
        "load": np.zeros(n, np.int64),
        "taught": np.zeros(n, np.int64),
        "created": np.zeros(n, np.int64),
        "updated": np.zeros(n, np.int64),
        "status": np.zeros(n, np.int8),
        "leaves_on": np.zeros(n, np.int64),
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
        "taught": np.array([0], np.int64),
        "created": np.array([created], np.int64),
        "updated": np.array([created], np.int64),
        "status": np.array([ACTIVE], np.int8),
        "leaves_on": np.array([0], np.int64),
    }
