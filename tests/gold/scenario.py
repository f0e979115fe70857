"""The hand-built business the gold tests compute by hand (expected rows in test_gold_tables).

Tutors: 1 Ann Lee (rate 40), 2 Bob Ray (30, then 35 from 2025-10-20 09:00, mid-month),
3 Cy Dee (50), who reaches the cap of 30 students at the end of October.
Students:
- 1 Ada: rate 80, then 100 from 2025-10-16 00:00 (mid-month); weekly with Bob in October:
  completed, no-show, cancelled, completed 1.5 h, completed.
- 2 Bea: two Science sessions in May (rate 100), inactive over the summer, returns on
  2025-09-30 one grade up at rate 120 for Math (no sessions at all June-August).
- 3 Cal: SAT with Ann, completed 2 h then cancelled, inactive from 2025-10-10.
- 100..129: one Math session each with Cy on 2025-10-27 (rate 80), inactive from 2025-11-03.
- 5 Eve: created 2025-11-05 (rate 120); her one session arrived back-dated to 2025-10-29.
- 999: unknown to dim_students (an orphan session on 2025-10-31).
Subject 6 (Social Studies) never has a session; subjects 4-5 neither.
Ratings (1-5): Ada's sessions 101, 104, 105 with Bob 5, 3, 4; Bea's 201 (May), 203 (Sep),
204 (Oct) with Ann 4, 2, 5; one rating of an unknown session. SAT practice scores: Cal 1100 on
2025-10-01 and 1180 on 2025-10-09; Eve 1250 on 2025-11-05; one of an unknown student.
Batches: 2025-10-31 (migration of everything up to Oct 30), 2025-11-01 (the orphan),
2025-11-06 (Eve, with a duplicate emission).
"""

from __future__ import annotations

from tests.gold.silver_fixture import SilverBuilder

MIGRATION, DAY_1, DAY_6 = "2025-10-31", "2025-11-01", "2025-11-06"
CAP_STUDENTS = range(100, 130)


def build() -> SilverBuilder:
    b = SilverBuilder()
    b.tutor(1, "Ann", "Lee", [{"since": "2025-01-01 09:00:00", "contract_rate": 40.0}])
    b.tutor(
        2,
        "Bob",
        "Ray",
        [
            {"since": "2025-01-01 09:00:00", "contract_rate": 30.0},
            {"since": "2025-10-20 09:00:00", "contract_rate": 35.0},
        ],
    )
    b.tutor(3, "Cy", "Dee", [{"since": "2025-09-01 09:00:00", "contract_rate": 50.0}])

    b.student(
        1,
        "Ada",
        "Ames",
        [
            {"since": "2025-10-02 17:00:00", "contract_rate": 80.0, "status": "Active"},
            {"since": "2025-10-16 00:00:00", "contract_rate": 100.0, "status": "Active"},
        ],
    )
    b.student(
        2,
        "Bea",
        "Bell",
        [
            {
                "since": "2025-05-06 16:00:00",
                "contract_rate": 100.0,
                "status": "Active",
                "grade": 9,
            },
            {
                "since": "2025-06-01 00:00:00",
                "contract_rate": 100.0,
                "status": "Inactive",
                "grade": 9,
            },
            {
                "since": "2025-09-30 16:00:00",
                "contract_rate": 120.0,
                "status": "Active",
                "grade": 10,
            },
        ],
    )
    b.student(
        3,
        "Cal",
        "Cruz",
        [
            {"since": "2025-10-01 18:00:00", "contract_rate": 100.0, "status": "Active"},
            {"since": "2025-10-10 12:00:00", "contract_rate": 100.0, "status": "Inactive"},
        ],
    )
    for sid in CAP_STUDENTS:
        b.student(
            sid,
            f"Cap{sid}",
            "Student",
            [
                {"since": "2025-10-27 15:00:00", "contract_rate": 80.0, "status": "Active"},
                {"since": "2025-11-03 15:00:00", "contract_rate": 80.0, "status": "Inactive"},
            ],
        )
    b.student(
        5,
        "Eve",
        "Egan",
        [
            {"since": "2025-11-05 14:00:00", "contract_rate": 120.0, "status": "Active"},
        ],
    )

    # Ada with Bob, Math, weekly at 17:00
    b.session(101, 1, 2, 2, "2025-10-02 17:00:00", status=0, ingest=MIGRATION)
    b.session(102, 1, 2, 2, "2025-10-09 17:00:00", status=1, ingest=MIGRATION)
    b.session(103, 1, 2, 2, "2025-10-16 17:00:00", status=2, ingest=MIGRATION)
    b.session(104, 1, 2, 2, "2025-10-23 17:00:00", status=0, hours=1.5, ingest=MIGRATION)
    b.session(105, 1, 2, 2, "2025-10-30 17:00:00", status=0, ingest=MIGRATION)
    # Bea with Ann: Science in May, Math after the summer
    b.session(201, 2, 1, 3, "2025-05-06 16:00:00", ingest=MIGRATION)
    b.session(202, 2, 1, 3, "2025-05-13 16:00:00", ingest=MIGRATION)
    b.session(203, 2, 1, 2, "2025-09-30 16:00:00", ingest=MIGRATION)
    b.session(204, 2, 1, 2, "2025-10-07 16:00:00", ingest=MIGRATION)
    b.session(205, 2, 1, 2, "2025-10-28 16:00:00", ingest=MIGRATION)
    # Cal with Ann, SAT
    b.session(301, 3, 1, 1, "2025-10-01 18:00:00", hours=2.0, ingest=MIGRATION)
    b.session(302, 3, 1, 1, "2025-10-08 18:00:00", status=2, ingest=MIGRATION)
    # Cy's thirty students
    for sid in CAP_STUDENTS:
        b.session(1000 + sid, sid, 3, 2, "2025-10-27 15:00:00", ingest=MIGRATION)
    # the orphan and Eve's back-dated first session
    b.session(9001, 999, 1, 0, "2025-10-31 09:00:00", ingest=DAY_1, orphan=True)
    b.session(5001, 5, 3, 1, "2025-10-29 14:00:00", ingest=DAY_6)

    # client ratings: Ada's three completed sessions with Bob, three of Bea's with Ann, and one
    # of a session silver does not know (left out of gold)
    for session_id, rating in ((101, 5), (104, 3), (105, 4), (201, 4), (203, 2), (204, 5)):
        b.rating(session_id, rating, ingest=MIGRATION)
    b.rating(77777, 1, ingest=DAY_1)
    # SAT practice scores: Cal before and after his two sessions with Ann, Eve once, and a
    # student silver does not know
    b.score(3, "2025-10-01", 1100, ingest=MIGRATION)
    b.score(3, "2025-10-09", 1180, ingest=MIGRATION)
    b.score(5, "2025-11-05", 1250, ingest=DAY_6)
    b.score(888, "2025-10-20", 900, ingest=DAY_1, orphan=True)

    b.batch(MIGRATION, raw=44, kept=42, repaired=2, superseded=1, rejected=1)
    b.error(MIGRATION, "ERR_UNITS_RANGE", "repaired", 104)
    b.error(MIGRATION, "ERR_MISSING_TUTOR", "repaired", 203)
    b.error(MIGRATION, "DUPLICATE_EMISSION", "superseded", 105)
    b.error(MIGRATION, "ERR_UNPARSEABLE", "rejected")
    b.batch(MIGRATION, "students", raw=35, kept=35)
    b.batch(MIGRATION, "tutors", raw=3, kept=3)
    b.batch(DAY_1, raw=1, kept=1)
    b.error(DAY_1, "ERR_ORPHAN_STUDENT", "flagged", 9001)
    b.batch(DAY_1, "students", raw=0, kept=0)
    b.batch(DAY_1, "tutors", raw=0, kept=0)
    b.batch(DAY_6, raw=2, kept=1, superseded=1)
    b.error(DAY_6, "DUPLICATE_EMISSION", "superseded", 5001)
    b.batch(DAY_6, "students", raw=31, kept=31)
    b.batch(DAY_6, "tutors", raw=1, kept=1)
    return b
