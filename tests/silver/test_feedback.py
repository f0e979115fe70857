"""Client feedback through silver: typed, de-duplicated, audited and reconciled per batch like
sessions (hand-built raw rows, one per rule), and the simulator's feedback row by row."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

import polars as pl

from lakehouse.config import Settings
from lakehouse.lake.storage import Storage, init_lake, open_storage
from lakehouse.silver.ingest import ingest_pending
from lakehouse.silver.quality import run_checks
from sim.api import simulate_day, simulate_history
from tests.silver.silver_helpers import daily, history, rows

D1, D2 = date(2026, 1, 5), date(2026, 1, 6)
EVENING = "2026-01-04 20:00:00"


def test_each_feedback_rule_has_its_reason(lake: Settings, storage: Storage) -> None:
    history(storage, [(1, 1, 7, 2, "2025-12-29 14:00:00", "1.0", "0")])
    daily(
        storage,
        D1,
        sessions=[(2, 2, 7, 2, "2026-01-04 14:00:00", "1.0", "0"),
                  (3, 3, 8, 2, "2026-01-04 15:00:00", "1.0", "0")],
        feedback=[
            (1, "5", "Great session.", EVENING),      # 1 kept
            (2, "6", "", EVENING),                    # 2 out of range
            (2, "2.0", "", "2026-01-04 20:30:00"),    # 3 kept (written as a float)
            (3, "4", "", EVENING),                    # 4 superseded by the resubmission
            (3, "3", "Changed my mind", "2026-01-04 21:00:00"),  # 5 kept
            (99, "4", "", EVENING),                   # 6 kept, orphan
            ("", "4", "", EVENING),                   # 7 no key
            (3, "great", "", EVENING),                # 8 not a number
            (1, "4", "", "04/01/2026 20:00"),         # 9 bad stamp
        ],
    )  # fmt: skip
    result = ingest_pending(lake)[-1]
    fb = result.entity("feedback")
    assert (fb.raw, fb.kept, fb.superseded, fb.rejected) == (9, 4, 1, 4)
    kept = rows(lake, "silver.fct_feedback", order="session_id")
    assert [(r["session_id"], r["rating"], r["comment"], r["is_orphan"]) for r in kept] == [
        (1, 5, "Great session.", False),
        (2, 2, None, False),
        (3, 3, "Changed my mind", False),
        (99, 4, None, True),
    ]
    err = rows(lake, "silver.err_feedback", order="source_row")
    assert [(e["source_row"], e["reason_code"], e["action"]) for e in err] == [
        (2, "ERR_OUT_OF_RANGE", "rejected"),
        (4, "DUPLICATE_EMISSION", "superseded"),
        (6, "ERR_ORPHAN_SESSION", "flagged"),
        (7, "ERR_MISSING_KEY", "rejected"),
        (8, "ERR_UNPARSEABLE", "rejected"),
        (9, "ERR_MALFORMED_STAMP", "rejected"),
    ]
    assert err[0]["detail"] == "rating 6 is not 1-5"
    # the next batch rates session 1 again: its rating replaces the earlier one
    daily(storage, D2, feedback=[(1, "3", "", "2026-01-05 20:00:00")])
    ingest_pending(lake)
    (one,) = rows(lake, "silver.fct_feedback", where="session_id = 1")
    assert (one["rating"], one["ingest_date"]) == (3, D2)
    (replaced,) = rows(lake, "silver.err_feedback", where="reason_code = 'SUPERSEDED_LATER_BATCH'")
    assert (replaced["source_batch_id"], replaced["ingest_date"]) == (f"sim_{D1}", D2)
    report = run_checks(lake, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]


def test_simulated_feedback_reconciles_row_by_row(local_settings: Settings) -> None:
    init_lake(local_settings)
    simulate_history(local_settings, seed=9, until=date(2025, 12, 30))
    days = [date(2025, 12, 31) + timedelta(days=i) for i in range(6)]
    for day in days:
        simulate_day(local_settings, day)
    results = ingest_pending(local_settings)
    storage = open_storage(local_settings)
    expected: Counter[str] = Counter()
    latest: dict[int, int] = {}
    for day in days:
        key = f"raw/feedback/ingest_date={day + timedelta(days=1)}/feedback_delta.csv"
        raw = pl.read_csv(io.BytesIO(storage.read_bytes(key)))
        valid = raw.filter(pl.col("rating").is_between(1, 5))
        expected["raw"] += raw.height
        expected["rejected"] += raw.height - valid.height
        expected["superseded"] += valid.height - valid["session_id"].n_unique()
        # a resubmission comes later: the last valid row of a session is its rating
        latest |= dict(
            valid.unique("session_id", keep="last").select("session_id", "rating").iter_rows()
        )
    counts: Counter[str] = Counter()
    for r in results:
        fb = r.entity("feedback")
        counts.update(raw=fb.raw, rejected=fb.rejected, superseded=fb.superseded)
    assert counts == expected and expected["rejected"] >= 1 and expected["superseded"] >= 1
    kept = {r["session_id"]: r["rating"] for r in rows(local_settings, "silver.fct_feedback")}
    assert kept == latest and len(kept) > 50
    assert not any(r["is_orphan"] for r in rows(local_settings, "silver.fct_feedback"))
    report = run_checks(local_settings, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]
