"""What every command shares: a lake that is not there is named with the command to create it,
usage errors exit 2 (dates parsed one way), flags show as flags in --help."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
ENV = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": "", "LAKEHOUSE_LAKE": "", "COLUMNS": "200"}

LAKE_COMMANDS = [
    ["land", "."],
    ["ingest", "--all"],
    ["check"],
    ["materialize"],
    ["query", "SELECT 1"],
    ["tables"],
    ["export"],
    ["run", "--from", "2026-01-01"],
    ["status"],
    ["report"],
    ["simulate", "history"],
    ["simulate", "day"],
    ["simulate", "status"],
    ["config", "check"],
]


def invoke(*args: str):
    return runner.invoke(app, list(args), env=ENV)


@pytest.mark.parametrize("command", LAKE_COMMANDS, ids=" ".join)
def test_a_missing_lake_is_named_with_the_init_command(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("--lake", "./nope", *command)
    assert result.exit_code == 1, result.output
    message = " ".join(result.output.split())
    assert "does not exist: create it with `lakehouse --lake ./nope init`" in message
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize("command", LAKE_COMMANDS, ids=" ".join)
def test_a_folder_that_was_never_initialised_is_refused(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain").mkdir()
    result = invoke("--lake", "plain", *command)
    assert result.exit_code == 1, result.output
    message = " ".join(result.output.split())
    assert "is not an initialised lake" in message and "`lakehouse --lake plain init`" in message
    assert list((tmp_path / "plain").iterdir()) == []


def test_init_makes_the_lake_the_other_commands_accept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("--lake", "lake", "init").exit_code == 0
    tables = invoke("--lake", "lake", "tables")
    assert tables.exit_code == 0 and "no tables" in tables.output


BAD_DATES = [
    ["ingest", "--date"],
    ["materialize", "--date"],
    ["run", "--from"],
    ["run", "--to"],
    ["simulate", "history", "--until"],
    ["simulate", "day", "--date"],
    ["deploy", "sql", "gold.monthly_revenue", "--date"],
]


@pytest.mark.parametrize("value", ["20260201", "2026-02-30", "2026-2-1", "yesterday"])
@pytest.mark.parametrize("command", BAD_DATES, ids=" ".join)
def test_every_date_option_refuses_what_is_not_yyyy_mm_dd_with_exit_2(command, value, tmp_path):
    assert invoke("--lake", str(tmp_path / "lake"), "init").exit_code == 0
    result = invoke("--lake", str(tmp_path / "lake"), *command, value)
    assert result.exit_code == 2, result.output
    assert f"{command[-1]} '{value}' is not a date (YYYY-MM-DD)" in result.output


def test_conflicting_options_are_a_usage_error(tmp_path):
    assert invoke("--lake", str(tmp_path / "lake"), "init").exit_code == 0
    result = invoke("--lake", str(tmp_path / "lake"), "ingest", "--all", "--date", "2026-01-01")
    assert result.exit_code == 2 and "either --date YYYY-MM-DD or --all" in result.output


def _command_paths(command, path=()):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


@pytest.mark.parametrize(
    "path", list(_command_paths(typer.main.get_command(app))), ids=lambda p: " ".join(p) or "-"
)
def test_help_shows_flags_as_flags(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--help" in result.output


def test_a_flag_reads_as_a_flag_in_help():
    lines = [line for line in invoke("ingest", "--help").output.splitlines() if "--all" in line]
    assert lines and lines[0].split("--all", 1)[1].lstrip().startswith("Ingest every")
