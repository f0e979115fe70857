"""Gold on the original's replay data (data/seed-data/replay), where its definitions were found
wrong: student 994 was created on 2026-02-20 with a session stamped 2026-01-28."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lakehouse.bronze.landing import land
from lakehouse.config import Settings
from lakehouse.gold.materialize import materialize
from lakehouse.lake.catalog import open_catalog
from lakehouse.lake.storage import init_lake
from lakehouse.silver.ingest import ingest_pending


@pytest.mark.slow
def test_replay_enrollments_follow_the_roster_rule(local_settings: Settings, seed_data: Path):
    init_lake(local_settings)
    land(local_settings, seed_data / "replay" / "raw")
    ingest_pending(local_settings)
    materialize(local_settings)
    con = open_catalog(local_settings)
    try:
        months = con.execute(
            """SELECT month_start, sum(new_students), sum(returning_students)
               FROM gold.subject_demand WHERE month_start BETWEEN '2026-01-01' AND '2026-02-01'
               GROUP BY ALL ORDER BY ALL"""
        ).fetchall()
        student = con.execute(
            """SELECT created_ts, first_billable_session_ts, lifetime_scheduled_sessions
               FROM gold.active_students WHERE student_id = 994"""
        ).fetchall()
    finally:
        con.close()
    # counting session 11664 (before 994 existed) gave 26 / 29 new students and 1 return
    assert months == [(dt.date(2026, 1, 1), 25, 0), (dt.date(2026, 2, 1), 30, 0)]
    # her one billable session is the back-dated one; the other, on 2026-02-27, was cancelled
    assert student == [(dt.datetime(2026, 2, 20, 18), dt.datetime(2026, 1, 28, 18), 2)]
