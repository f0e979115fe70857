"""`lakehouse report [--out PATH]`: writes the file, prints where, fails clearly without gold."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from lakehouse.config import Settings
from lakehouse.lake.storage import init_lake


def test_report_command_writes_the_file_and_prints_its_path(
    gold_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "nested" / "dash.html"
    result = CliRunner().invoke(app, ["--lake", gold_settings.lake, "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.stat().st_size > 4_000_000  # plotly.js is inlined
    printed = " ".join(result.output.split())
    assert f"report written: {out.resolve()}" in printed
    assert "6 charts" in printed


def test_report_defaults_to_reports_report_html(
    gold_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--lake", gold_settings.lake, "report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "report.html").is_file()


def test_report_without_gold_fails_with_a_message(local_settings: Settings, tmp_path: Path) -> None:
    init_lake(local_settings)
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["--lake", local_settings.lake, "report", "--out", str(out)])
    assert result.exit_code != 0
    assert "no gold tables in the lake" in " ".join(result.output.split())
    assert not out.exists()
