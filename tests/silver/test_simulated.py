"""Many simulated days (sim.api): every batch reconciles, all checks pass, a rerun of every
batch changes nothing, and silver matches what the simulator says it did to each row."""

from __future__ import annotations

import io
from datetime import date, timedelta

import polars as pl
import pytest

from lakehouse.config import Settings
from lakehouse.lake.storage import open_storage
from lakehouse.silver.ingest import ingest_batch
from lakehouse.silver.quality import run_checks
from sim import state
from sim.api import corruption_plan, simulate_day, simulate_history
from tests.silver.silver_helpers import rows, snapshot

HISTORY_END = date(2022, 3, 31)


def pristine(settings: Settings) -> pl.DataFrame:
    storage = open_storage(settings)
    keys = [k for k in storage.list(f"{state.STATE}/sessions") if k.endswith(".parquet")]
    return pl.concat([pl.read_parquet(io.BytesIO(storage.read_bytes(k))) for k in keys])


# five days in the fast lane on both backends; sixteen (more of each corruption mode) when slow
@pytest.mark.parametrize("days", [5, pytest.param(16, marks=pytest.mark.slow)])
def test_simulated_days(lake_settings: Settings, days: int) -> None:
    history = simulate_history(lake_settings, seed=7, scale=1.0, until=HISTORY_END)
    results = [ingest_batch(lake_settings, history.ingest_date)]
    business_days = [HISTORY_END + timedelta(days=i) for i in range(1, days + 1)]
    for day in business_days:
        landed = simulate_day(lake_settings, day)
        results.append(ingest_batch(lake_settings, landed.ingest_date))
    assert all(r.to_detail()["reconciled"] for r in results)
    report = run_checks(lake_settings, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]

    before = snapshot(lake_settings)
    again = [ingest_batch(lake_settings, r.ingest_date) for r in results]
    assert {r.status for r in again} == {"already_ingested"}
    assert snapshot(lake_settings) == before

    # silver against the simulator's truth, row by row
    truth = {r["session_id"]: r for r in pristine(lake_settings).to_dicts()}
    plan = pl.concat([corruption_plan(lake_settings, d) for d in business_days]).to_dicts()
    fct = {r["session_id"]: r for r in rows(lake_settings, "silver.fct_sessions")}
    assert set(fct) == set(truth)  # every session once: duplicates gone, nothing lost
    dupes = sum(1 for p in plan if p["duplicate"])
    assert sum(r.entity("sessions").superseded for r in results) == dupes
    checked = {"clean": 0, "minutes": 0, "missing_tutor": 0, "future_dated": 0}
    for p in plan:
        got, want = fct[p["session_id"]], truth[p["session_id"]]
        if p["mode"] is None and p["duplicate"] in (None, "replay"):
            assert (got["tutor_id"], got["subject_id"], got["session_ts"]) == (
                want["tutor_id"], want["subject_id"], want["stamp"]
            )  # fmt: skip
            assert (got["duration_hours"], got["status"], got["dq_flags"]) == (
                want["duration"], want["status"], ""
            )  # fmt: skip
            checked["clean"] += 1
        elif p["mode"] == "minutes":
            assert got["duration_hours"] == want["duration"]
            assert got["dq_flags"] == "ERR_UNITS_RANGE"
            checked["minutes"] += 1
        elif p["mode"] == "missing_tutor":
            # weekly sessions keep their tutor: the student's previous session knows it
            assert got["tutor_id"] == want["tutor_id"] and "ERR_MISSING_TUTOR" in got["dq_flags"]
            checked["missing_tutor"] += 1
        elif p["mode"] == "missing_status":
            assert got["status"] == 0 and "ERR_MISSING_STATUS" in got["dq_flags"]
        elif p["mode"] == "missing_duration":
            assert got["duration_hours"] == 1.0 and "ERR_INVALID_DESCRIPTOR" in got["dq_flags"]
        elif p["mode"] == "backdated":
            assert got["session_ts"] == want["stamp"] + timedelta(days=p["shift_days"])
        elif p["mode"] == "future_dated":
            moved = want["stamp"] + timedelta(days=p["shift_days"])
            assert want["stamp"] < got["session_ts"] == got["raw_ingest_ts"] < moved
            assert "ERR_INVALID_STAMP" in got["dq_flags"]
            checked["future_dated"] += 1
    assert checked["clean"] > 5 * days and sum(checked.values()) > checked["clean"]

    # the delta corruption modes: repaired or superseded, never reaching the dimensions
    for table in ("silver.dim_students", "silver.dim_tutors"):
        versions = rows(lake_settings, table)
        assert max(v["contract_rate"] for v in versions) < 1000, table
        assert all(v["date_of_birth"] is not None for v in versions), table
    # as many audit rows per mode as the raw delta files hold corrupted rows
    storage = open_storage(lake_settings)
    written = {"ERR_RATE_UNITS": 0, "ERR_MALFORMED_DATE": 0, "DUPLICATE_EMISSION": 0}
    for day in business_days:
        for entity in ("students", "tutors"):
            key = f"raw/{entity}/ingest_date={day + timedelta(days=1)}/{entity}_delta.csv"
            raw = pl.read_csv(io.BytesIO(storage.read_bytes(key)), infer_schema=False)
            written["ERR_RATE_UNITS"] += int((raw["contract_rate"].cast(pl.Int64) >= 1000).sum())
            written["ERR_MALFORMED_DATE"] += int(raw["date_of_birth"].str.contains("/").sum())
            written["DUPLICATE_EMISSION"] += raw.height - raw.unique().height
    audited = dict.fromkeys(written, 0)
    for e in rows(lake_settings, "silver.err_dimensions"):
        if e["reason_code"] in audited:
            audited[e["reason_code"]] += 1
    assert audited == written, written
