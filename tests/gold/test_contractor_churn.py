"""A tutor who leaves, on a small hand-built silver: Dan (tutor 4) gives notice on
2026-01-10 and departs on 2026-01-24 00:00; his student Ida moves to Ann (tutor 1) and keeps
her weekly Thursday session. Materialized as of 2026-02-13."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.gold.conftest import Query, built_gold, querying
from tests.gold.silver_fixture import SilverBuilder

BATCH = "2026-02-13"


def _build() -> SilverBuilder:
    b = SilverBuilder()
    b.tutor(1, "Ann", "Lee", [{"since": "2025-01-01 09:00:00", "contract_rate": 40.0}])
    b.tutor(
        4,
        "Dan",
        "Fox",
        [
            {"since": "2025-06-01 09:00:00", "contract_rate": 45.0},
            {"since": "2026-01-10 00:00:00", "contract_rate": 45.0, "status": "Leaving"},
            {"since": "2026-01-24 00:00:00", "contract_rate": 45.0, "status": "Departed"},
        ],
    )
    b.student(7, "Ida", "Ng", [{"since": "2025-12-04 16:00:00", "contract_rate": 120.0,
                                "status": "Active"}])  # fmt: skip
    for i, at in enumerate(("2025-12-04", "2025-12-11", "2025-12-18", "2025-12-25",
                            "2026-01-01", "2026-01-08", "2026-01-15", "2026-01-22")):  # fmt: skip
        b.session(100 + i, 7, 4, 2, f"{at} 16:00:00", ingest=BATCH)
    for i, at in enumerate(("2026-01-29", "2026-02-05", "2026-02-12")):
        b.session(200 + i, 7, 1, 2, f"{at} 16:00:00", ingest=BATCH)
    b.batch(BATCH, raw=11, kept=11)
    b.batch(BATCH, "students", raw=0, kept=0)
    b.batch(BATCH, "tutors", raw=0, kept=0)
    return b


@pytest.fixture(scope="module")
def query(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Query]:
    yield from querying(built_gold(_build(), tmp_path_factory.mktemp("churn")))


def test_a_departed_tutor_has_months_up_to_the_departure_and_the_student_continues(query):
    rows = query(
        """SELECT tutor_id, tutor_status, departed_ts, month_start, active_students,
                  scheduled_sessions, revenue, contractor_pay
           FROM gold.contractor_utilization ORDER BY tutor_id, month_start"""
    )
    left = dt.datetime(2026, 1, 24)
    dec, jan, feb = dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    assert [r[:6] for r in rows] == [
        # Ann takes Ida over: on her roster at the end of January and in February
        (1, "Active", None, jan, 1, 1),
        (1, "Active", None, feb, 1, 2),
        # Dan: December and January only (none for February), nobody on his January roster
        (4, "Departed", left, dec, 1, 4),
        (4, "Departed", left, jan, 0, 4),
    ]
    # Dan is paid for his sessions up to the departure, Ann for hers after it
    assert [(r[0], r[3], float(r[7])) for r in rows] == [
        (1, jan, 40.0), (1, feb, 80.0), (4, dec, 180.0), (4, jan, 180.0)
    ]  # fmt: skip


def test_the_student_stays_active_with_the_new_tutor(query):
    assert query(
        "SELECT student_id, current_tutor_id, lifetime_scheduled_sessions FROM gold.active_students"
    ) == [(7, 1, 11)]
