"""Scenarios: presets, TOML scenario files (errors naming the file and the key), the scenario
saved with the state and continued by daily steps, and knobs that really drive the business."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from typer.testing import CliRunner

from cli.main import app
from lakehouse.errors import LakehouseError
from lakehouse.lake.storage import init_lake, open_storage
from sim import state
from sim.api import read_state, simulate_day, simulate_history
from sim.scenario import PRESETS, PriceStep, Scenario, load_scenario

from .conftest import read_parquet, settings_for

UNTIL = date(2022, 3, 31)


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_presets_differ_only_where_they_say():
    original, fixed, default = (load_scenario(name) for name in PRESETS)
    assert (original.name, fixed.name, default.name) == PRESETS
    assert original.school_year == "original" and fixed.school_year == "fixed"
    # the original's business is the field defaults; `fixed` changes the school year alone
    assert original == Scenario(name="original")
    assert fixed == Scenario(name="fixed", school_year="fixed")
    assert default.prices.rate_on(date(2022, 12, 31)) == 80
    assert default.prices.rate_on(date(2023, 1, 1)) == 100


def test_a_file_extends_a_preset_and_states_only_its_changes(tmp_path):
    path = write(
        tmp_path / "busy.toml",
        'extends = "fixed"\n[students]\nchurn = 0.01\n[tutors]\nhiring_rates = [60]\n',
    )
    busy = load_scenario(path)
    fixed = load_scenario("fixed")
    assert busy.name == "busy" and busy.school_year == "fixed"
    assert busy.students.churn == 0.01 and busy.tutors.hiring_rates == (60,)
    assert busy.students.return_probability == fixed.students.return_probability
    assert busy.prices == fixed.prices
    # without `extends` a file starts from the default preset
    plain = load_scenario(write(tmp_path / "plain.toml", "[students]\ntest_prep_days = 90\n"))
    assert plain.prices == load_scenario("default").prices
    assert plain.students.test_prep_days == 90


def test_a_scenario_survives_the_round_trip_through_the_state():
    default = load_scenario("default")
    assert Scenario.from_dict(default.to_dict()) == default
    assert default.to_dict()["prices"]["steps"][0] == {"start": "2021-01-01", "rate": 80}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[students]\nchrun = 0.1\n", r"bad\.toml: students: unknown key\(s\) chrun"),
        ("[students]\nchurn = 'high'\n", r"students: churn: expected float, got 'high'"),
        ("[students]\nchurn = 1.5\n", r"students\.churn must be a probability"),
        ("[students]\nnew_subject_shares = [0.5, 0.5, 0.5, 0.5]\n", r"adding up to 1"),
        ("[tutors]\nhiring_rates = [40, true]\n", r"tutors: hiring_rates\[1\]: expected int"),
        ('school_year = "lenient"\n', r"school_year must be one of fixed, original"),
        ('extends = "nope"\n', r"extends = 'nope' is not a preset"),
        (
            "[prices]\nsteps = [{ start = 2021-01-01, rate = 80 }, { start = 2020-01-01, rate = 90 }]\n",
            r"prices\.steps must be one or more steps in increasing date order",
        ),
        ("[prices]\nsteps = [{ start = 2022-01-01, rate = 80 }]\n", r"before the business opens"),
        ("[prices\n", r"bad\.toml: not a valid TOML file"),
        ('[tutors]\nraise_policy = "monthly"\n', r"tutors\.raise_policy must be one of none"),
        (
            "[tutors]\nmax_rate = 45\n",
            r"tutors\.hiring_rates must be one or more rates in 1\.\.max_rate",
        ),
        ("rate_changes_from = 'soon'\n", r"rate_changes_from: expected a date"),
        (
            "[prices]\nsteps = [{ start = 2021-01-01, rate = 990 }]\n",
            r"\(with the college premium\) must be dollars an hour in 1\.\.999",
        ),
    ],
)
def test_bad_scenario_files_name_the_file_and_the_key(tmp_path, text, message):
    with pytest.raises(LakehouseError, match=message):
        load_scenario(write(tmp_path / "bad.toml", text))


def test_an_unknown_name_lists_the_presets(tmp_path):
    with pytest.raises(LakehouseError, match=r"unknown scenario 'rich'.*original, fixed, default"):
        load_scenario("rich")
    with pytest.raises(LakehouseError, match="unknown scenario"):
        load_scenario(tmp_path / "missing.toml")


def test_daily_steps_continue_the_scenario_of_the_history(tmp_path):
    """The resolved scenario is saved with the state: editing or deleting the file later
    changes nothing for the days that follow."""
    path = write(tmp_path / "cheap.toml", "[prices]\nsteps = [{ start = 2021-01-01, rate = 55 }]\n")
    settings = settings_for(tmp_path / "lake")
    result = simulate_history(settings, seed=5, until=UNTIL, scenario=path)
    assert result.scenario == "cheap" and result.to_detail()["scenario"] == "cheap"
    path.unlink()
    for _ in range(5):
        simulate_day(settings)
    pointer = read_state(settings)
    assert pointer is not None and pointer.scenario.name == "cheap"
    assert pointer.scenario.prices.steps == (PriceStep(date(2021, 1, 1), 55),)
    students = read_parquet(
        open_storage(settings), f"{state.snapshot_prefix(pointer.last_date)}/students.parquet"
    )
    # the list price, and the default's college premium of $30 over it
    assert students["contract_rate"].unique().sort().to_list() == [55, 85]
    assert students.filter(pl.col("created") > pl.datetime(2022, 3, 31)).height > 0


def test_knobs_drive_the_business(tmp_path):
    """Every enrollment test prep, no random quits: each enrollment runs its full 120 days."""
    path = write(
        tmp_path / "prep.toml",
        'extends = "fixed"\n[students]\nnew_subject_shares = [1.0, 0.0, 0.0, 0.0]\n'
        "return_subject_shares = [1.0, 0.0, 0.0, 0.0]\nchurn = 0.0\ntest_prep_days = 60\n"
        "[tutors]\nhiring_rates = [42]\n",
    )
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=2, until=UNTIL, scenario=path)
    storage = open_storage(settings)
    sessions = read_parquet(storage, state.sessions_key("history"))
    assert sessions["subject_id"].unique().to_list() == [1]
    spans = (
        sessions.group_by("student_id")
        .agg(span=(pl.col("stamp").max() - pl.col("stamp").min()).dt.total_days())
        .join(sessions.group_by("student_id").agg(first=pl.col("stamp").min()), on="student_id")
        .filter(pl.col("first") < pl.datetime(2021, 12, 1))
    )
    # the check after day 60 is the 9th weekly slot (63 days), give or take the hour shift
    assert spans["span"].is_between(62, 63).all() and spans.height > 50
    tutors = read_parquet(storage, f"{state.snapshot_prefix(UNTIL)}/tutors.parquet")
    assert tutors["contract_rate"].to_list()[1:] == [42] * (tutors.height - 1)


def test_cli_takes_a_preset_or_a_file_and_status_shows_it(tmp_path):
    runner = CliRunner()
    env = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": ""}
    lake = tmp_path / "lake"
    init_lake(settings_for(lake))

    def invoke(*args: str):
        return runner.invoke(app, ["--lake", str(lake), "simulate", *args], env=env)

    result = invoke("history", "--until", "2021-12-31", "--scenario", "original")
    assert result.exit_code == 0, result.output
    assert "scenario original" in result.output
    result = invoke("status")
    assert "original" in result.output
    result = invoke("history", "--force", "--scenario", str(tmp_path / "nope.toml"))
    assert result.exit_code == 1 and "unknown scenario" in result.output
