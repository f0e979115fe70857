"""The college segment of the default scenario (shared lake): its share of sign-ups, grades,
subjects, price, and the semester calendar it follows."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.calendar import day_number, semester_end
from sim.scenario import load_scenario

COLLEGE = load_scenario("default").college


@pytest.fixture(scope="module")
def students(sim_lake) -> pl.DataFrame:
    return sim_lake.snapshot(sim_lake.days[-1], "students")


@pytest.fixture(scope="module")
def enrollments(sim_lake, students) -> pl.DataFrame:
    """Weekly runs of college students: start, last session, and the semester end computed
    here from the start."""
    runs = (
        sim_lake.pristine_sessions()
        .filter(~pl.col("is_extra"))
        .join(students.filter(pl.col("is_college")).select("student_id"), on="student_id")
        .with_columns(day=pl.col("stamp").dt.date())
        .sort("student_id", "stamp")
        .with_columns(gap=(pl.col("day") - pl.col("day").shift(1)).dt.total_days().over("student_id"))
        .with_columns(run=(pl.col("gap").is_null() | (pl.col("gap") != 7)).cum_sum().over("student_id"))
        .group_by("student_id", "run")
        .agg(start=pl.col("day").min(), last=pl.col("day").max(), subject=pl.col("subject_id").first())
    )  # fmt: skip
    start = np.array([day_number(d) for d in runs["start"].to_list()])
    ends = semester_end(start, COLLEGE.end_dates()).astype("datetime64[D]")
    return runs.with_columns(end=pl.Series(ends).cast(pl.Date))


def test_a_share_of_sign_ups_are_college_students_in_college_years(students):
    signed_up = students.filter(pl.col("created") > pl.datetime(2021, 8, 25))
    assert signed_up["is_college"].mean() == pytest.approx(COLLEGE.share, abs=0.03)
    college = students.filter(pl.col("is_college"))
    assert college["grade"].is_between(*COLLEGE.grades).all()
    school = students.filter(~pl.col("is_college"))
    assert school["grade"].max() == 12
    age = college["created"].dt.year() - college["date_of_birth"].dt.year()
    # age grade + 6 at sign-up; the grade has since gone up once per September return
    assert (age - 6 <= college["grade"]).all()


def test_college_subjects_follow_their_own_mix(enrollments):
    assert not (enrollments["subject"] == 1).any()  # no test prep
    group = enrollments.with_columns(
        g=pl.col("subject").replace_strict({2: 1, 3: 2, 4: 2, 5: 3, 6: 3})
    )["g"]
    for g, expected in enumerate(COLLEGE.subject_shares[1:], start=1):
        assert (group == g).mean() == pytest.approx(expected, abs=0.07), g


def test_enrollments_run_to_the_end_of_their_semester(enrollments, sim_lake):
    """The last session of a finished enrollment is at most a week after its semester end
    (the first weekly check past it quits); most run to it (random churn ends the rest)."""
    done = enrollments.filter(pl.col("end") < sim_lake.days[-1])
    past = (done["last"] - done["end"]).dt.total_days()
    assert past.max() <= 7
    assert (past > -7).mean() > 0.75
    # so the semesters show: no college session between a semester's end and the next start
    assert done.height > 150


def test_college_students_return_in_january_or_september(enrollments):
    returns = enrollments.filter(pl.col("run") > 1)
    assert returns.height > 50
    assert set(returns["start"].dt.month().unique()) <= {1, 9}
    assert returns.filter(pl.col("start").dt.month() == 1).height > 10


def test_college_prices_carry_the_premium(students):
    college = students.filter(pl.col("is_college") & (pl.col("status") == "Active"))
    # everyone active was repriced at 2026-01-01 or signed up after: $130 + $30
    assert college["contract_rate"].unique().to_list() == [160]
