"""Entry points of the simulator stage (docs/CONTRACTS.md): called by the CLI, the local
event bus and the Lambda handlers.

- `simulate_history` simulates the pre-migration history, spooling its sessions to local
  files day by day, and lands it once.
- `simulate_day` continues from the saved state one business day at a time.

Randomness: every business day draws from its own generator derived from (seed, day), so
the same seed gives byte-identical files, a day can be re-simulated from the state before it,
and a history to day X followed by daily steps equals a longer history, state for state.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.lake.scratch import scratch_dir
from lakehouse.lake.storage import Storage, open_storage
from sim import state
from sim.calendar import FIRST_SIGNUP_DAY, HISTORY_END, SIM_START, day_number
from sim.corruption import DUPLICATE_KINDS, MODES, draw_plan
from sim.engine import open_business, step
from sim.landing import HistoryFiles, land_day
from sim.results import DayResult, HistoryResult
from sim.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from sim.world import LAND_STREAM, day_rng
from sim.writer import FORMATS

Progress = Callable[[int, int], None]
RAW_ENTITIES = ("sessions", "students", "tutors", "feedback", "test_scores")
MAX_SCALE = 1000.0


def _check_args(seed: int, scale: float, fmt: str) -> None:
    if not isinstance(seed, int) or seed < 0:
        raise LakehouseError(f"seed must be a non-negative integer (got {seed!r})")
    if not 0 < scale <= MAX_SCALE:
        raise LakehouseError(f"scale must be > 0 and <= {MAX_SCALE:g} (got {scale!r})")
    if fmt not in FORMATS:
        raise LakehouseError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")


def _landed_raw(storage: Storage) -> list[str]:
    return [key for entity in RAW_ENTITIES for key in storage.list(f"raw/{entity}/")]


def simulate_history(
    settings: Settings,
    seed: int = 42,
    scale: float = 1.0,
    until: date | None = None,
    progress: Progress | None = None,
    *,
    fmt: str = "csv",
    force: bool = False,
    scenario: str | Path | Scenario = DEFAULT_SCENARIO,
) -> HistoryResult:
    """Simulate business days 2021-08-24 .. `until` (default 2025-12-30) and land them as the
    pre-migration batch at ingest_date = until + 1, then save the pristine state.

    Refuses when the lake already has simulator state or raw batches, unless `force`, which
    deletes `sim/state/` and every raw sessions/students/tutors batch first (tables built
    from them need rebuilding). `scenario` is a preset name (`original` replays the
    original's business, for calibration against its figures), a TOML scenario file or a
    `Scenario`; it is saved with the state, so daily steps continue the same business.
    """
    started = time.perf_counter()
    until = until or HISTORY_END
    _check_args(seed, scale, fmt)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if until < FIRST_SIGNUP_DAY - timedelta(days=1):
        raise LakehouseError(
            f"--until must be on or after {FIRST_SIGNUP_DAY - timedelta(days=1)} (the end of "
            f"the opening week), got {until}"
        )
    storage = open_storage(settings)
    _clear_or_refuse(storage, force)
    world, opening = open_business(seed, scale, scenario)
    total = (until - SIM_START).days + 1
    with scratch_dir("sim") as workdir:
        history = HistoryFiles(Path(workdir), fmt)
        history.add(opening.sessions)
        day = FIRST_SIGNUP_DAY
        while day <= until:
            history.add(step(world, day, day_rng(seed, day)).sessions)
            done = (day - SIM_START).days + 1
            if progress is not None and (done % 16 == 0 or day == until):
                progress(done, total)
            day += timedelta(days=1)
        if progress is not None:
            progress(total, total)
        world.day = day_number(until)
        pristine, files = history.land(storage, world)
        state.upload_sessions(storage, "history", pristine)
    state.save_snapshot(storage, world)
    pointer = state.Pointer(seed, scale, fmt, until.isoformat(), until.isoformat(), scenario)
    state.write_pointer(storage, pointer)
    return HistoryResult(
        seed=seed,
        scale=scale,
        format=fmt,
        first_day=SIM_START,
        last_day=until,
        ingest_date=until + timedelta(days=1),
        sessions=history.sessions,
        students=len(world.students),
        tutors=len(world.tutors),
        active_students=len(world.active_ids),
        files=files,
        scenario=scenario.name,
        seconds=time.perf_counter() - started,
    )


def _clear_or_refuse(storage: Storage, force: bool) -> None:
    pointer = state.read_pointer(storage) if storage.exists(state.CURRENT) else None
    raw = _landed_raw(storage)
    if not force and (pointer or raw):
        what = (
            f"a simulation (seed {pointer.seed}, scale {pointer.scale:g}, last business day "
            f"{pointer.last_day})"
            if pointer
            else f"raw batches ({raw[0]} ...)"
        )
        raise LakehouseError(
            f"the lake {storage.uri()} already holds {what}; continue it with `lakehouse "
            "simulate day`, or start over with --force (deletes sim/state/ and the raw "
            "sessions/students/tutors batches)"
        )
    if force:
        storage.delete_prefix(f"{state.STATE}/")
        storage.delete(raw)


def simulate_day(settings: Settings, day: date | None = None, force: bool = False) -> DayResult:
    """Simulate business day `day` (default: the day after the saved state) and land it at
    ingest_date = day + 1 with batch id `sim_<day + 1>`.

    A day after the next one first simulates the days in between, in order. A day that has
    already landed is refused unless `force`, which rewrites it identically from the saved
    snapshot of the day before (kept for the last `state.SNAPSHOT_RETENTION` days).
    """
    storage = open_storage(settings)
    pointer = state.read_pointer(storage)
    if pointer is None:
        raise LakehouseError(
            f"no simulator state in {storage.uri()}: run `lakehouse simulate history` first"
        )
    next_day = pointer.last_date + timedelta(days=1)
    day = day or next_day
    if day <= pointer.history_end_date:
        raise LakehouseError(
            f"business day {day} is part of the history (through {pointer.history_end}); "
            f"daily steps start at {pointer.history_end_date + timedelta(days=1)}"
        )
    if day <= pointer.last_date:
        if not force:
            return _already_landed(storage, pointer, day)
        world = state.load_snapshot(storage, day - timedelta(days=1), pointer.scenario)
        landed = land_day(
            storage, world, step(world, day, day_rng(world.seed, day)), pointer.format
        )
        state.save_sessions(storage, day.isoformat(), landed.pristine)
        return DayResult.of(landed, forced=True)
    world = state.load_snapshot(storage, pointer.last_date, pointer.scenario)
    results = []
    current = next_day
    while current <= day:
        landed = land_day(
            storage, world, step(world, current, day_rng(world.seed, current)), pointer.format
        )
        state.save_sessions(storage, current.isoformat(), landed.pristine)
        state.save_snapshot(storage, world)
        state.write_pointer(storage, _moved(pointer, current))
        state.prune_snapshots(storage, current - timedelta(days=state.SNAPSHOT_RETENTION - 1))
        results.append(DayResult.of(landed))
        current += timedelta(days=1)
    return replace(results[-1], earlier=tuple(results[:-1]))


class _Capture:
    """Stands in for the lake in `land_day` to collect the bytes it would write."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write_bytes(self, key: str, data: bytes) -> None:
        self.files[key] = data


def _already_landed(storage: Storage, pointer: state.Pointer, day: date) -> DayResult:
    """A day that landed before (a run killed before it recorded the day, or a manual
    `simulate day`): the simulator is deterministic, so re-derive its files from the state
    before it and compare them byte for byte with the landed ones. Identical: the day is
    reported as landed (nothing is written). Different: refused, with what to do."""
    redo = f"lakehouse simulate day --date {day} --force"
    try:
        world = state.load_snapshot(storage, day - timedelta(days=1), pointer.scenario)
    except LakehouseError:
        raise LakehouseError(
            f"business day {day} has already landed and the simulator state before it is no "
            f"longer kept (only the last {state.SNAPSHOT_RETENTION} days are), so its files "
            f"cannot be checked; the next day to simulate is "
            f"{pointer.last_date + timedelta(days=1)}"
        ) from None
    capture = _Capture()
    landed = land_day(
        capture,
        world,
        step(world, day, day_rng(world.seed, day)),
        pointer.format,
    )
    differ = [
        key
        for key, data in capture.files.items()
        if not storage.exists(key) or storage.read_bytes(key) != data
    ]
    if differ:
        raise LakehouseError(
            f"business day {day} has already landed, but {', '.join(differ)} differ(s) from "
            f"what the simulator state produces for it (edited, or landed by another seed); "
            f"rewrite the day with `{redo}`, then rerun the days after it"
        )
    return DayResult.of(landed, already_landed=True)


def _moved(pointer: state.Pointer, day: date) -> state.Pointer:
    return replace(pointer, last_day=day.isoformat())


def corruption_plan(settings: Settings, day: date) -> pl.DataFrame:
    """Re-derive, from the seed and the pristine sessions of business day `day`, what landing
    did to each of its rows: `mode` (a corruption mode or null), `shift_days`, `duplicate`
    (a duplicate kind or null). The raw file itself carries no such marker."""
    storage = open_storage(settings)
    pointer = state.read_pointer(storage)
    if pointer is None:
        raise LakehouseError(f"no simulator state in {storage.uri()}")
    key = state.sessions_key(day.isoformat())
    if not storage.exists(key):
        raise LakehouseError(f"no pristine sessions for business day {day} at {storage.uri(key)}")
    pristine = pl.read_parquet(io.BytesIO(storage.read_bytes(key)))
    plan = draw_plan(day_rng(pointer.seed, day, LAND_STREAM), pristine.height)
    modes = np.array([*MODES, None], object)[plan.mode].tolist()
    kinds = np.array([*DUPLICATE_KINDS, None], object)[plan.duplicate].tolist()
    return pristine.select("session_id").with_columns(
        pl.Series("mode", modes, pl.String),
        pl.Series("shift_days", plan.shift_days, pl.Int64),
        pl.Series("duplicate", kinds, pl.String),
    )


def read_state(settings: Settings) -> state.Pointer | None:
    """What the lake's simulator state says (None when nothing was simulated yet)."""
    return state.read_pointer(open_storage(settings))
