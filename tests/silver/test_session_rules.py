"""The session rules of docs/silver.md, one small hand-built batch each, with exact silver rows."""

from __future__ import annotations

from datetime import date, datetime

from lakehouse.config import Settings
from lakehouse.lake.storage import Storage
from lakehouse.silver.ingest import ingest_batch, ingest_pending
from lakehouse.silver.quality import run_checks
from tests.silver.silver_helpers import HISTORY, daily, history, rows

D1, D2 = date(2026, 1, 5), date(2026, 1, 6)
D1_TS = datetime(2026, 1, 5, 0, 0, 0, 100000)  # the rows' ingest_ts (silver_helpers.put_raw)


def fact(settings: Settings, session_id: int) -> dict:
    (row,) = rows(settings, "silver.fct_sessions", where=f"session_id = {session_id}")
    return row


def audit(settings: Settings, day: date | None = None) -> list[tuple]:
    where = f"ingest_date = DATE '{day}'" if day else ""
    return [
        (e["session_id"], e["reason_code"], e["action"])
        for e in rows(settings, "silver.err_sessions", order="session_id, reason_code", where=where)
    ]


def assert_checks_pass(settings: Settings) -> None:
    report = run_checks(settings, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]


def months(settings) -> list[str]:
    """The session_month partitions fct_sessions holds rows in."""
    return sorted({r["session_month"] for r in rows(settings, "silver.fct_sessions")})


def test_history_rows_are_typed_and_keyed(lake: Settings, storage: Storage) -> None:
    # ids and status written as floats, as the original's pandas writer did with nulls around
    history(
        storage,
        [
            (1, 1, 7, 2, "2025-03-01 15:00:00", "1.5", "0"),
            ("2.0", "2.0", "8.0", "3.0", "2025-04-01 16:00:00", "1.0", "2.0"),
        ],
    )
    result = ingest_batch(lake, HISTORY)
    assert result.source_batch_id == "migration" and result.months_written == ("2025-03", "2025-04")
    assert fact(lake, 2) == {
        "session_id": 2,
        "student_id": 2,
        "tutor_id": 8,
        "subject_id": 3,
        "session_ts": datetime(2025, 4, 1, 16),
        "duration_hours": 1.0,
        "status": 2,
        "is_billable": False,
        "student_sk": 2,
        "tutor_sk": 2,
        "is_orphan": False,
        "dq_flags": "",
        "source_batch_id": "migration",
        "ingest_date": HISTORY,
        "raw_ingest_ts": datetime(2025, 12, 31),
        "slv_ingest_ts": datetime(2025, 12, 31, 1),
        "session_month": "2025-04",
    }
    assert fact(lake, 1)["is_billable"] and fact(lake, 1)["duration_hours"] == 1.5
    student = rows(lake, "silver.dim_students", where="student_id = 3")[0]
    assert {k: student[k] for k in ("student_sk", "effective_start_ts", "effective_end_ts")} == {
        "student_sk": 3,
        "effective_start_ts": datetime(2025, 1, 1, 10),  # valid from `created`
        "effective_end_ts": datetime(9999, 12, 31, 23, 59, 59),
    }
    assert student["is_current"] and student["change_type"] == "MIGRATION"
    assert student["contract_rate"] == 100.0 and student["grade"] == 10
    assert months(lake) == ["2025-03", "2025-04"]
    assert audit(lake) == []
    assert [r["source_batch_id"] for r in rows(lake, "silver.ingest_batches")] == ["migration"] * 3


def test_repairs_of_a_daily_batch(lake: Settings, storage: Storage) -> None:
    history(storage, [(1, 1, 7, 2, "2025-11-03 15:00:00", "1.0", "0")])
    daily(
        storage,
        D1,
        sessions=[
            (10, 1, 7, "", "2026-01-04 15:00:00", "", ""),  # missing subject, duration, status
            (11, 2, 8, 4, "2026-01-04 16:00:00", "90.0", "1.0"),  # minutes
            (12, 3, 7, 2, "2026-01-20 17:00:00", "1.0", "0"),  # after the ingest time
            (13, 1, 7, 2, "2025-11-20 15:00:00", "1.0", "0"),  # late-arriving, back-dated
        ],
    )
    ingest_pending(lake)
    assert {
        k: fact(lake, 10)[k] for k in ("subject_id", "duration_hours", "status", "dq_flags")
    } == {
        "subject_id": 1,
        "duration_hours": 1.0,
        "status": 0,
        "dq_flags": "ERR_INVALID_DESCRIPTOR,ERR_MISSING_STATUS,ERR_MISSING_SUBJECT",
    }
    assert (
        fact(lake, 11)["duration_hours"] == 1.5 and fact(lake, 11)["dq_flags"] == "ERR_UNITS_RANGE"
    )
    clamped = fact(lake, 12)
    assert clamped["session_ts"] == D1_TS == clamped["raw_ingest_ts"]
    assert clamped["session_month"] == "2026-01" and clamped["dq_flags"] == "ERR_INVALID_STAMP"
    late = fact(lake, 13)
    assert late["session_ts"] == datetime(2025, 11, 20, 15) and late["dq_flags"] == ""
    # the back-dated session joined the November partition, next to the history's session
    november = rows(lake, "silver.fct_sessions", where="session_month = '2025-11'")
    assert [r["session_id"] for r in november] == [1, 13]
    assert audit(lake, D1) == [
        (10, "ERR_INVALID_DESCRIPTOR", "repaired"),
        (10, "ERR_MISSING_STATUS", "repaired"),
        (10, "ERR_MISSING_SUBJECT", "repaired"),
        (11, "ERR_UNITS_RANGE", "repaired"),
        (12, "ERR_INVALID_STAMP", "repaired"),
    ]
    (minutes,) = rows(lake, "silver.err_sessions", where="reason_code = 'ERR_UNITS_RANGE'")
    assert minutes["raw_duration"] == "90.0" and minutes["source_row"] == 2
    assert minutes["detail"] == "duration 90.0 is 60 or more, read as minutes: 1.5 h"
    (record,) = rows(
        lake, "silver.ingest_batches", where=f"ingest_date = DATE '{D1}' AND entity = 'sessions'"
    )
    assert (record["raw_rows"], record["kept_rows"], record["repaired_rows"]) == (4, 4, 3)
    assert_checks_pass(lake)


def test_duplicates_within_a_batch_keep_the_latest(lake: Settings, storage: Storage) -> None:
    history(storage)
    later = f"{D1} 00:00:00.200"
    daily(
        storage,
        D1,
        sessions=[
            (20, 1, 7, 2, "2026-01-04 15:00:00", "1.0", "0", f"sim_{D1}", f"{D1} 00:00:00.100"),
            (
                20,
                1,
                7,
                2,
                "2026-01-04 15:00:00",
                "1.0",
                "1",
                f"sim_{D1}",
                later,
            ),  # same stamp, later
            (20, 1, 7, 2, "2026-01-03 15:00:00", "2.0", "0", f"sim_{D1}", later),  # older stamp
            (21, 2, 8, 2, "2026-01-04 15:00:00", "1.0", "0"),
            (21, 2, 8, 2, "2026-01-04 15:00:00", "1.0", "0"),  # exact replay: last one wins
        ],
    )
    (result,) = ingest_pending(lake)[1:]
    sessions = result.entity("sessions")
    assert (sessions.raw, sessions.kept, sessions.superseded) == (5, 2, 3)
    assert fact(lake, 20)["status"] == 1
    superseded = rows(lake, "silver.err_sessions", order="source_row")
    assert [(e["source_row"], e["reason_code"], e["action"]) for e in superseded] == [
        (1, "DUPLICATE_EMISSION", "superseded"),
        (3, "DUPLICATE_EMISSION", "superseded"),
        (4, "DUPLICATE_EMISSION", "superseded"),
    ]
    assert superseded[0]["detail"].startswith(
        f"session 20 emitted more than once in the batch; kept raw/sessions/ingest_date={D1}"
        "/new_sessions.csv:2"
    )
    assert superseded[1]["raw_stamp"] == "2026-01-03 15:00:00"


def test_a_later_batch_supersedes_an_earlier_one(lake: Settings, storage: Storage) -> None:
    history(storage)
    daily(storage, D1, sessions=[(30, 1, 7, 2, "2026-01-04 15:00:00", "1.0", "0")])
    daily(storage, D2, sessions=[(30, 1, 7, 2, "2025-12-20 15:00:00", "2.0", "2")])
    first, second = ingest_pending(lake)[1:]
    assert first.months_written == ("2026-01",) and second.superseded_earlier == 1
    assert second.months_written == ("2025-12", "2026-01")
    row = fact(lake, 30)
    assert (row["session_ts"], row["status"], row["source_batch_id"], row["ingest_date"]) == (
        datetime(2025, 12, 20, 15),
        2,
        f"sim_{D2}",
        D2,
    )
    # the January partition held only the replaced row: it is gone
    assert months(lake) == ["2025-12"]
    (replaced,) = rows(lake, "silver.err_sessions", where=f"ingest_date = DATE '{D2}'")
    assert {
        k: replaced[k] for k in ("source_batch_id", "source_file", "raw_stamp", "raw_status")
    } == {
        "source_batch_id": f"sim_{D1}",
        "source_file": None,
        "raw_stamp": "2026-01-04 15:00:00",
        "raw_status": "0",
    }
    assert (replaced["reason_code"], replaced["action"]) == ("SUPERSEDED_LATER_BATCH", "superseded")
    assert replaced["detail"].startswith(
        f"replaced by raw/sessions/ingest_date={D2}/new_sessions.csv:1 of batch sim_{D2}"
    )
    # each batch's record still reconciles: D1 kept its row when it was ingested
    records = rows(lake, "silver.ingest_batches", where="entity = 'sessions'", order="ingest_date")
    assert [(r["raw_rows"], r["kept_rows"], r["superseded_rows"]) for r in records] == [
        (0, 0, 0),
        (1, 1, 0),
        (1, 1, 0),
    ]
    assert_checks_pass(lake)


def test_missing_tutor_comes_from_the_students_sessions(lake: Settings, storage: Storage) -> None:
    history(storage, [(1, 1, 7, 2, "2025-12-01 15:00:00", "1.0", "0")])
    daily(
        storage,
        D1,
        sessions=[
            (40, 1, 8, 2, "2026-01-02 15:00:00", "1.0", "0"),
            (41, 1, "", 2, "2026-01-04 15:00:00", "1.0", "0"),  # latest earlier: 40 (tutor 8)
            (42, 1, "", 2, "2025-11-01 15:00:00", "1.0", "0"),  # none earlier: nearest later, 1
            (43, 2, "", 2, "2026-01-04 15:00:00", "1.0", "0"),  # student 2 has no other session
            (44, 1, "", 2, "2026-01-02 15:00:00", "1.0", "0"),  # same stamp as 40 counts
        ],
    )
    ingest_pending(lake)
    assert [fact(lake, s)["tutor_id"] for s in (41, 42, 43, 44)] == [8, 7, None, 8]
    unknown = fact(lake, 43)
    assert unknown["is_orphan"] and unknown["tutor_sk"] is None and unknown["student_sk"] == 2
    tutors = rows(
        lake, "silver.err_sessions", where="reason_code = 'ERR_MISSING_TUTOR'", order="session_id"
    )
    assert [(t["session_id"], t["action"]) for t in tutors] == [
        (41, "repaired"),
        (42, "repaired"),
        (43, "flagged"),
        (44, "repaired"),
    ]
    assert tutors[0]["detail"] == (
        "tutor missing: tutor 8 of the student's latest earlier session 40 (2026-01-02 15:00:00)"
    )
    assert "nearest later session 1" in tutors[1]["detail"]
    assert tutors[2]["detail"].endswith("left unknown")
    assert_checks_pass(lake)


def test_orphans_are_kept_flagged_and_resolved_when_their_ids_arrive(
    lake: Settings, storage: Storage
) -> None:
    history(storage)
    daily(storage, D1, sessions=[(50, 99, 55, 2, "2026-01-04 15:00:00", "1.0", "0")])
    daily(
        storage,
        D2,
        students=[(99, "Late", "Arrival", "F", "2010-01-01", "9", "Active", "120",
                   "2026-01-03 10:00:00", "2026-01-03 10:00:00", "INSERT")],
    )  # fmt: skip
    daily(
        storage,
        date(2026, 1, 7),
        tutors=[(55, "New", "Tutor", "M", "1995-01-01", "45", "1",
                 "2026-01-06 10:00:00", "2026-01-06 10:00:00", "INSERT")],
    )  # fmt: skip
    ingest_batch(lake, HISTORY)
    ingest_batch(lake, D1)
    orphan = fact(lake, 50)
    assert orphan["is_orphan"] and (orphan["student_sk"], orphan["tutor_sk"]) == (None, None)
    assert audit(lake) == [
        (50, "ERR_ORPHAN_STUDENT", "flagged"),
        (50, "ERR_ORPHAN_TUTOR", "flagged"),
    ]
    assert_checks_pass(lake)

    ingest_batch(lake, D2)  # the student arrives: the row gets its key, the tutor is still unknown
    row = fact(lake, 50)
    assert row["student_sk"] == 4 and row["tutor_sk"] is None and row["is_orphan"]
    assert (row["ingest_date"], row["slv_ingest_ts"]) == (D1, datetime(2026, 1, 5, 1))
    ingest_batch(lake, date(2026, 1, 7))  # the tutor, created after the session: first version
    row = fact(lake, 50)
    assert (row["student_sk"], row["tutor_sk"], row["is_orphan"]) == (4, 3, False)
    assert_checks_pass(lake)


def test_invalid_ingest_ts_falls_back_to_the_batch_date(lake: Settings, storage: Storage) -> None:
    history(storage)
    daily(
        storage,
        D1,
        sessions=[
            (90, 1, 7, 2, "2026-01-04 15:00:00", "1.0", "0", f"sim_{D1}", "yesterday"),
            (91, 1, 7, 2, "2026-01-04 16:00:00", "1.0", "0", f"sim_{D1}", "2025-06-01 00:00:00"),
        ],
    )
    ingest_pending(lake)
    assert (
        fact(lake, 90)["raw_ingest_ts"] == datetime(2026, 1, 5) == fact(lake, 91)["raw_ingest_ts"]
    )
    assert audit(lake) == [
        (90, "ERR_INVALID_INGEST_TS", "repaired"),
        (91, "ERR_INVALID_INGEST_TS", "repaired"),
    ]
