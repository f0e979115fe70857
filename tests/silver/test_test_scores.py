"""Test scores through silver: typed, de-duplicated, audited and reconciled per batch (hand-
built raw rows, one per rule), and the simulator's scores row by row."""

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
SAT = "SAT practice"


def test_each_test_score_rule_has_its_reason(lake: Settings, storage: Storage) -> None:
    history(storage)  # students 1-3
    daily(
        storage,
        D1,
        test_scores=[
            (1, SAT, "2026-01-04", "1100"),     # 1 kept
            (2, SAT, "1/4/2026", "1200"),       # 2 kept, US date read
            (3, SAT, "2026-01-04", "12000"),    # 3 out of range
            (3, SAT, "2026-01-04", "1250"),     # 4 superseded by its repeat
            (3, SAT, "2026-01-04", "1250"),     # 5 kept
            (77, SAT, "2026-01-04", "1000"),    # 6 kept, orphan
            (1, "", "2026-01-04", "1000"),      # 7 no test
            (1, SAT, "2026-13-40", "1000"),     # 8 no date
            (1, SAT, "2026-01-03", "high"),     # 9 not a number
        ],
    )  # fmt: skip
    result = ingest_pending(lake)[-1]
    ts = result.entity("test_scores")
    assert (ts.raw, ts.kept, ts.repaired, ts.superseded, ts.rejected) == (9, 4, 1, 1, 4)
    kept = rows(lake, "silver.fct_test_scores", order="student_id")
    assert [(r["student_id"], r["test_date"], r["score"], r["is_orphan"]) for r in kept] == [
        (1, date(2026, 1, 4), 1100, False),
        (2, date(2026, 1, 4), 1200, False),
        (3, date(2026, 1, 4), 1250, False),
        (77, date(2026, 1, 4), 1000, True),
    ]
    err = rows(lake, "silver.err_test_scores", order="source_row")
    assert [(e["source_row"], e["reason_code"], e["action"]) for e in err] == [
        (2, "ERR_MALFORMED_DATE", "repaired"),
        (3, "ERR_OUT_OF_RANGE", "rejected"),
        (4, "DUPLICATE_EMISSION", "superseded"),
        (6, "ERR_ORPHAN_STUDENT", "flagged"),
        (7, "ERR_MISSING_KEY", "rejected"),
        (8, "ERR_MALFORMED_STAMP", "rejected"),
        (9, "ERR_UNPARSEABLE", "rejected"),
    ]
    # a corrected score in the next batch replaces the earlier one
    daily(storage, D2, test_scores=[(1, SAT, "2026-01-04", "1110")])
    ingest_pending(lake)
    (one,) = rows(lake, "silver.fct_test_scores", where="student_id = 1")
    assert (one["score"], one["ingest_date"]) == (1110, D2)
    (replaced,) = rows(
        lake, "silver.err_test_scores", where="reason_code = 'SUPERSEDED_LATER_BATCH'"
    )
    assert replaced["source_batch_id"] == f"sim_{D1}"
    report = run_checks(lake, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]


def test_simulated_scores_reconcile_row_by_row(local_settings: Settings, tmp_path) -> None:
    scenario = tmp_path / "scores.toml"
    scenario.write_text("[test_scores]\ncorrupt_rate = 0.3\n", encoding="utf-8")
    init_lake(local_settings)
    simulate_history(local_settings, seed=9, until=date(2025, 12, 30), scenario=scenario)
    days = [date(2025, 12, 31) + timedelta(days=i) for i in range(14)]
    for day in days:
        simulate_day(local_settings, day)
    results = ingest_pending(local_settings)
    storage = open_storage(local_settings)
    expected: Counter[str] = Counter()
    truth: dict[tuple[int, date], int] = {}
    for day in days:
        key = f"raw/test_scores/ingest_date={day + timedelta(days=1)}/test_scores_delta.csv"
        raw = pl.read_csv(io.BytesIO(storage.read_bytes(key)), infer_schema=False)
        assert (
            raw["test_date"].is_in([day.isoformat(), f"{day.month}/{day.day}/{day.year}"])
        ).all()
        score = raw["score"].cast(pl.Int64)
        valid = raw.filter(score.is_between(400, 1600))
        expected["raw"] += raw.height
        expected["rejected"] += raw.height - valid.height
        expected["superseded"] += valid.height - valid["student_id"].n_unique()
        expected["repaired"] += int(valid.unique()["test_date"].str.contains("/").sum())
        truth |= {(int(s), day): int(v) for s, v in valid.select("student_id", "score").iter_rows()}
    counts: Counter[str] = Counter()
    for r in results:
        ts = r.entity("test_scores")
        counts.update(
            raw=ts.raw, rejected=ts.rejected, superseded=ts.superseded, repaired=ts.repaired
        )
    assert counts == +expected
    assert min(expected["rejected"], expected["superseded"], expected["repaired"]) >= 1, expected
    kept = {
        (r["student_id"], r["test_date"]): r["score"]
        for r in rows(local_settings, "silver.fct_test_scores")
    }
    assert kept == truth and len(kept) > 15
    report = run_checks(local_settings, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]
