"""The original project's own files (data/seed-data) ingest as they are.

The expected numbers are not copied from a run: they are counted straight from the raw CSV
files with plain queries, independently of the silver SQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from lakehouse.bronze.landing import land
from lakehouse.config import Settings
from lakehouse.silver.ingest import ingest_pending
from lakehouse.silver.quality import run_checks
from tests.silver.silver_helpers import rows


def raw_facts(folder: Path) -> dict[str, int]:
    """Counts of the corruption modes in the daily session files, read with plain DuckDB."""
    con = duckdb.connect()
    daily = f"read_csv('{folder}/sessions/*/new_sessions.csv', all_varchar = true)"
    everything = f"read_csv('{folder}/sessions/*/*.csv', all_varchar = true, union_by_name = true)"
    counts = con.execute(
        f"""
        SELECT
            (SELECT count(*) FROM {everything}),
            (SELECT count(DISTINCT session_id) FROM {everything}),
            count(*) FILTER (WHERE tutor_id IS NULL),
            count(*) FILTER (WHERE status IS NULL),
            count(*) FILTER (WHERE duration IS NULL),
            count(*) FILTER (WHERE CAST(duration AS DOUBLE) >= 60),
            count(*) FILTER (WHERE CAST(stamp AS TIMESTAMP) > CAST(ingest_ts AS TIMESTAMP)),
            count(*),
            count(DISTINCT session_id)
        FROM {daily}
        """
    ).fetchone()
    assert counts is not None
    return dict(
        zip(
            (
                "rows",
                "distinct_ids",
                "no_tutor",
                "no_status",
                "no_duration",
                "minutes",
                "future",
                "daily_rows",
                "daily_distinct",
            ),
            counts,
            strict=True,
        )
    )


def test_committed_history_ingests_clean(lake: Settings, seed_data: Path) -> None:
    landed = land(lake, seed_data / "committed" / "raw")
    assert [d.isoformat() for d in landed.landed] == ["2025-12-31"]
    (result,) = ingest_pending(lake)
    detail = result.to_detail()
    assert detail["source_batch_id"] == "migration"
    assert detail["sessions"] == {
        "raw": 10661, "kept": 10661, "repaired": 0, "superseded": 0, "rejected": 0,
    }  # fmt: skip
    assert detail["students"]["kept"] == 934 and detail["tutors"]["kept"] == 5
    # the original history has 5 sessions stamped before their tutor was created: kept,
    # keyed to the tutor's first version, and flagged (nothing else to report)
    con = duckdb.connect()
    early = con.execute(
        f"""
        SELECT CAST(s.session_id AS BIGINT)
        FROM read_csv('{seed_data}/committed/raw/sessions/*/*.csv', all_varchar = true) AS s
        JOIN read_csv('{seed_data}/committed/raw/tutors/*/*.csv', all_varchar = true) AS t
            USING (tutor_id)
        WHERE s.stamp < t.created ORDER BY 1
        """
    ).fetchall()
    err = rows(lake, "silver.err_sessions", order="session_id")
    assert [(e["session_id"],) for e in err] == early and len(early) == 5
    assert {(e["reason_code"], e["action"]) for e in err} == {
        ("ERR_BEFORE_FIRST_VERSION", "flagged")
    }
    students = rows(lake, "silver.dim_students", order="student_id")
    assert [s["student_sk"] for s in students] == list(range(1, 935))
    assert all(s["is_current"] and s["change_type"] == "MIGRATION" for s in students)
    report = run_checks(lake)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]


def first_batches(folder: Path, daily: int, target: Path) -> Path:
    """A copy of the raw folder holding the history and its first `daily` daily batches."""
    for entity in sorted(folder.iterdir()):
        for batch in sorted(entity.iterdir())[: daily + 1]:
            shutil.copytree(batch, target / entity.name / batch.name)
    return target


# The fast lane replays the first 15 daily batches (every corruption mode of the replay occurs
# in them at least once), the slow lane all 61.
@pytest.mark.parametrize("daily", [15, pytest.param(61, marks=pytest.mark.slow)])
def test_replay_every_batch_reconciles(
    lake: Settings, seed_data: Path, tmp_path: Path, daily: int
) -> None:
    folder = first_batches(seed_data / "replay" / "raw", daily, tmp_path / "raw")
    expected = raw_facts(folder)
    assert min(expected.values()) > 0  # the modes counted below all occur in these batches
    land(lake, folder)
    results = ingest_pending(lake)
    assert len(results) == 1 + daily  # the history and the daily batches
    assert all(r.to_detail()["reconciled"] for r in results)
    sessions = [r.entity("sessions") for r in results]
    assert sum(c.raw for c in sessions) == expected["rows"]
    assert sum(c.rejected for c in sessions) == 0
    # duplicates within a daily batch are superseded, every session id is kept exactly once
    assert (
        sum(c.superseded for c in sessions) == expected["daily_rows"] - expected["daily_distinct"]
    )
    fct = rows(lake, "silver.fct_sessions", order="session_id")
    assert len(fct) == len({f["session_id"] for f in fct}) == expected["distinct_ids"]
    assert not any(f["is_orphan"] for f in fct)
    assert all(f["student_sk"] is not None and f["tutor_sk"] is not None for f in fct)

    err = rows(lake, "silver.err_sessions")
    by_code: dict[str, int] = {}
    for e in err:
        by_code[e["reason_code"]] = by_code.get(e["reason_code"], 0) + 1
    assert by_code["ERR_MISSING_TUTOR"] == expected["no_tutor"]
    assert by_code["ERR_MISSING_STATUS"] == expected["no_status"]
    assert by_code["ERR_INVALID_DESCRIPTOR"] == expected["no_duration"]
    assert by_code["ERR_UNITS_RANGE"] == expected["minutes"]
    assert by_code["ERR_INVALID_STAMP"] == expected["future"]
    assert by_code["DUPLICATE_EMISSION"] == expected["daily_rows"] - expected["daily_distinct"]
    # every missing tutor was filled from the student's own earlier sessions, never with 0
    filled = [e for e in err if e["reason_code"] == "ERR_MISSING_TUTOR"]
    assert all(e["action"] == "repaired" and "earlier session" in e["detail"] for e in filled)

    report = run_checks(lake)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]
