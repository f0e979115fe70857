"""The simulated business behaves as docs/simulator.md says, measured on the simulated data of
the shared lake (full history at scale 1 plus three weeks of daily steps)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from sim.calendar import day_number, school_year_end


@pytest.fixture(scope="module")
def sessions(sim_lake) -> pl.DataFrame:
    """Pristine weekly sessions with their day, the gap to the student's previous session and
    the enrollment (run of weekly sessions) they belong to. The extra sessions of burst weeks
    are left out (tests/sim/test_bursts.py checks them against these)."""
    return (
        sim_lake.pristine_sessions()
        .filter(~pl.col("is_extra"))
        .with_columns(day=pl.col("stamp").dt.date(), hour=pl.col("stamp").dt.hour())
        .sort("student_id", "stamp")
        .with_columns(
            gap=(pl.col("day") - pl.col("day").shift(1)).dt.total_days().over("student_id")
        )
        .with_columns(first=pl.col("gap").is_null() | (pl.col("gap") != 7))
        .with_columns(enrollment=pl.col("first").cast(pl.Int32).cum_sum().over("student_id"))
    )


@pytest.fixture(scope="module")
def enrollments(sessions: pl.DataFrame) -> pl.DataFrame:
    return sessions.group_by("student_id", "enrollment").agg(
        tutor_id=pl.col("tutor_id").first(),
        subject_id=pl.col("subject_id").first(),
        duration=pl.col("duration").first(),
        start=pl.col("day").min(),
        last=pl.col("day").max(),
        tutors=pl.col("tutor_id").n_unique(),
        subjects=pl.col("subject_id").n_unique(),
        durations=pl.col("duration").n_unique(),
        first_hour=pl.col("hour").first(),
        max_hour_shift=(pl.col("hour") - pl.col("hour").first()).abs().max(),
    )


@pytest.fixture(scope="module")
def final_students(sim_lake) -> pl.DataFrame:
    return sim_lake.snapshot(sim_lake.days[-1], "students")


@pytest.fixture(scope="module")
def school(enrollments: pl.DataFrame, final_students: pl.DataFrame) -> pl.DataFrame:
    """Enrollments of school students (the college segment has its own calendar, grades and
    subjects: tests/sim/test_college.py)."""
    school_ids = final_students.filter(~pl.col("is_college")).select("student_id")
    return enrollments.join(school_ids, on="student_id")


def share(frame: pl.DataFrame, column: str) -> dict:
    counts = frame[column].value_counts()
    total = counts["count"].sum()
    return {row[column]: row["count"] / total for row in counts.iter_rows(named=True)}


def test_weekly_cadence_exactly_seven_days_within_an_enrollment(sessions, final_students):
    """A student's consecutive sessions are 7 days apart except where they came back, and
    they came back exactly `enrollments - 1` times."""
    breaks = sessions.group_by("student_id").agg(runs=pl.col("first").sum())
    joined = breaks.join(final_students.select("student_id", "enrollments"), on="student_id")
    assert joined.height == final_students.height
    assert (joined["runs"] == joined["enrollments"]).all()
    assert sessions.filter(~pl.col("first"))["gap"].unique().to_list() == [7]


def test_an_enrollment_keeps_tutor_subject_duration_and_hour(enrollments):
    assert (enrollments["tutors"] == 1).all()
    assert (enrollments["subjects"] == 1).all()
    assert (enrollments["durations"] == 1).all()
    assert enrollments["max_hour_shift"].max() == 1
    assert enrollments["first_hour"].is_between(13, 18).all()


def test_weekly_hours_same_80_percent_shifted_10_each(sessions):
    weekly = sessions.filter(~pl.col("first")).join(
        sessions.filter(pl.col("first")).select("student_id", "enrollment", h0="hour"),
        on=["student_id", "enrollment"],
    )
    shift = share(weekly.with_columns(shift=pl.col("hour") - pl.col("h0")), "shift")
    assert shift[0] == pytest.approx(0.8, abs=0.015)
    assert shift[-1] == pytest.approx(0.1, abs=0.01)
    assert shift[1] == pytest.approx(0.1, abs=0.01)


def test_tutor_load_never_above_30(sim_lake, enrollments, final_students):
    """Replay every enrollment as +1 on its first day and -1 on the quit day (a week after
    the last session; quits free the slot before newcomers are placed that day)."""
    last_day = sim_lake.days[-1]
    latest = enrollments.group_by("student_id").agg(pl.col("enrollment").max().alias("latest"))
    spans = enrollments.join(latest, on="student_id").join(
        final_students.select("student_id", "status"), on="student_id"
    )
    still_open = (pl.col("enrollment") == pl.col("latest")) & (pl.col("status") == "Active")
    ends = spans.filter(~still_open).select(
        "tutor_id", day=pl.col("last") + pl.duration(days=7), delta=pl.lit(-1)
    )
    assert ends["day"].max() <= last_day
    starts = spans.select("tutor_id", day="start", delta=pl.lit(1))
    load = (
        pl.concat([ends, starts])
        .sort("tutor_id", "day", "delta")
        .with_columns(load=pl.col("delta").cum_sum().over("tutor_id"))
    )
    assert load["load"].min() >= 0
    assert load["load"].max() == 30
    final = load.group_by("tutor_id").agg(pl.col("load").last())
    tutors = sim_lake.snapshot(last_day, "tutors").join(final, on="tutor_id", how="left")
    assert tutors["active_students"].to_list() == tutors["load"].fill_null(0).to_list()
    assert tutors["active_students"].max() <= 30


def test_test_prep_stops_after_120_days(sim_lake, enrollments):
    prep = enrollments.filter(pl.col("subject_id") == 1).with_columns(
        span=(pl.col("last") - pl.col("start")).dt.total_days()
    )
    assert prep["span"].max() == 126  # the check after day 120 is the 19th weekly slot
    finished = prep.filter(pl.col("last") < date(2025, 6, 1))
    assert (finished["span"] == 126).mean() > 0.85  # the rest churned at random


def test_school_work_students_stay_until_their_school_year_ends(school):
    """The school-year fix: a school-work student who starts in the fall stays into the next
    calendar year (the original quit them after one session)."""
    fall = school.filter(
        (pl.col("subject_id") != 1)
        & pl.col("start").dt.month().is_in([9, 10, 11, 12])
        & (pl.col("start") < date(2024, 12, 31))
    )
    into_next_year = fall["last"].dt.year() > fall["start"].dt.year()
    assert fall.height > 300
    assert into_next_year.mean() > 0.75
    spring_end = fall.filter(into_next_year)["last"].dt.month()
    assert spring_end.is_between(5, 7).mean() > 0.9


def test_school_year_end_is_the_end_of_the_year_the_student_is_in():
    start = np.array(
        [day_number(d) for d in (date(2024, 9, 15), date(2025, 3, 1), date(2025, 6, 20))]
    )
    ends = school_year_end(start, np.array([6, 6, 6]), np.array([10, 10, 10]))
    assert ends.tolist() == [
        day_number(date(2025, 6, 10)),
        day_number(date(2025, 6, 10)),
        day_number(date(2026, 6, 10)),
    ]


def test_status_mix_of_weekly_sessions(sessions):
    assert (sessions.filter(pl.col("first"))["status"] == 0).all()
    mix = share(sessions.filter(~pl.col("first")), "status")
    assert mix[0] == pytest.approx(0.8, abs=0.015)
    assert mix[1] == pytest.approx(0.1, abs=0.01)
    assert mix[2] == pytest.approx(0.1, abs=0.01)


def test_subject_and_duration_mix_of_new_students(school):
    first = school.filter(pl.col("enrollment") == 1)
    group = first.with_columns(
        group=pl.col("subject_id").replace_strict({1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3})
    )
    mix = share(group, "group")
    for g, expected in enumerate([0.3, 0.4, 0.2, 0.1]):
        assert mix[g] == pytest.approx(expected, abs=0.05), g
    durations = share(first, "duration")
    assert durations[1.0] == pytest.approx(0.9, abs=0.03)
    assert durations[1.5] == pytest.approx(0.05, abs=0.02)
    assert durations[2.0] == pytest.approx(0.05, abs=0.02)


def test_returning_students_subject_mix_and_grade(school, final_students):
    returns = school.filter(pl.col("enrollment") > 1)
    assert returns.height > 200
    group = returns.with_columns(
        group=pl.col("subject_id").replace_strict({1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3})
    )
    mix = share(group, "group")
    for g, expected in enumerate([0.2, 0.5, 0.2, 0.1]):
        assert mix[g] == pytest.approx(expected, abs=0.06), g
    assert returns["start"].dt.month().is_in([9, 10, 11]).all()
    assert final_students.filter(~pl.col("is_college"))["grade"].max() == 12


def test_new_student_profile(final_students):
    final_students = final_students.filter(~pl.col("is_college"))
    assert share(final_students, "sex")["F"] == pytest.approx(0.61, abs=0.05)
    age = final_students["created"].dt.year() - final_students["date_of_birth"].dt.year()
    assert (age - 6 <= final_students["grade"]).all()
    # the list prices of the default scenario: $80 / $100 / $120, and $130 from 2026-01-01 (its
    # price step reprices the active students; the inactive keep the price they paid)
    assert final_students["contract_rate"].unique().sort().to_list() == [80, 100, 120, 130]
    current = final_students.filter(pl.col("status") == "Active")["contract_rate"]
    assert current.unique().to_list() == [130]
    assert final_students["status"].unique().sort().to_list() == ["Active", "Inactive"]


def test_calibration_at_the_cutoff(sim_lake):
    """Scale 1 resembles the original at 2025-12-30 in size (934 students, 5 tutors); the
    school-year fix makes it run more sessions and keep more students active."""
    students = sim_lake.snapshot(date(2025, 12, 30), "students")
    tutors = sim_lake.snapshot(date(2025, 12, 30), "tutors")
    assert 800 <= students.height <= 1100
    assert 5 <= tutors.height <= 25
    assert (tutors["contract_rate"][0], tutors["first_name"][0]) == (0, "Stephan")
