"""Corruption and duplication of daily batches: rates and mode shares measured on simulated
sessions, and every landed row's fate re-derived from the seed and the pristine state."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from sim import state
from sim.api import corruption_plan
from sim.corruption import MODES, apply_plan, draw_plan
from sim.world import LAND_STREAM, day_rng

from .conftest import delta_fates, read_parquet


@pytest.fixture(scope="module")
def landed(sim_lake):
    """The history's 31k clean sessions landed as if they were one daily batch."""
    clean = read_parquet(sim_lake.storage, state.sessions_key("history"))
    arrays = {
        "session_id": clean["session_id"].to_numpy(),
        "student_id": clean["student_id"].to_numpy(),
        "tutor_id": clean["tutor_id"].to_numpy(),
        "subject_id": clean["subject_id"].to_numpy(),
        "stamp": clean["stamp"].dt.epoch("s").to_numpy(),
        "duration": clean["duration"].to_numpy(),
        "status": clean["status"].to_numpy(),
    }
    plan = draw_plan(day_rng(1, date(2026, 1, 1), LAND_STREAM), clean.height)
    return arrays, apply_plan(arrays, plan), plan


def test_seven_percent_corrupted_with_each_modes_share(landed):
    clean, raw, _ = landed
    n = len(clean["session_id"])
    head = {k: v[:n] for k, v in raw.items()}
    outcomes = {
        "minutes": head["duration"] == clean["duration"] * 60,
        "missing_duration": np.isnan(head["duration"]),
        "missing_tutor": np.isnan(head["tutor_id"]),
        "missing_status": np.isnan(head["status"]),
        "backdated": head["stamp"] < clean["stamp"],
        "future_dated": head["stamp"] > clean["stamp"],
    }
    hit = np.vstack(list(outcomes.values()))
    assert hit.sum(axis=0).max() == 1  # modes are mutually exclusive
    corrupted = hit.any(axis=0)
    assert corrupted.mean() == pytest.approx(0.07, abs=0.005)
    expected = dict(zip(MODES, [0.25, 0.20, 0.15, 0.15, 0.15, 0.10], strict=True))
    for mode, flags in outcomes.items():
        assert flags.sum() / corrupted.sum() == pytest.approx(expected[mode], abs=0.035), mode
    shift = (head["stamp"] - clean["stamp"]) // 86_400
    moved = shift[shift != 0]
    assert set(np.abs(moved)) <= set(range(1, 31))
    assert len(set(np.abs(moved))) == 30
    untouched = ~corrupted
    assert (head["duration"][untouched] == clean["duration"][untouched]).all()


def test_two_percent_duplicated_as_replays_and_corrections(landed):
    clean, raw, plan = landed
    n = len(clean["session_id"])
    dups = len(raw["session_id"]) - n
    assert dups / n == pytest.approx(0.02, abs=0.003)
    kinds = plan.duplicate[plan.duplicate >= 0]
    for kind, expected in enumerate([0.5, 0.3, 0.2]):
        assert (kinds == kind).mean() == pytest.approx(expected, abs=0.06)
    copies = {k: v[n:] for k, v in raw.items()}
    index = np.flatnonzero(plan.duplicate >= 0)
    assert (copies["session_id"] == clean["session_id"][index]).all()
    assert (copies["ingest_offset_ms"] > 0).all()
    same_duration = np.isclose(copies["duration"], raw["duration"][index], equal_nan=True)
    assert same_duration[kinds != 2].all()
    assert not same_duration[(kinds == 2) & ~np.isnan(copies["duration"])].any()
    corrected = copies["duration"][kinds == 2]
    assert (corrected[~np.isnan(corrected)] <= 3.0).all()  # corrections state hours
    same_status = np.isclose(copies["status"], raw["status"][index], equal_nan=True)
    assert same_status[kinds != 1].all()


def test_each_landed_row_matches_the_plan_rederived_from_seed_and_state(sim_lake):
    totals = {"rows": 0, "corrupted": 0, "duplicated": 0}
    for day in sim_lake.days:
        plan = corruption_plan(sim_lake.settings, day)
        pristine = read_parquet(sim_lake.storage, state.sessions_key(day.isoformat()))
        raw = pl.read_csv(
            sim_lake.raw("sessions", day + timedelta(days=1), "new_sessions"),
            schema_overrides={"stamp": pl.Datetime, "ingest_ts": pl.Datetime("ms")},
        )
        n = pristine.height
        head = raw.head(n).with_columns(pl.col("tutor_id", "status").cast(pl.Int64))
        assert head["session_id"].to_list() == pristine["session_id"].to_list()
        mode = plan["mode"]
        expect_duration = (
            pl.when(mode == "minutes")
            .then(pristine["duration"] * 60)
            .when(mode == "missing_duration")
            .then(None)
            .otherwise(pristine["duration"])
        )
        checks = pl.DataFrame({"mode": mode}).select(
            duration=expect_duration,
            tutor=pl.when(mode == "missing_tutor").then(None).otherwise(pristine["tutor_id"]),
            status=pl.when(mode == "missing_status").then(None).otherwise(pristine["status"]),
        )
        assert head["duration"].to_list() == checks["duration"].to_list()
        assert head["tutor_id"].to_list() == checks["tutor"].to_list()
        assert head["status"].to_list() == checks["status"].to_list()
        shift = (head["stamp"] - pristine["stamp"]).dt.total_days()
        assert shift.to_list() == plan["shift_days"].to_list()
        tail = raw.slice(n)
        duplicated = plan.filter(pl.col("duplicate").is_not_null())
        assert tail["session_id"].to_list() == duplicated["session_id"].to_list()
        if tail.height:
            assert (tail["ingest_ts"] > head["ingest_ts"].max()).all()
        totals["rows"] += n
        totals["corrupted"] += mode.count()  # its non-null values
        totals["duplicated"] += tail.height
    assert totals["rows"] > 1000
    assert totals["corrupted"] / totals["rows"] == pytest.approx(0.07, abs=0.025)
    assert totals["duplicated"] / totals["rows"] == pytest.approx(0.02, abs=0.015)


def test_delta_rows_are_corrupted_by_their_own_modes(sim_lake):
    """Each landed delta row is its clean row (the simulator's state of that day), or that row
    changed by one mode: rate x100, date of birth as M/D/YYYY, profile fields left empty in an
    update, an INSERT written UPDATE, or an exact repeat. About 4% of the rows (the default
    scenario's delta_rate, less the modes that do not fit their row) are affected."""
    fates = delta_fates(sim_lake.storage, sim_lake.days)
    total = fates["students"] + fates["tutors"]
    affected = total.total() - total["clean"]
    assert min(total["rate_in_cents"], total["us_date"], total["duplicated"]) >= 1, total
    assert affected / (total.total() - total["duplicated"]) == pytest.approx(0.035, abs=0.02)
