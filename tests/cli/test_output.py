"""What the CLI prints: text from the data or from errors is never read as rich markup, and
`report --out` does not write into the lake's folders or over a file that is not a report."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from lakehouse.config import Settings
from lakehouse.lake.storage import init_lake
from lakehouse.silver.ingest import ingest_batch
from tests.silver.silver_helpers import HISTORY, STUDENT, TUTOR, put_raw

ENV = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": "", "COLUMNS": "200"}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def test_query_prints_markup_like_values_as_they_are(local_settings: Settings) -> None:
    init_lake(local_settings)
    result = invoke("--lake", local_settings.lake, "query", "SELECT 'a[/]b' AS \"[bold]x\"")
    assert result.exit_code == 0, result.output
    assert "a[/]b" in result.output and "[bold]x" in result.output


def test_a_student_named_with_markup_is_printed_verbatim(local_settings: Settings) -> None:
    storage, _ = init_lake(local_settings)
    student = (1, "Ann", "Smith[/]", *STUDENT[2:], "2025-01-01 10:00:00", "2025-06-01 10:00:00")
    put_raw(storage, "students", HISTORY, [student])
    put_raw(storage, "tutors", HISTORY, [(7, *TUTOR, "2025-01-01 09:00:00", "2025-06-01 09:00:00")])
    put_raw(storage, "sessions", HISTORY, [])
    ingest_batch(local_settings, HISTORY)
    result = invoke(
        "--lake", local_settings.lake, "query", "SELECT last_name FROM silver.dim_students"
    )
    assert result.exit_code == 0, result.output
    assert "Smith[/]" in result.output


def test_an_error_with_markup_in_it_is_printed_verbatim(local_settings: Settings) -> None:
    init_lake(local_settings)
    result = invoke("--lake", local_settings.lake, "query", 'SELECT * FROM "[red]nope[/]"')
    assert result.exit_code == 1
    assert "[red]nope[/]" in result.output and "query failed" in result.output
    result = invoke("--lake", local_settings.lake, "run", "--from", "[/]")
    assert result.exit_code == 2 and "'[/]' is not a date" in result.output


def test_report_out_is_refused_inside_the_lake_folders(local_settings: Settings) -> None:
    init_lake(local_settings)
    lake = Path(local_settings.lake)
    for zone in ("gold/monthly_revenue", "silver", "raw/sessions", "_ops"):
        out = lake / zone / "report.html"
        result = invoke("--lake", local_settings.lake, "report", "--out", str(out))
        assert result.exit_code == 1
        assert f"inside the lake's {zone.split('/')[0]}/ folder" in result.output
        assert not out.exists()


def test_report_out_does_not_overwrite_a_file_that_is_not_a_report(
    local_settings: Settings, tmp_path: Path
) -> None:
    init_lake(local_settings)
    precious = tmp_path / "notes.html"
    precious.write_text("my notes")
    result = invoke("--lake", local_settings.lake, "report", "--out", str(precious))
    assert result.exit_code == 1 and "is not an HTML report; not overwriting" in result.output
    assert precious.read_text() == "my notes"
