"""`lakehouse land` / `ingest` / `check`: landing rules and the commands end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from lakehouse.bronze.landing import land
from lakehouse.config import Settings
from lakehouse.errors import InputFileError, LakehouseError
from lakehouse.lake.storage import Storage

HISTORY_FILES = [
    "raw/sessions/ingest_date=2025-12-31/sessions.csv",
    "raw/students/ingest_date=2025-12-31/students.csv",
    "raw/tutors/ingest_date=2025-12-31/tutors.csv",
]


@pytest.fixture
def committed(seed_data: Path, tmp_path: Path) -> Path:
    """A private copy of the published history's raw folder (tests change it)."""
    return Path(shutil.copytree(seed_data / "committed" / "raw", tmp_path / "incoming"))


def test_land_copies_once_and_refuses_changes(
    lake_settings: Settings, lake_storage: Storage, committed: Path
) -> None:
    lake, storage = lake_settings, lake_storage
    first = land(lake, committed.parent / "incoming")
    assert [d.isoformat() for d in first.landed] == ["2025-12-31"] and first.files == 3
    assert storage.list("raw") == HISTORY_FILES
    assert storage.read_bytes(HISTORY_FILES[2]) == (committed / HISTORY_FILES[2][4:]).read_bytes()
    again = land(lake, committed)
    assert again.landed == () and [d.isoformat() for d in again.unchanged] == ["2025-12-31"]

    tutors = committed / "tutors" / "ingest_date=2025-12-31" / "tutors.csv"
    tutors.write_text(tutors.read_text().replace("Pichardo", "Pichard0"))
    with pytest.raises(LakehouseError, match=r"tutors\.csv differs from"):
        land(lake, committed)
    tutors.unlink()
    (tutors.parent / "tutors_v2.csv").write_bytes(storage.read_bytes(HISTORY_FILES[2]))
    with pytest.raises(LakehouseError, match="already landed with other files"):
        land(lake, committed)
    assert storage.list("raw") == HISTORY_FILES


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda root: (root / "payments").mkdir(), "unexpected in a raw folder"),
        (lambda root: (root / "sessions" / "2025-12-31").mkdir(), "expected a folder ingest_date"),
        (
            lambda root: (root / "sessions" / "ingest_date=2026-01-01").mkdir(),
            "no files (expected .csv or .parquet files)",
        ),
        (
            lambda root: (root / "tutors" / "ingest_date=2025-12-31" / "notes.txt").write_text("x"),
            "unexpected notes.txt",
        ),
        (
            lambda root: (root / "students" / "ingest_date=2025-12-31" / "students.csv").write_text(
                "student_id,first_name\n1,Ada\n"
            ),
            "missing required column(s) last_name",
        ),
    ],
    ids=["unknown-folder", "bad-partition", "empty-partition", "stray-file", "bad-header"],
)
def test_land_checks_the_layout_before_writing(
    lake: Settings, storage: Storage, committed: Path, change, message: str
) -> None:
    change(committed)
    with pytest.raises(InputFileError) as caught:
        land(lake, committed)
    assert message in str(caught.value)
    assert storage.list("raw") == []


def invoke(lake: Settings, *args: str):
    return CliRunner().invoke(app, ["--lake", lake.lake, *args], catch_exceptions=False)


def test_commands_land_ingest_and_check(lake: Settings, storage: Storage, committed: Path) -> None:
    landed = invoke(lake, "land", str(committed), "--json")
    assert landed.exit_code == 0 and json.loads(landed.output)["files"] == 3
    usage = invoke(lake, "ingest")
    assert usage.exit_code == 2 and "either --date YYYY-MM-DD or --all" in usage.output
    ingested = invoke(lake, "ingest", "--all", "--json")
    assert ingested.exit_code == 0, ingested.output
    (detail,) = json.loads(ingested.output)
    assert detail["sessions"]["kept"] == 10661 and detail["reconciled"]
    again = invoke(lake, "ingest", "--date", "2025-12-31")
    assert again.exit_code == 0 and "already ingested" in again.output
    checked = invoke(lake, "check")
    assert checked.exit_code == 0, checked.output
    assert storage.list("_ops/dq") == ["_ops/dq/ingest_date=2025-12-31.json"]

    # a dimension's rows written twice (by a tool outside the pipeline): two current rows per
    # student, duplicate keys
    from lakehouse.lake.catalog import ALIAS, connect_lake

    con = connect_lake(lake)
    con.execute(
        f"INSERT INTO {ALIAS}.silver.dim_students SELECT * FROM {ALIAS}.silver.dim_students"
    )
    con.close()
    failed = invoke(lake, "check", "--json")
    assert failed.exit_code == 1
    report = json.loads(failed.output)
    failing = {c["check"] for c in report["checks"] if c["status"] == "FAIL"}
    assert {"one_current_version", "unique_keys"} <= failing
    (current,) = [c for c in report["checks"] if c["check"] == "one_current_version"]
    assert current["failing_rows"] == 934 and current["sample"][0]["current_versions"] == 2
