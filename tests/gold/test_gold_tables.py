"""Gold tables on the hand-built scenario (tests/gold/scenario.py) against rows computed by hand.

Rates: Ada 80 until 2025-10-16 00:00 then 100; Bea 100, 120 after her return; Cal 100;
Cy's students 80; Eve 120. Tutors: Ann 40, Bob 30 until 2025-10-20 09:00 then 35, Cy 50.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from lakehouse.gold.materialize import MaterializeResult


def test_monthly_revenue_prices_each_session_at_the_rates_valid_then(gold, query):
    rows = query(
        """SELECT month_start, tutor_id, tutor_name, subject_id, status, status_name, sessions,
                  hours, billable_hours, revenue, contractor_pay, margin, unpriced_sessions
           FROM gold.monthly_revenue ORDER BY ALL"""
    )
    may, sep, oct_ = dt.date(2025, 5, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 1)
    # fmt: off
    assert rows == [
        # Bea's two Science sessions before the summer at 100; Ann is paid 40
        (may, 1, "Ann Lee", 3, 0, "Completed", 2, 2.0, 2.0, D("200.00"), D("80.00"), D("120.00"), 0),
        # Bea's return at her new rate 120
        (sep, 1, "Ann Lee", 2, 0, "Completed", 1, 1.0, 1.0, D("120.00"), D("40.00"), D("80.00"), 0),
        # the orphan session: counted, not priced
        (oct_, 1, "Ann Lee", 0, 0, "Completed", 1, 1.0, 1.0, D("0.00"), D("0.00"), D("0.00"), 1),
        # Cal: 2 h at 100, then a cancelled session that earns nothing
        (oct_, 1, "Ann Lee", 1, 0, "Completed", 1, 2.0, 2.0, D("200.00"), D("80.00"), D("120.00"), 0),
        (oct_, 1, "Ann Lee", 1, 2, "Cancelled", 1, 1.0, 0.0, D("0.00"), D("0.00"), D("0.00"), 0),
        (oct_, 1, "Ann Lee", 2, 0, "Completed", 2, 2.0, 2.0, D("240.00"), D("80.00"), D("160.00"), 0),
        # Ada: 80 (Oct 2, Bob 30) + 150 (1.5 h at 100, Bob 35) + 100 (Bob 35)
        (oct_, 2, "Bob Ray", 2, 0, "Completed", 3, 3.5, 3.5, D("330.00"), D("117.50"), D("212.50"), 0),
        # the no-show is billable at the old rates
        (oct_, 2, "Bob Ray", 2, 1, "No-Show", 1, 1.0, 1.0, D("80.00"), D("30.00"), D("50.00"), 0),
        # cancelled with notice on Oct 16: a session, never revenue
        (oct_, 2, "Bob Ray", 2, 2, "Cancelled", 1, 1.0, 0.0, D("0.00"), D("0.00"), D("0.00"), 0),
        # Eve's back-dated session (before she existed) takes her first rate, 120
        (oct_, 3, "Cy Dee", 1, 0, "Completed", 1, 1.0, 1.0, D("120.00"), D("50.00"), D("70.00"), 0),
        (oct_, 3, "Cy Dee", 2, 0, "Completed", 30, 30.0, 30.0, D("2400.00"), D("1500.00"), D("900.00"), 0),
    ]
    # fmt: on
    assert gold.total_revenue == D("3690.00")
    assert gold.total_contractor_pay == D("1977.50")


def test_contractor_utilization_counts_month_end_rosters_against_the_cap(gold, query):
    rows = query(
        """SELECT tutor_id, month_start, month_end_ts, active_students, student_cap, utilization,
                  sessions, billable_sessions, hours, billable_hours, revenue, contractor_pay,
                  margin
           FROM gold.contractor_utilization ORDER BY tutor_id, month_start"""
    )
    zero = (0, 30, 0.0, 0, 0, 0.0, 0.0, D("0.00"), D("0.00"), D("0.00"))

    def month(m: int) -> tuple[dt.date, dt.datetime]:
        start = dt.date(2025, m, 1)
        return start, dt.datetime(2025, m + 1, 1)

    assert rows == [
        (1, *month(5), 0, 30, 0.0, 2, 2, 2.0, 2.0, D("200.00"), D("80.00"), D("120.00")),
        # June to August: Ann has no session but stays on the books
        (1, *month(6), *zero),
        (1, *month(7), *zero),
        (1, *month(8), *zero),
        # Bea back on Sep 30 -> on Ann's roster at the end of September
        (1, *month(9), 1, 30, 0.0333, 1, 1, 1.0, 1.0, D("120.00"), D("40.00"), D("80.00")),
        # Oct 25-31: Bea (Oct 28) and the orphan student (Oct 31); Cal quit
        (1, *month(10), 2, 30, 0.0667, 5, 4, 6.0, 5.0, D("440.00"), D("160.00"), D("280.00")),
        (2, *month(10), 1, 30, 0.0333, 5, 4, 5.5, 4.5, D("410.00"), D("147.50"), D("262.50")),
        # at the cap: 30 students on Oct 27; Eve's back-dated Oct 29 session does not make 31
        (3, *month(10), 30, 30, 1.0, 31, 31, 31.0, 31.0, D("2520.00"), D("1550.00"), D("970.00")),
    ]


def test_subject_demand_has_every_subject_every_month(gold, query):
    rows = query(
        """SELECT month_start, subject_id, sessions, billable_sessions, hours, distinct_students,
                  new_enrollments, new_students, returning_students, share_of_sessions,
                  sessions_previous_month, sessions_change, sessions_change_pct
           FROM gold.subject_demand ORDER BY month_start, subject_id"""
    )
    assert len(rows) == 6 * 7  # May..October (June-August have no session at all) x 7 subjects
    by_key = {(r[0].month, r[1]): r[2:] for r in rows}
    # Bea's first two sessions: one new student, the first month has no previous month
    assert by_key[(5, 3)] == (2, 2, 2.0, 1, 1, 1, 0, 1.0, None, None, None)
    # a month with no sessions (for any subject): zeros, no share, change against May
    assert by_key[(6, 3)] == (0, 0, 0.0, 0, 0, 0, 0, None, 2, -2, -100.0)
    # Bea returns after the summer: a returning enrollment, not a new student
    assert by_key[(9, 2)] == (1, 1, 1.0, 1, 1, 0, 1, 1.0, 0, 1, None)
    # October: 41 sessions; Math has Ada (5), Bea (2) and Cy's 30 new students
    assert by_key[(10, 0)] == (1, 1, 1.0, 1, 1, 1, 0, 0.0244, 0, 1, None)
    assert by_key[(10, 1)] == (3, 2, 4.0, 2, 2, 2, 0, 0.0732, 0, 3, None)
    assert by_key[(10, 2)] == (37, 36, 37.5, 32, 31, 31, 0, 0.9024, 1, 36, 3600.0)
    assert by_key[(10, 3)] == (0, 0, 0.0, 0, 0, 0, 0, 0.0, 0, 0, None)
    # Social Studies never had a session
    assert all(r[2:9] == (0, 0, 0.0, 0, 0, 0, 0) for r in rows if r[1] == 6)


def test_active_students_one_row_per_active_profile(gold, query):
    rows = query(
        """SELECT student_id, grade, contract_rate, current_subject_id, current_tutor_id,
                  current_tutor_name, first_session_ts, last_session_ts, lifetime_sessions,
                  lifetime_completed_sessions, lifetime_no_show_sessions,
                  lifetime_billable_sessions, lifetime_cancelled_sessions,
                  lifetime_billable_hours, lifetime_revenue, as_of_ts, generated_at
           FROM gold.active_students ORDER BY student_id"""
    )
    stamps = (dt.datetime(2025, 11, 6), dt.datetime(2025, 11, 6, 2))
    ts = dt.datetime.fromisoformat
    # fmt: off
    assert rows == [
        (1, 10, 100.0, 2, 2, "Bob Ray", ts("2025-10-02 17:00"), ts("2025-10-30 17:00"),
         5, 3, 1, 4, 1, 4.5, D("410.00"), *stamps),
        # returned after the summer: one grade up, first session still in May
        (2, 10, 120.0, 2, 1, "Ann Lee", ts("2025-05-06 16:00"), ts("2025-10-28 16:00"),
         5, 5, 0, 5, 0, 5.0, D("560.00"), *stamps),
        (5, 10, 120.0, 1, 3, "Cy Dee", ts("2025-10-29 14:00"), ts("2025-10-29 14:00"),
         1, 1, 0, 1, 0, 1.0, D("120.00"), *stamps),
    ]
    # fmt: on


def test_data_quality_daily_reports_each_batch(gold, query):
    rows = query(
        """SELECT ingest_date, raw_rows, kept_rows, repaired_rows, superseded_rows,
                  rejected_rows, is_reconciled, kept_rows_now, repair_actions, flag_actions,
                  err_units_range, err_missing_tutor, err_unparseable, err_orphan_student,
                  duplicate_emission, other_reasons, orphan_sessions, unpriced_sessions,
                  student_delta_rows, tutor_delta_rows
           FROM gold.data_quality_daily ORDER BY ingest_date"""
    )
    assert rows == [
        (dt.date(2025, 10, 31), 44, 42, 2, 1, 1, True, 42, 2, 0, 1, 1, 1, 0, 1, 0, 0, 0, 35, 3),
        (dt.date(2025, 11, 1), 1, 1, 0, 0, 0, True, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0),
        (dt.date(2025, 11, 6), 2, 1, 0, 1, 0, True, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 31, 1),
    ]


def test_result_detail_names_counts_and_batch_times(gold: MaterializeResult):
    assert gold.to_detail() == {
        "as_of": "2025-11-06",
        "as_of_ts": "2025-11-06 00:00:00",
        "generated_at": "2025-11-06 02:00:00",
        "row_counts": {
            "gold.int_priced_sessions": 44,
            "gold.active_students": 3,
            "gold.contractor_utilization": 8,
            "gold.data_quality_daily": 3,
            "gold.monthly_revenue": 11,
            "gold.subject_demand": 42,
        },
        "total_revenue": 3690.0,
        "total_contractor_pay": 1977.5,
        "mode": "full",
        "reason": "no earlier build of gold",
        "changed": [
            "gold.int_priced_sessions",
            "gold.active_students",
            "gold.contractor_utilization",
            "gold.data_quality_daily",
            "gold.monthly_revenue",
            "gold.subject_demand",
        ],
    }
