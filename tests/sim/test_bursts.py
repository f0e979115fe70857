"""Burst weeks (default scenario, shared lake): extra sessions in the two weeks before a
student's finals (school year or college semester) or the next official test date, then back to weekly; checked against
windows recomputed here from the students' calendars and the test dates."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from sim.calendar import day_number, official_test_dates, school_year_end, semester_end
from sim.scenario import load_scenario

BURSTS = load_scenario("default").bursts
COLLEGE = load_scenario("default").college
WINDOW = 7 * BURSTS.weeks_before


@pytest.fixture(scope="module")
def sessions(sim_lake) -> pl.DataFrame:
    """Every pristine session with its day and the start of the weekly run it belongs to."""
    all_ = sim_lake.pristine_sessions().with_columns(day=pl.col("stamp").dt.date())
    weekly = (
        all_.filter(~pl.col("is_extra"))
        .sort("student_id", "stamp")
        .with_columns(
            gap=(pl.col("day") - pl.col("day").shift(1)).dt.total_days().over("student_id")
        )
        .with_columns(
            start=pl.when(pl.col("gap").is_null() | (pl.col("gap") != 7)).then(pl.col("day"))
        )
        .with_columns(pl.col("start").forward_fill().over("student_id"))
    )
    extra = all_.filter(pl.col("is_extra")).sort("day").join_asof(
        weekly.select("student_id", "day", "start", weekly_day="day", weekly_tutor="tutor_id",
                      weekly_subject="subject_id", weekly_duration="duration",
                      weekly_hour=pl.col("stamp").dt.hour())
        .sort("day"),
        on="day",
        by="student_id",
        strategy="backward",
        check_sortedness=False,  # both sides sorted by day above
    )  # fmt: skip
    return extra


def test_an_extra_session_follows_the_weekly_one_with_the_same_enrollment(sessions):
    assert sessions.height > 500
    gap = (sessions["day"] - sessions["weekly_day"]).dt.total_days()
    assert (gap == BURSTS.extra_day).all()
    assert (sessions["tutor_id"] == sessions["weekly_tutor"]).all()
    assert (sessions["subject_id"] == sessions["weekly_subject"]).all()
    assert (sessions["duration"] == sessions["weekly_duration"]).all()


def test_extra_sessions_come_only_in_the_weeks_before_finals_or_a_test(sim_lake, sessions):
    students = sim_lake.snapshot(sim_lake.days[-1], "students").select(
        "student_id", "school_year_end_month", "school_year_end_day", "is_college"
    )
    rows = sessions.join(students, on="student_id")
    start = np.array([day_number(d) for d in rows["start"].to_list()])
    college = rows["is_college"].to_numpy()
    finals = np.where(
        college,
        semester_end(start, COLLEGE.end_dates()),
        school_year_end(
            start, rows["school_year_end_month"].to_numpy(), rows["school_year_end_day"].to_numpy()
        ),
    )
    day = np.array([day_number(d) for d in rows["day"].to_list()])
    tests = official_test_dates(BURSTS.test_months)
    to_test = tests[np.searchsorted(tests, day)] - day
    prep = rows["subject_id"].to_numpy() == 1
    in_window = np.where(prep, to_test <= WINDOW, (finals - day >= 0) & (finals - day <= WINDOW))
    assert in_window.all()
    # both kinds happen: before test dates (test prep) and before finals (May-June)
    assert prep.sum() > 100 and (~prep).sum() > 100
    finals_months = (
        rows.filter(pl.col("subject_id") != 1)
        .group_by("is_college")
        .agg(pl.col("day").dt.month().unique().sort())
    )
    months = dict(finals_months.iter_rows())
    assert set(months[False]) <= {4, 5, 6}  # school years end in May or June
    assert set(months[True]) <= {4, 5, 11, 12} and 12 in months[True]  # semesters: May, Dec


def test_about_the_configured_share_of_eligible_students_add_one(sim_lake, sessions):
    """Of the weekly sessions `extra_day` days before a day in a student's window, about
    `share` are followed by an extra session; outside the windows weeks stay single."""
    weekly = sim_lake.pristine_sessions().filter(~pl.col("is_extra"))
    weekly = weekly.with_columns(day=pl.col("stamp").dt.date() + timedelta(days=BURSTS.extra_day))
    prep = weekly.filter((pl.col("subject_id") == 1) & (pl.col("day") < date(2025, 12, 1))).select(
        "student_id", "day"
    )
    day = np.array([day_number(d) for d in prep["day"].to_list()])
    tests = official_test_dates(BURSTS.test_months)
    eligible = prep.filter(pl.Series(tests[np.searchsorted(tests, day)] - day <= WINDOW))
    got = eligible.join(sessions.select("student_id", "day"), on=["student_id", "day"])
    # eligible: the student was still enrolled on the extra day (quitters are the few misses)
    assert got.height / eligible.height == pytest.approx(BURSTS.share, abs=0.06)


def test_a_scenario_without_bursts_has_no_extra_sessions(tmp_path):
    from lakehouse.lake.storage import open_storage
    from sim import state
    from sim.api import simulate_history

    from .conftest import read_parquet, settings_for

    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=1, until=date(2022, 7, 31), scenario="fixed")
    sessions = read_parquet(open_storage(settings), state.sessions_key("history"))
    assert not sessions["is_extra"].any()


def test_the_weekly_session_after_an_extra_one_always_happens(sim_lake, sessions):
    """A student who added a session keeps the next weekly one (no quit that week), so the
    last session before a quit is always weekly and month-end rosters stay exact."""
    weekly = sim_lake.pristine_sessions().filter(~pl.col("is_extra"))
    weekly = weekly.select("student_id", day=pl.col("stamp").dt.date())
    follow = sessions.select(
        "student_id", day=pl.col("day") + timedelta(days=7 - BURSTS.extra_day)
    ).filter(pl.col("day") <= sim_lake.days[-1])
    assert follow.join(weekly, on=["student_id", "day"], how="anti").height == 0
