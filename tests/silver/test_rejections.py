"""Row-level corruption never stops an ingest and never loses a row: each mode is rejected
(or repaired) with its raw values and a reason, and the batch still reconciles."""

from __future__ import annotations

from datetime import date

from lakehouse.config import Settings
from lakehouse.lake.storage import Storage
from lakehouse.silver.ingest import ingest_pending
from tests.silver.silver_helpers import daily, history, put_raw, rows

D1 = date(2026, 1, 5)
TS = "2026-01-04 15:00:00"
BATCH = (f"sim_{D1}", f"{D1} 00:00:00.100")


def test_each_corruption_mode_has_its_reason(lake: Settings, storage: Storage) -> None:
    history(storage)
    sessions = [
        ("abc", 1, 7, 2, TS, "1.0", "0"),  # 1
        ("", 1, 7, 2, TS, "1.0", "0"),  # 2
        (70, "", 7, 2, TS, "1.0", "0"),  # 3
        (71, 1, 7, 2, TS, "1.0", "7"),  # 4 status out of range
        (72, 1, 7, 2, TS, "1.0", "x"),  # 5
        (73, 1, 7, 9, TS, "1.0", "0"),  # 6 unknown subject
        (74, 1, 7, 2, TS, "-1", "0"),  # 7
        (75, 1, 7, 2, TS, "0", "0"),  # 8
        (76, 1, 7, 2, TS, "30", "0"),  # 9 30 h: not minutes (< 60), too long for a session
        (77, 1, 7, 2, "2026-13-01 10:00:00", "1.0", "0"),  # 10 no month 13
        (78, 1, 7, 2, "2026/01/04 10:00", "1.0", "0"),  # 11
        (79, 1, 7, 2, "", "1.0", "0"),  # 12
        (80, 1, 7, 2, TS, "1.0", "0", *BATCH, "surplus"),  # 13 one field too many
        (81, 1, 7, 2, TS),  # 14 fields missing
        (82, 1, 7, 2, TS, "1.0", ""),  # 15 kept (status repaired)
        (83, 1, "t7", 2, TS, "1.0", "0"),  # 16
        (84, "1.5", 7, 2, TS, "1.0", "0"),  # 17 an id that is not whole
    ]
    full = [row if len(row) != 7 else (*row, *BATCH) for row in sessions]
    put_raw(storage, "sessions", D1, full, pad=False)
    daily_dims = [("students", "students_delta"), ("tutors", "tutors_delta")]
    for entity, name in daily_dims:
        put_raw(storage, entity, D1, [], name)
    result = ingest_pending(lake)[-1]
    counts = result.entity("sessions")
    assert (counts.raw, counts.kept, counts.superseded, counts.rejected) == (17, 1, 0, 16)
    err = rows(lake, "silver.err_sessions", order="source_row")
    assert [(e["source_row"], e["reason_code"], e["action"]) for e in err] == [
        (1, "ERR_UNPARSEABLE", "rejected"),
        (2, "ERR_MISSING_KEY", "rejected"),
        (3, "ERR_MISSING_KEY", "rejected"),
        (4, "ERR_OUT_OF_RANGE", "rejected"),
        (5, "ERR_UNPARSEABLE", "rejected"),
        (6, "ERR_OUT_OF_RANGE", "rejected"),
        (7, "ERR_OUT_OF_RANGE", "rejected"),
        (8, "ERR_OUT_OF_RANGE", "rejected"),
        (9, "ERR_OUT_OF_RANGE", "rejected"),
        (10, "ERR_MALFORMED_STAMP", "rejected"),
        (11, "ERR_MALFORMED_STAMP", "rejected"),
        (12, "ERR_MALFORMED_STAMP", "rejected"),
        (13, "ERR_MALFORMED_ROW", "rejected"),
        (14, "ERR_MALFORMED_ROW", "rejected"),
        (15, "ERR_MISSING_STATUS", "repaired"),
        (16, "ERR_UNPARSEABLE", "rejected"),
        (17, "ERR_UNPARSEABLE", "rejected"),
    ]
    detail = {e["source_row"]: e["detail"] for e in err}
    assert detail[4] == "status is not 0, 1 or 2"
    assert detail[6] == "unknown subject"
    assert detail[9] == "duration is over 12 h"
    assert detail[16] == "not a number of the expected form: tutor_id"
    assert detail[3] == "student_id is empty"
    assert "line has 10 fields" in detail[13] and "line has 5 fields" in detail[14]
    # raw values are kept as they were in the file, also for a malformed line
    assert (err[0]["raw_session_id"], err[0]["session_id"]) == ("abc", None)
    assert (err[13]["raw_session_id"], err[13]["raw_stamp"], err[13]["raw_duration"]) == (
        "81",
        TS,
        None,
    )
    assert [f["session_id"] for f in rows(lake, "silver.fct_sessions")] == [82]


def test_a_clean_row_after_malformed_lines_keeps_its_row_number(
    lake: Settings, storage: Storage
) -> None:
    history(storage)
    put_raw(
        storage,
        "sessions",
        D1,
        [(1, 1, 7), (2, 1, 7, 2, TS, "", "0", *BATCH), (3,), (4, 1, 7, 2, TS, "", "0", *BATCH)],
        pad=False,
    )
    for entity, name in (("students", "students_delta"), ("tutors", "tutors_delta")):
        put_raw(storage, entity, D1, [], name)
    ingest_pending(lake)
    err = rows(lake, "silver.err_sessions", order="source_row")
    assert [(e["source_row"], e["raw_session_id"], e["reason_code"]) for e in err] == [
        (1, "1", "ERR_MALFORMED_ROW"),
        (2, "2", "ERR_INVALID_DESCRIPTOR"),
        (3, "3", "ERR_MALFORMED_ROW"),
        (4, "4", "ERR_INVALID_DESCRIPTOR"),
    ]


def test_dimension_rows_are_audited(lake: Settings, storage: Storage) -> None:
    history(storage)
    person = ("Kim", "Lee", "F", "2010-05-05")
    daily(
        storage,
        D1,
        students=[
            ("", *person, "9", "Active", "120", TS, TS, "INSERT"),  # 1 no id
            (5, *person, "9", "Active", "120", TS, "not a time", "INSERT"),  # 2
            (1, *person, "9", "Active", "120", "2025-01-01 10:00:00", TS, "MERGE"),  # 3
            (2, *person, "9", "Active", "120", "2025-01-01 10:00:00", TS, "UPDATE"),  # 4
            (2, *person, "ten", "Active", "130", "2025-01-01 10:00:00", "2026-01-04 16:00:00",
             "UPDATE"),  # 5 the later of two rows for student 2
        ],
    )  # fmt: skip
    result = ingest_pending(lake)[-1]
    students = result.entity("students")
    assert (students.raw, students.kept, students.repaired) == (5, 2, 2)
    assert (students.superseded, students.rejected) == (1, 2)
    err = rows(lake, "silver.err_dimensions", order="source_row, reason_code")
    assert [(e["source_row"], e["entity_id"], e["reason_code"], e["action"]) for e in err] == [
        (1, None, "ERR_MISSING_KEY", "rejected"),
        (2, 5, "ERR_MALFORMED_STAMP", "rejected"),
        (3, 1, "ERR_INVALID_CHANGE_TYPE", "repaired"),
        (4, 2, "DUPLICATE_EMISSION", "superseded"),
        (5, 2, "ERR_UNPARSEABLE", "repaired"),
    ]
    assert (
        err[2]["detail"]
        == "change_type 'MERGE' is not INSERT or UPDATE: UPDATE from created/updated"
    )
    assert err[1]["raw_record"].startswith("5,Kim,Lee,F,2010-05-05,9,Active,120,")
    current = rows(lake, "silver.dim_students", where="student_id = 2 AND is_current")[0]
    assert (current["grade"], current["contract_rate"]) == (None, 130.0)


def test_ids_in_other_numeric_spellings_and_inexact_stamps_are_rejected(
    lake: Settings, storage: Storage
) -> None:
    """A history session 1000 exists; rows whose id only *reads* as 1000 in some numeric
    spelling must not replace it, and a stamp with a zone or an impossible hour is not kept."""
    history(storage, sessions=[(1000, 1, 7, 2, "2025-06-02 10:00:00", "1.0", "0")])
    sessions = [
        ("1e3", 1, 7, 2, TS, "1.0", "0"),  # 1 exponent
        ("+1000", 1, 7, 2, TS, "1.0", "0"),  # 2 sign
        ("1_000", 1, 7, 2, TS, "1.0", "0"),  # 3 digit separator
        (90, "1e0", 7, 2, TS, "1.0", "0"),  # 4 student id spelled as a float exponent
        (91, 1, "+7", 2, TS, "1.0", "0"),  # 5 tutor id with a sign
        (92, 1, 7, 2, "2026-01-04 15:00:00+05", "1.0", "0"),  # 6 a zone
        (93, 1, 7, 2, "2026-01-04 24:00:00", "1.0", "0"),  # 7 hour out of range
        (94, 1, 7, 2, "2026-01-04T15:00:00", "1.0", "0"),  # 8 ISO 'T'
        ("95.0", 1, 7, 2, f" {TS} ", "1.0", "0"),  # 9 kept: float id form, blanks
        (96, 1, 7, 2, "2026-01-04 15:00:00.250", "1.0", "0"),  # 10 kept: a fraction
    ]
    put_raw(storage, "sessions", D1, [(*row, *BATCH) for row in sessions], pad=False)
    for entity, name in (("students", "students_delta"), ("tutors", "tutors_delta")):
        put_raw(storage, entity, D1, [], name)
    counts = ingest_pending(lake)[-1].entity("sessions")
    assert (counts.raw, counts.kept, counts.rejected) == (10, 2, 8)
    err = rows(lake, "silver.err_sessions", order="source_row")
    codes = [(e["source_row"], e["reason_code"]) for e in err if e["source_row"] is not None]
    assert codes == [
        (1, "ERR_UNPARSEABLE"),
        (2, "ERR_UNPARSEABLE"),
        (3, "ERR_UNPARSEABLE"),
        (4, "ERR_UNPARSEABLE"),
        (5, "ERR_UNPARSEABLE"),
        (6, "ERR_MALFORMED_STAMP"),
        (7, "ERR_MALFORMED_STAMP"),
        (8, "ERR_MALFORMED_STAMP"),
    ]
    assert "2026-01-04 24:00:00" in err[6]["detail"]
    kept = rows(lake, "silver.fct_sessions", order="session_id")
    history_row = next(r for r in kept if r["session_id"] == 1000)
    assert history_row["source_batch_id"] == "migration"  # not replaced
    assert {r["session_id"] for r in kept} == {1000, 95, 96}


def test_dimension_corruption_modes_are_repaired_or_superseded(
    lake: Settings, storage: Storage
) -> None:
    """The simulator's delta corruption modes: a rate written in cents, a date of birth
    written MM/DD/YYYY, the same delta row twice; and a date no rule can read."""
    history(storage)
    kim = ("Kim", "Lee", "F")
    later = "2026-01-04 16:00:00"
    daily(
        storage,
        D1,
        students=[
            (1, *kim, "2010-05-05", "9", "Active", "12000", "2025-01-01 10:00:00", TS, "UPDATE"),
            (2, *kim, "5/7/2010", "9", "Active", "120", "2025-01-01 10:00:00", TS, "UPDATE"),
            (3, *kim, "2010-05-05", "9", "Active", "130", "2025-01-01 10:00:00", later, "UPDATE"),
            (3, *kim, "2010-05-05", "9", "Active", "130", "2025-01-01 10:00:00", later, "UPDATE"),
            (4, *kim, "13/45/2010", "9", "Active", "120", TS, TS, "INSERT"),
        ],
        tutors=[(7, "Tom", "Tutor", "M", "01/20/1990", "4500", "3", "2025-01-01 09:00:00", TS,
                 "UPDATE")],
    )  # fmt: skip
    result = ingest_pending(lake)[-1]
    students = result.entity("students")
    assert (students.raw, students.kept, students.repaired, students.superseded) == (5, 4, 3, 1)
    assert result.entity("tutors").repaired == 1
    current = {
        r["student_id"]: (r["contract_rate"], r["date_of_birth"])
        for r in rows(lake, "silver.dim_students", where="is_current")
    }
    assert current[1] == (120.0, date(2010, 5, 5))
    assert current[2] == (120.0, date(2010, 5, 7))  # month/day/year
    assert current[3] == (130.0, date(2010, 5, 5))
    assert current[4] == (120.0, None)
    (tom,) = rows(lake, "silver.dim_tutors", where="is_current AND tutor_id = 7")
    assert (tom["contract_rate"], tom["date_of_birth"]) == (45.0, date(1990, 1, 20))
    err = rows(lake, "silver.err_dimensions", order="entity, source_row, reason_code")
    assert [(e["entity"], e["source_row"], e["reason_code"], e["action"]) for e in err] == [
        ("students", 1, "ERR_RATE_UNITS", "repaired"),
        ("students", 2, "ERR_MALFORMED_DATE", "repaired"),
        ("students", 3, "DUPLICATE_EMISSION", "superseded"),
        ("students", 5, "ERR_UNPARSEABLE", "repaired"),
        ("tutors", 1, "ERR_MALFORMED_DATE", "repaired"),
        ("tutors", 1, "ERR_RATE_UNITS", "repaired"),
    ]
    assert err[0]["detail"] == "contract_rate of 1,000 or more read as cents: divided by 100"
