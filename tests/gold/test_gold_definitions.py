"""Gold definitions the original's data found wrong or unclear, each on a small hand-built silver.

- Dot is the replay data's student 994: created 2026-02-20, with one session back-dated to
  January (before she existed, flagged ERR_BEFORE_FIRST_VERSION in silver) and her real first
  session on 2026-02-27 (cancelled with notice).
- Flo starts with a cancelled session, then a completed one, a no-show and a cancelled one.
- Gus has one session only, cancelled with notice.
All with Ann (rate 40), Math, ingested in one batch on 2026-03-01.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.gold.conftest import Query, built_gold, querying
from tests.gold.silver_fixture import SilverBuilder

BATCH = "2026-03-01"
ts = dt.datetime.fromisoformat


def _build() -> SilverBuilder:
    b = SilverBuilder()
    b.tutor(1, "Ann", "Lee", [{"since": "2025-01-01 09:00:00", "contract_rate": 40.0}])
    for sid, name, since in ((1, "Dot", "2026-02-20 18:00:00"), (2, "Flo", "2026-01-05 10:00:00"),
                             (3, "Gus", "2026-01-06 11:00:00")):  # fmt: skip
        b.student(sid, name, "Doe", [{"since": since, "contract_rate": 120.0, "status": "Active"}])
    b.session(11, 1, 1, 2, "2026-01-28 18:00:00", status=0, ingest=BATCH)  # back-dated
    b.session(12, 1, 1, 2, "2026-02-27 17:00:00", status=2, ingest=BATCH)
    b.session(21, 2, 1, 2, "2026-01-05 10:00:00", status=2, ingest=BATCH)
    b.session(22, 2, 1, 2, "2026-01-12 10:00:00", status=0, ingest=BATCH)
    b.session(23, 2, 1, 2, "2026-01-19 10:00:00", status=1, ingest=BATCH)
    b.session(24, 2, 1, 2, "2026-01-26 10:00:00", status=2, ingest=BATCH)
    b.session(31, 3, 1, 2, "2026-01-06 11:00:00", status=2, ingest=BATCH)
    b.batch(BATCH, raw=7, kept=7)
    b.error(BATCH, "ERR_BEFORE_FIRST_VERSION", "flagged", 11)
    b.batch(BATCH, "students", raw=0, kept=0)
    b.batch(BATCH, "tutors", raw=0, kept=0)
    return b


@pytest.fixture(scope="module")
def query(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Query]:
    yield from querying(built_gold(_build(), tmp_path_factory.mktemp("definitions")))


def test_a_session_before_the_student_existed_starts_no_enrollment(query):
    rows = query(
        """SELECT month_start, sum(new_students), sum(returning_students),
                  sum(new_enrollments), sum(scheduled_sessions)
           FROM gold.subject_demand GROUP BY month_start ORDER BY month_start"""
    )
    # January: Flo and Gus are new; Dot's back-dated session is scheduled but enrolls nobody.
    # February: Dot's real first session makes her new, not a return 30 days after January.
    assert rows == [
        (dt.date(2026, 1, 1), 2, 0, 2, 6),
        (dt.date(2026, 2, 1), 1, 0, 1, 1),
    ]


def test_enrollments_and_month_end_rosters_follow_the_same_rule(query):
    # Dot's January session puts her on no roster either: of the week before the January
    # month end (Jan 25 - Feb 1) only Flo's Jan 26 session counts; in February Dot's Feb 27
    rosters = query(
        """SELECT month_start, active_students FROM gold.contractor_utilization
           ORDER BY month_start"""
    )
    assert rosters == [(dt.date(2026, 1, 1), 1), (dt.date(2026, 2, 1), 1)]


def test_first_and_last_billable_session_skip_sessions_cancelled_with_notice(query):
    rows = query(
        """SELECT student_id, first_billable_session_ts, last_billable_session_ts,
                  lifetime_scheduled_sessions, lifetime_billable_sessions,
                  lifetime_cancelled_sessions
           FROM gold.active_students ORDER BY student_id"""
    )
    assert rows == [
        # the back-dated session was held and billed: it is her first and last billable one
        (1, ts("2026-01-28 18:00"), ts("2026-01-28 18:00"), 2, 1, 1),
        # Flo's first (Jan 5) and last (Jan 26) sessions were cancelled with notice
        (2, ts("2026-01-12 10:00"), ts("2026-01-19 10:00"), 4, 2, 2),
        # Gus never had a session that took place
        (3, None, None, 1, 0, 1),
    ]


def test_scheduled_counts_include_cancelled_sessions_and_billable_ones_do_not(query):
    rows = query(
        """SELECT status, scheduled_sessions, scheduled_hours, billable_hours
           FROM gold.monthly_revenue WHERE month_start = DATE '2026-01-01' ORDER BY status"""
    )
    assert rows == [(0, 2, 2.0, 2.0), (1, 1, 1.0, 1.0), (2, 3, 3.0, 0.0)]
    (util,) = query(
        """SELECT scheduled_sessions, billable_sessions, scheduled_hours, billable_hours,
                  utilization_pct
           FROM gold.contractor_utilization WHERE month_start = DATE '2026-01-01'"""
    )
    assert util == (6, 3, 6.0, 3.0, 3.33)  # one student of 30: a percent, not a fraction


def test_share_and_change_are_percents(query):
    rows = query(
        """SELECT month_start, subject_id, scheduled_sessions_share_pct,
                  scheduled_sessions_previous_month, scheduled_sessions_change,
                  scheduled_sessions_change_pct
           FROM gold.subject_demand WHERE subject_id IN (0, 2) ORDER BY subject_id, month_start"""
    )
    assert rows == [
        (dt.date(2026, 1, 1), 0, 0.0, None, None, None),
        (dt.date(2026, 2, 1), 0, 0.0, 0, 0, None),
        (dt.date(2026, 1, 1), 2, 100.0, None, None, None),
        (dt.date(2026, 2, 1), 2, 100.0, 6, -5, -83.33),
    ]
