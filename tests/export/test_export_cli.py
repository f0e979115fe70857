"""`lakehouse export` end to end through the Typer app, and the export handler's event."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from lakehouse.config import Settings, load_settings
from lakehouse.lake.storage import init_lake
from lakehouse.orchestration.handlers import LocalContext, export_handler
from tests.export.conftest import write_gold

runner = CliRunner()


def lake_with_gold(tmp_path: Path) -> dict[str, str]:
    """Environment for the CLI: a config file of its own and a lake holding gold."""
    config = tmp_path / "lakehouse.toml"
    config.write_text(f'lake = "{tmp_path / "lake"}"\n[export]\ntargets = ["local"]\n')
    settings = load_settings(config, environ={})
    init_lake(settings)
    write_gold(settings)
    return {"LAKEHOUSE_CONFIG": str(config), "LAKEHOUSE_PROFILE": ""}


def test_export_default_targets_and_tables(tmp_path: Path) -> None:
    env = lake_with_gold(tmp_path)
    result = runner.invoke(app, ["export"], env=env)
    assert result.exit_code == 0, result.output
    assert "monthly_things" in result.output and "people" in result.output
    exports = sorted(p.name for p in (tmp_path / "lake" / "exports").iterdir())
    assert exports == [
        "monthly_things.csv",
        "monthly_things.parquet",
        "people.csv",
        "people.parquet",
    ]


def test_export_selected_tables_as_json(tmp_path: Path) -> None:
    env = lake_with_gold(tmp_path)
    result = runner.invoke(
        app, ["export", "--target", "local", "--tables", "people", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    detail = json.loads(result.stdout)
    assert detail["tables"] == ["people"] and detail["rows"] == {"people": 2}
    assert detail["exports"]["local"]["people"]["files"] == [
        "exports/people.csv",
        "exports/people.parquet",
    ]


def test_export_errors_exit_non_zero(tmp_path: Path) -> None:
    env = lake_with_gold(tmp_path)
    result = runner.invoke(app, ["export", "--tables", "people,nope"], env=env)
    assert result.exit_code == 1
    assert "nope not found" in result.output
    result = runner.invoke(app, ["export", "--target", "drive"], env=env)
    assert result.exit_code == 2
    assert "export.drive_folder_id" in result.output
    assert not (tmp_path / "lake" / "exports").exists()


def test_help_lists_export() -> None:
    result = runner.invoke(app, ["--help"], env={"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": ""})
    assert result.exit_code == 0 and "export" in result.output


def test_export_handler_event_carries_the_detail(gold_lake: Settings) -> None:
    request = {
        "source": "tutor.gold.materialization",
        "detail-type": "MaterializationCompleted",
        "detail": {"business_date": "2026-01-05", "run_id": "run-test"},
    }
    event = export_handler(request, LocalContext(settings=gold_lake))
    assert (event["source"], event["detail-type"]) == ("tutor.gold.export", "ExportCompleted")
    detail = event["detail"]
    assert (detail["business_date"], detail["run_id"]) == ("2026-01-05", "run-test")
    assert detail["rows"] == {"monthly_things": 3, "people": 2}
    assert detail["exports"]["local"]["people"]["files"] == [
        "exports/people.csv",
        "exports/people.parquet",
    ]
