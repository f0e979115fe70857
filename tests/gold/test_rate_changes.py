"""Rate changes through the whole chain on hand-built raw batches, as the simulator lands
them: a tutor's raises as UPDATE deltas stamped 23:00 of the day they were earned, a student
repriced at 00:00 of a price step. Bronze -> silver -> gold, with every price by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from lakehouse.config import Settings
from lakehouse.gold.materialize import materialize, register_gold_views
from lakehouse.lake.catalog import open_catalog
from lakehouse.silver.ingest import ingest_batch
from tests.silver.silver_helpers import HISTORY, daily, history, rows

OPEN = datetime(9999, 12, 31, 23, 59, 59)
TOM = ("Tom", "Tutor", "M", "1990-01-01")
ADA = ("Ada", "Lovelace", "F", "2009-02-01", "10", "Active")
CREATED_S, CREATED_T = "2025-01-01 10:00:00", "2025-01-01 09:00:00"


@pytest.fixture
def lake(local_settings: Settings) -> Settings:
    from lakehouse.lake.storage import open_storage

    storage = open_storage(local_settings)
    # students 1-3 at $100, tutors 7-8 at $40 (tests/silver/silver_helpers.history)
    history(storage, [(1, 1, 7, 2, "2025-12-29 14:00:00", "1.0", "0")])
    daily(  # business day 2025-12-31: a session, then Tom's raise to 45 at 23:00
        storage,
        date(2026, 1, 1),
        sessions=[(2, 1, 7, 2, "2025-12-31 15:00:00", "1.5", "0")],
        tutors=[(7, *TOM, "45", "3", CREATED_T, "2025-12-31 23:00:00", "UPDATE")],
    )
    daily(  # 2026-01-01: the price step reprices Ada (student 1) at 00:00, not Bea (2)
        storage,
        date(2026, 1, 2),
        sessions=[
            (3, 1, 7, 2, "2026-01-01 14:00:00", "1.0", "1"),  # a no-show: billable
            (4, 2, 7, 2, "2026-01-01 16:00:00", "2.0", "0"),
        ],
        students=[(1, *ADA, "130", CREATED_S, "2026-01-01 00:00:00", "UPDATE")],
    )
    daily(  # 2026-01-02: Tom's second raise, to 50
        storage,
        date(2026, 1, 3),
        sessions=[
            (5, 1, 7, 2, "2026-01-02 13:00:00", "1.0", "2"),  # cancelled: never earns
            (6, 2, 8, 2, "2026-01-02 17:00:00", "1.0", "0"),
        ],
        tutors=[(7, *TOM, "50", "3", CREATED_T, "2026-01-02 23:00:00", "UPDATE")],
    )
    daily(storage, date(2026, 1, 4), sessions=[(7, 1, 7, 2, "2026-01-03 14:00:00", "1.0", "0")])
    for day in (HISTORY, date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 4)):
        ingest_batch(local_settings, day)
    return local_settings


def test_each_session_is_priced_at_the_rates_valid_at_its_time(lake: Settings):
    tom = rows(lake, "silver.dim_tutors", where="tutor_id = 7", order="effective_start_ts")
    assert [
        (v["contract_rate"], v["effective_start_ts"], v["effective_end_ts"], v["change_type"])
        for v in tom
    ] == [
        (40.0, datetime(2025, 1, 1, 9), datetime(2025, 12, 31, 23), "MIGRATION"),
        (45.0, datetime(2025, 12, 31, 23), datetime(2026, 1, 2, 23), "UPDATE"),
        (50.0, datetime(2026, 1, 2, 23), OPEN, "UPDATE"),
    ]
    ada = rows(lake, "silver.dim_students", where="student_id = 1", order="effective_start_ts")
    assert [(v["contract_rate"], v["effective_start_ts"]) for v in ada] == [
        (100.0, datetime(2025, 1, 1, 10)),
        (130.0, datetime(2026, 1, 1)),
    ]

    result = materialize(lake)
    con = open_catalog(lake)
    try:
        register_gold_views(con)
        priced = con.execute(
            "SELECT session_id, student_rate, tutor_rate, revenue, contractor_pay "
            "FROM gold.int_priced_sessions ORDER BY session_id"
        ).fetchall()
        monthly = con.execute(
            "SELECT month_start, sum(revenue), sum(contractor_pay) FROM gold.monthly_revenue "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert priced == [
        (1, 100.0, 40.0, D("100.00"), D("40.00")),
        (2, 100.0, 40.0, D("150.00"), D("60.00")),  # 15:00, before the raise at 23:00
        (3, 130.0, 45.0, D("130.00"), D("45.00")),  # repriced at 00:00; Tom's first raise
        (4, 100.0, 45.0, D("200.00"), D("90.00")),  # Bea was not repriced
        (5, 130.0, 45.0, D("0.00"), D("0.00")),  # cancelled with notice
        (6, 100.0, 40.0, D("100.00"), D("40.00")),  # tutor 8 never had a raise
        (7, 130.0, 50.0, D("130.00"), D("50.00")),  # after the second raise
    ]
    assert monthly == [
        (date(2025, 12, 1), D("250.00"), D("100.00")),
        (date(2026, 1, 1), D("560.00"), D("225.00")),
    ]
    assert (result.total_revenue, result.total_contractor_pay) == (D("810.00"), D("325.00"))
