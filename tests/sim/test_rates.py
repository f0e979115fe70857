"""Rate changes: tutors' raises and students' repricing, checked against rates recomputed here
from the scenario's rules and the sessions themselves (the pristine sessions record the rates
each session was charged at), and as they land in the deltas."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from lakehouse.lake.storage import open_storage
from sim import state
from sim.api import simulate_day, simulate_history
from sim.scenario import load_scenario

from .conftest import read_delta, read_parquet, settings_for

UNTIL = date(2024, 6, 30)


def history(tmp_path, policy: str, extra: str = "", reprice: str = "true"):
    """A history with rate changes from the opening day on (so the pristine sessions show
    them), raises every 150 completed sessions or yearly."""
    path = tmp_path / f"{policy}.toml"
    path.write_text(
        "rate_changes_from = 2021-08-24\n"
        f"[prices]\nreprice_active = {reprice}\nreprice_on_return = {reprice}\n"
        f'[tutors]\nraise_policy = "{policy}"\nraise_every_sessions = 150\nraise_amount = 5\n'
        f"max_rate = 60\n{extra}",
        encoding="utf-8",
    )
    settings = settings_for(tmp_path / policy)
    simulate_history(settings, seed=9, until=UNTIL, scenario=path)
    storage = open_storage(settings)
    sessions = read_parquet(storage, state.sessions_key("history")).with_columns(
        day=pl.col("stamp").dt.date()
    )
    tutors = read_parquet(storage, f"{state.snapshot_prefix(UNTIL)}/tutors.parquet")
    students = read_parquet(storage, f"{state.snapshot_prefix(UNTIL)}/students.parquet")
    sessions = sessions.join(students.select("student_id", "is_college"), on="student_id")
    return sessions, tutors


def hiring_rate(sessions: pl.DataFrame) -> pl.DataFrame:
    return sessions.sort("stamp").group_by("tutor_id").agg(hired_at=pl.col("tutor_rate").first())


def test_session_raises_follow_the_completed_sessions_of_the_days_before(tmp_path):
    """A tutor's rate on day D = hiring rate + 5 x (completed sessions through D-1 // 150),
    capped at 60: the raise is earned by the day's sessions and takes effect at 23:00."""
    sessions, tutors = history(tmp_path, "sessions")
    daily = (
        sessions.group_by("tutor_id", "day")
        .agg(done=(pl.col("status") == 0).sum(), rates=pl.col("tutor_rate").unique())
        .sort("tutor_id", "day")
        .with_columns(before=pl.col("done").cum_sum().over("tutor_id") - pl.col("done"))
        .join(hiring_rate(sessions), on="tutor_id")
    )
    expected = (
        pl.when(pl.col("hired_at") == 0)
        .then(0)
        .otherwise(
            pl.min_horizontal(pl.col("hired_at") + 5 * (pl.col("before") // 150), pl.lit(60))
        )
    )
    daily = daily.with_columns(expected=expected)
    assert (daily["rates"].list.len() == 1).all()  # one rate per tutor and day
    assert daily["rates"].list.first().to_list() == daily["expected"].to_list()
    raised = daily.filter(pl.col("expected") > pl.col("hired_at"))
    assert raised["tutor_id"].n_unique() >= 5 and daily["expected"].max() == 60
    # the snapshot's completed-session counts are the same sessions counted
    done = sessions.filter(pl.col("status") == 0).group_by("tutor_id").len()
    counts = tutors.join(done, on="tutor_id", how="left").fill_null(0)
    assert counts["completed_sessions"].to_list() == counts["len"].to_list()


def test_yearly_raises_come_after_each_hiring_anniversary(tmp_path):
    sessions, tutors = history(tmp_path, "yearly")
    hired = tutors.select("tutor_id", hired_on=pl.col("created").dt.date())
    daily = (
        sessions.group_by("tutor_id", "day")
        .agg(rate=pl.col("tutor_rate").first(), rates=pl.col("tutor_rate").n_unique())
        .join(hired, on="tutor_id")
        .join(hiring_rate(sessions), on="tutor_id")
        .with_columns(years=((pl.col("day") - pl.col("hired_on")).dt.total_days() - 1) // 365)
    )
    expected = (
        pl.when(pl.col("hired_at") == 0)
        .then(0)
        .otherwise(pl.min_horizontal(pl.col("hired_at") + 5 * pl.col("years").clip(0), pl.lit(60)))
    )
    assert (daily["rates"] == 1).all()
    assert daily["rate"].to_list() == daily.select(expected)["literal"].to_list()
    assert daily.filter(pl.col("years") >= 2)["tutor_id"].n_unique() >= 2


@pytest.mark.parametrize("reprice", ["true", "false"])
def test_students_pay_the_list_price_of_the_day_or_keep_their_own(tmp_path, reprice):
    """Repricing at each price step and on return: every session is at the list price of its
    day (plus the college premium). Without: a student pays the price of the day they signed
    up, for good."""
    sessions, _ = history(tmp_path, "none", reprice=reprice)
    prices = load_scenario("default").prices
    days = sessions.select("day").unique()["day"].to_list()
    price = pl.DataFrame({"day": days, "list": [prices.rate_on(d) for d in days]})
    first = sessions.group_by("student_id").agg(first_day=pl.col("day").min())
    signup = price.rename({"day": "first_day", "list": "signup"})
    priced = (
        sessions.join(price, on="day").join(first, on="student_id").join(signup, on="first_day")
    )
    premium = 30 * priced["is_college"].cast(pl.Int64)  # college students pay $30 more
    expected = "list" if reprice == "true" else "signup"
    assert (priced["student_rate"] == priced[expected] + premium).all()
    changed = priced.filter(pl.col("list") != pl.col("signup"))
    assert changed["student_id"].n_unique() > 100  # students who saw a price step


def test_the_price_step_lands_as_an_update_of_every_active_student(sim_lake):
    """The default scenario's step to $130 on 2026-01-01 reprices every active student at
    00:00 of that day."""
    step = date(2026, 1, 1)
    before = sim_lake.snapshot(step - timedelta(days=1), "students")
    active = before.filter(pl.col("status") == "Active")["student_id"].sort().to_list()
    _, delta = read_delta(
        sim_lake.raw("students", step + timedelta(days=1), "students_delta"), "student_id"
    )
    repriced = delta.filter(pl.col("updated") == datetime(2026, 1, 1))
    assert sorted(repriced["student_id"].to_list()) == active and len(active) > 300
    college = before.filter(pl.col("is_college"))["student_id"]
    expected = [160 if c else 130 for c in delta["student_id"].is_in(college.implode())]
    assert delta["contract_rate"].to_list() == expected  # college: $30 over the list price
    assert (delta["change_type"] == "UPDATE").all()


def test_a_raise_lands_as_an_update_of_the_tutor_at_23(tmp_path):
    path = tmp_path / "raises.toml"
    path.write_text(
        "rate_changes_from = 2022-04-01\n[tutors]\nraise_every_sessions = 10\n", encoding="utf-8"
    )
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=6, until=date(2022, 3, 31), scenario=path)
    storage = open_storage(settings)
    raises = 0
    for _ in range(5):
        day = simulate_day(settings).business_date
        snapshot = f"{state.snapshot_prefix(day)}/tutors.parquet"
        old = read_parquet(
            storage, f"{state.snapshot_prefix(day - timedelta(days=1))}/tutors.parquet"
        )
        new = read_parquet(storage, snapshot).join(
            old.select("tutor_id", old="contract_rate"), on="tutor_id"
        )
        raised = new.filter(pl.col("contract_rate") != pl.col("old"))
        assert (raised["contract_rate"] == raised["old"] + 5).all()
        at_23 = datetime.combine(day, datetime.min.time()) + timedelta(hours=23)
        assert (raised["updated"] == at_23).all()
        delta = pl.read_csv(
            tmp_path / f"lake/raw/tutors/ingest_date={day + timedelta(days=1)}/tutors_delta.csv",
            try_parse_dates=True,
            schema_overrides={
                "tutor_id": pl.Int64,
                "contract_rate": pl.Int64,
                "updated": pl.Datetime,
            },
        ).join(raised.select("tutor_id", "contract_rate"), on="tutor_id")
        assert delta.height == raised.height and (delta["change_type"] == "UPDATE").all()
        assert (delta["contract_rate"] == delta["contract_rate_right"]).all()
        assert (delta["updated"] == at_23).all()
        raises += raised.height
    assert raises >= 2


def test_no_rate_changes_before_rate_changes_from(sim_lake):
    """The default scenario changes rates from the first daily batch on: through the history
    every session is at its tutor's hiring rate and its student's sign-up price."""
    sessions = sim_lake.pristine_sessions().filter(pl.col("stamp") < datetime(2025, 12, 31))
    per_id = sessions.group_by("tutor_id").agg(pl.col("tutor_rate").n_unique())
    assert (per_id["tutor_rate"] == 1).all()
    assert (
        sessions.group_by("student_id").agg(pl.col("student_rate").n_unique())["student_rate"] == 1
    ).all()


def test_rate_changes_are_deterministic(tmp_path):
    runs = []
    for name in ("a", "b"):
        settings = settings_for(tmp_path / name)
        simulate_history(settings, seed=4, until=date(2025, 12, 30))
        for _ in range(3):
            simulate_day(settings)
        storage = open_storage(settings)
        runs.append(read_parquet(storage, state.sessions_key("2026-01-02")))
    assert runs[0].equals(runs[1])
    assert runs[0]["student_rate"].unique().sort().to_list() == [130, 160]
