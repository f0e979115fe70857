"""`lakehouse simulate history | day | status` end to end through the Typer app."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from cli.main import app
from sim.api import simulate_history

from .conftest import settings_for

runner = CliRunner()


def invoke(lake, *args: str):
    env = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": ""}
    return runner.invoke(app, ["--lake", str(lake), "simulate", *args], env=env)


def test_history_day_status_and_refusals(tmp_path):
    lake = tmp_path / "lake"
    assert runner.invoke(app, ["--lake", str(lake), "init"]).exit_code == 0
    result = invoke(lake, "history", "--seed", "3", "--until", "2022-02-28")
    assert result.exit_code == 0, result.output
    assert "landed raw/*/ingest_date=2022-03-01/ (csv)" in result.output
    assert (lake / "raw/sessions/ingest_date=2022-03-01/sessions.csv").is_file()

    result = invoke(lake, "day")
    assert result.exit_code == 0, result.output
    assert "business day 2022-03-01 -> ingest_date=2022-03-02" in result.output

    result = invoke(lake, "day", "--date", "2022-03-01")
    assert result.exit_code == 0, result.output
    assert "business day 2022-03-01 had already landed, identical" in result.output
    result = invoke(lake, "day", "--date", "2022-03-01", "--force")
    assert result.exit_code == 0 and "rewrote business day 2022-03-01" in result.output

    result = invoke(lake, "status")
    assert result.exit_code == 0
    assert "2022-03-01" in result.output and "2022-03-02" in result.output

    result = invoke(lake, "history")
    assert result.exit_code == 1 and "already holds a simulation" in result.output
    result = invoke(lake, "day", "--date", "2022-3-1x")
    assert result.exit_code == 2 and "not a date (YYYY-MM-DD)" in result.output
    result = invoke(lake, "day", "--date", "20220301")  # basic ISO form: refused like elsewhere
    assert result.exit_code == 2 and "not a date (YYYY-MM-DD)" in result.output


def test_status_without_a_simulation(tmp_path):
    result = invoke(tmp_path / "lake", "status")
    assert result.exit_code == 1 and "lakehouse --lake" in result.output and "init" in result.output
    assert runner.invoke(app, ["--lake", str(tmp_path / "lake"), "init"]).exit_code == 0
    result = invoke(tmp_path / "lake", "status")
    assert result.exit_code == 1 and "no simulation yet" in result.output


def test_progress_reaches_every_day(tmp_path):
    calls = []
    simulate_history(
        settings_for(tmp_path / "lake"),
        until=date(2021, 12, 31),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (130, 130)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
