"""SCD2 dimensions: deltas close and open versions, keys stay stable, facts follow."""

from __future__ import annotations

from datetime import date, datetime

from lakehouse.config import Settings
from lakehouse.lake.storage import Storage
from lakehouse.silver.ingest import ingest_batch
from lakehouse.silver.quality import run_checks
from tests.silver.silver_helpers import HISTORY, daily, history, rows

D1, D2 = date(2026, 1, 5), date(2026, 1, 6)
OPEN = datetime(9999, 12, 31, 23, 59, 59)
PERSON = ("Ada", "Lovelace", "F", "2009-02-01", "10", "Active")


def versions(settings: Settings, student_id: int) -> list[tuple]:
    return [
        (v["student_sk"], v["effective_start_ts"], v["effective_end_ts"], v["is_current"],
         v["contract_rate"], v["change_type"])
        for v in rows(settings, "silver.dim_students", where=f"student_id = {student_id}",
                      order="effective_start_ts")
    ]  # fmt: skip


def sk(settings: Settings, session_id: int) -> int:
    return rows(settings, "silver.fct_sessions", where=f"session_id = {session_id}")[0][
        "student_sk"
    ]


def test_updates_inserts_and_a_back_dated_change(lake: Settings, storage: Storage) -> None:
    history(storage, [(1, 1, 7, 2, "2025-03-01 15:00:00", "1.0", "0")])
    daily(
        storage,
        D1,
        students=[
            (1, *PERSON, "120", "2025-01-01 10:00:00", "2026-01-04 12:00:00", "UPDATE"),
            (4, *PERSON, "120", "2026-01-04 13:00:00", "2026-01-04 13:00:00", "INSERT"),
        ],
        sessions=[
            (60, 1, 7, 2, "2026-01-04 11:00:00", "1.0", "0"),  # before the update
            (61, 1, 7, 2, "2026-01-04 12:00:00", "1.0", "0"),  # at the update: new version
            (62, 4, 7, 2, "2026-01-04 13:00:00", "1.0", "0"),
        ],
    )
    # a change dated back into the history: it re-cuts the windows around it
    daily(
        storage,
        D2,
        students=[(1, *PERSON, "90", "2025-01-01 10:00:00", "2025-08-01 00:00:00", "UPDATE")],
    )
    ingest_batch(lake, HISTORY)
    ingest_batch(lake, D1)
    update, created = datetime(2026, 1, 4, 12), datetime(2025, 1, 1, 10)
    assert versions(lake, 1) == [
        (1, created, update, False, 100.0, "MIGRATION"),
        (4, update, OPEN, True, 120.0, "UPDATE"),
    ]
    assert versions(lake, 4) == [(5, datetime(2026, 1, 4, 13), OPEN, True, 120.0, "INSERT")]
    assert [sk(lake, s) for s in (1, 60, 61, 62)] == [1, 1, 4, 5]
    new = rows(lake, "silver.dim_students", where="student_sk = 4")[0]
    assert (new["source_batch_id"], new["raw_ingest_ts"], new["slv_ingest_ts"]) == (
        f"sim_{D1}",
        datetime(2026, 1, 5, 0, 0, 0, 100000),
        datetime(2026, 1, 5, 1),
    )

    ingest_batch(lake, D2)
    back = datetime(2025, 8, 1)
    assert versions(lake, 1) == [
        (1, created, back, False, 100.0, "MIGRATION"),
        (6, back, update, False, 90.0, "UPDATE"),
        (4, update, OPEN, True, 120.0, "UPDATE"),
    ]
    # session 60 (Jan 4, 11:00) now falls in the back-dated version; the others keep theirs
    assert [sk(lake, s) for s in (1, 60, 61, 62)] == [1, 6, 4, 5]
    report = run_checks(lake, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]


def test_tutor_versions_follow_their_deltas(lake: Settings, storage: Storage) -> None:
    history(storage)
    tutor = ("Tom", "Tutor", "M", "1990-01-01", "45")
    daily(
        storage,
        D1,
        tutors=[(7, *tutor, "4", "2025-01-01 09:00:00", "2026-01-04 18:00:00", "UPDATE")],
    )
    ingest_batch(lake, HISTORY)
    ingest_batch(lake, D1)
    found = rows(lake, "silver.dim_tutors", where="tutor_id = 7", order="effective_start_ts")
    assert [
        (t["tutor_sk"], t["contract_rate"], t["active_students"], t["is_current"]) for t in found
    ] == [
        (1, 40.0, 3, False),
        (3, 45.0, 4, True),
    ]
    assert (
        found[0]["effective_end_ts"] == found[1]["effective_start_ts"] == datetime(2026, 1, 4, 18)
    )
