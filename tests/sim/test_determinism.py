"""Same seed, same bytes; a state saved and resumed continues exactly; days re-run, forced,
skipped ahead or interrupted never change what lands."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lakehouse.errors import LakehouseError
from lakehouse.lake.storage import open_storage as _storage
from sim import state
from sim.api import simulate_day, simulate_history

from .conftest import lake_files, read_parquet, settings_for

SHORT = date(2022, 3, 31)  # a short history keeps these tests quick


def test_same_seed_gives_identical_files_different_seed_differs(tmp_path):
    runs = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        settings = settings_for(tmp_path / name)
        simulate_history(settings, seed=seed)
        simulate_day(settings)
        simulate_day(settings)
        runs[name] = lake_files(tmp_path / name)
    assert runs["a"] == runs["b"]
    assert runs["a"].keys() == runs["c"].keys()
    raw = [k for k in runs["a"] if k.startswith("raw/")]
    assert len(raw) == 13  # with the default scenario's feedback and test-score files
    assert all(runs["a"][k] != runs["c"][k] for k in raw if "sessions" in k)


def test_history_then_daily_steps_equals_a_longer_history(tmp_path):
    """The daily path is the history's own day step: 10 daily steps after a history to X
    leave the same pristine state as a history to X + 10."""
    stepped, longer = settings_for(tmp_path / "stepped"), settings_for(tmp_path / "longer")
    simulate_history(stepped, seed=3, until=SHORT)
    for _ in range(10):
        simulate_day(stepped)
    last = SHORT + timedelta(days=10)
    simulate_history(longer, seed=3, until=last)
    for entity in ("students", "tutors"):
        key = f"{state.snapshot_prefix(last)}/{entity}.parquet"
        assert_frame_equal(
            read_parquet(_storage(stepped), key), read_parquet(_storage(longer), key)
        )
    days = [SHORT + timedelta(days=i) for i in range(1, 11)]
    sessions = pl.concat(
        [read_parquet(_storage(stepped), state.sessions_key("history"))]
        + [read_parquet(_storage(stepped), state.sessions_key(d.isoformat())) for d in days]
    )
    assert_frame_equal(sessions, read_parquet(_storage(longer), state.sessions_key("history")))


def test_force_rewrites_a_landed_day_identically_and_refuses_without(tmp_path):
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=11, until=SHORT)
    first = SHORT + timedelta(days=1)
    for _ in range(3):
        simulate_day(settings)
    before = lake_files(tmp_path / "lake")
    # landed identically (a run killed before it recorded the day): recognised, not rewritten
    again = simulate_day(settings, first)
    assert again.already_landed and not again.forced and again.business_date == first
    assert again.to_detail()["ingest_date"] == (first + timedelta(days=1)).isoformat()
    assert lake_files(tmp_path / "lake") == before
    raws = [k for k in before if f"ingest_date={first + timedelta(days=1)}" in k]
    sessions = next(k for k in raws if "sessions" in k)
    (tmp_path / "lake" / sessions).write_bytes(before[sessions] + b"1,2,3\n")
    with pytest.raises(LakehouseError, match=r"already landed, but .*sessions.* --force"):
        simulate_day(settings, first)
    for raw in raws:
        (tmp_path / "lake" / raw).unlink()
    with pytest.raises(LakehouseError, match=r"already landed, but .*differ"):
        simulate_day(settings, first)
    result = simulate_day(settings, first, force=True)
    assert result.forced and result.business_date == first
    assert lake_files(tmp_path / "lake") == before
    assert simulate_day(settings).business_date == first + timedelta(days=3)


def test_a_later_date_fills_the_gap_in_order(tmp_path):
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=5, until=SHORT)
    target = SHORT + timedelta(days=4)
    result = simulate_day(settings, target)
    assert result.business_date == target
    assert [d.business_date for d in result.earlier] == [
        SHORT + timedelta(days=i) for i in (1, 2, 3)
    ]
    assert result.to_detail()["ingest_dates"] == [
        (SHORT + timedelta(days=i)).isoformat() for i in (2, 3, 4, 5)
    ]
    landed = sorted(p.name for p in (tmp_path / "lake/raw/sessions").iterdir())
    assert landed == [f"ingest_date={SHORT + timedelta(days=i)}" for i in range(1, 6)]


def test_a_crash_before_the_state_commit_leaves_the_day_rerunnable(tmp_path, monkeypatch):
    clean, crashed = settings_for(tmp_path / "clean"), settings_for(tmp_path / "crashed")
    for settings in (clean, crashed):
        simulate_history(settings, seed=9, until=SHORT)
    simulate_day(clean)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(state, "write_pointer", boom)
    with pytest.raises(OSError):
        simulate_day(crashed)
    monkeypatch.undo()
    pointer = state.read_pointer(_storage(crashed))
    assert pointer is not None and pointer.last_day == SHORT.isoformat()
    assert simulate_day(crashed).business_date == SHORT + timedelta(days=1)
    assert lake_files(tmp_path / "crashed") == lake_files(tmp_path / "clean")


def test_refusals_name_the_problem(tmp_path):
    settings = settings_for(tmp_path / "lake")
    with pytest.raises(LakehouseError, match="run `lakehouse simulate history` first"):
        simulate_day(settings)
    simulate_history(settings, seed=1, until=SHORT)
    with pytest.raises(LakehouseError, match="part of the history"):
        simulate_day(settings, SHORT)
    with pytest.raises(LakehouseError, match="already holds a simulation"):
        simulate_history(settings, seed=1, until=SHORT)
    with pytest.raises(LakehouseError, match="scale must be"):
        simulate_history(settings, scale=0, force=True)
    with pytest.raises(LakehouseError, match="--until must be on or after 2021-08-30"):
        simulate_history(settings, until=date(2021, 8, 25), force=True)


def test_force_history_starts_over(tmp_path):
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=1, until=SHORT)
    simulate_day(settings)
    simulate_history(settings, seed=2, until=SHORT, force=True)
    raw = sorted(p.name for p in (tmp_path / "lake/raw/sessions").iterdir())
    assert raw == [f"ingest_date={SHORT + timedelta(days=1)}"]
    pointer = state.read_pointer(_storage(settings))
    assert pointer is not None and pointer.seed == 2


def test_old_snapshots_are_pruned_and_forcing_past_them_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "SNAPSHOT_RETENTION", 3)
    settings = settings_for(tmp_path / "lake")
    simulate_history(settings, seed=2, until=SHORT)
    for _ in range(5):
        simulate_day(settings)
    kept = sorted(p.name for p in (tmp_path / "lake/sim/state/snapshots").iterdir())
    assert kept == [(SHORT + timedelta(days=i)).isoformat() for i in (3, 4, 5)]
    assert simulate_day(settings, SHORT + timedelta(days=4), force=True).forced
    with pytest.raises(LakehouseError, match="only the last 3 days are kept"):
        simulate_day(settings, SHORT + timedelta(days=2), force=True)
