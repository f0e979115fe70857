"""How a daily batch gets messy on its way to the raw zone (docs/simulator.md).

7% of a day's session rows are corrupted by one of six mutually exclusive modes, and 2% are
emitted a second time (an exact replay, a status correction or a duration correction). The
whole plan is drawn from the day's landing generator and the number of clean rows only, so a
test can re-derive every row's fate from the seed and the pristine sessions of that day.

Student and tutor delta rows get their own modes when the scenario asks for them (a rate in
cents, a date of birth written MM/DD/YYYY, the row emitted twice, profile fields left empty in
an update, an INSERT written as an UPDATE), drawn from the same generator after the sessions'
plan, so that plan is the same with or without them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sim.population import pick

CORRUPT_RATE = 0.07
MODES = (
    "minutes",  # duration written in minutes (x60)
    "missing_duration",
    "missing_tutor",
    "missing_status",
    "backdated",  # stamp 1-30 days earlier
    "future_dated",  # stamp 1-30 days later
)
MODE_CUM = np.array([0.25, 0.45, 0.60, 0.75, 0.90])
DUPLICATE_RATE = 0.02
DUPLICATE_KINDS = ("replay", "status_correction", "duration_correction")
DUPLICATE_CUM = np.array([0.5, 0.8])
DURATION_FIXES = np.array([-0.5, 0.5, 1.0])
NONE = -1


@dataclass(frozen=True)
class Plan:
    """The fate of each clean row of one day (arrays aligned with the clean rows)."""

    mode: np.ndarray
    """Index into MODES, or -1 for a clean row."""
    shift_days: np.ndarray
    """Days the stamp moves (negative back, positive forward; 0 unless a stamp mode)."""
    duplicate: np.ndarray
    """Index into DUPLICATE_KINDS for rows emitted twice, else -1."""
    new_status: np.ndarray
    duration_fix: np.ndarray
    batch_ms: int
    """Milliseconds after midnight of the ingest date stamped on the batch's rows."""
    duplicate_ms: np.ndarray
    """Extra milliseconds of each duplicate after the batch's own ingest time."""
    students_ms: int
    tutors_ms: int


def draw_plan(rng: np.random.Generator, n: int) -> Plan:
    """Every draw is made for every row, in a fixed order, so the plan depends on n alone."""
    corrupt = rng.random(n) < CORRUPT_RATE
    mode = np.where(corrupt, pick(rng, MODE_CUM, n), NONE).astype(np.int8)
    days = rng.integers(1, 31, n)
    shift = np.where(mode == 4, -days, np.where(mode == 5, days, 0))
    duplicated = rng.random(n) < DUPLICATE_RATE
    kind = np.where(duplicated, pick(rng, DUPLICATE_CUM, n), NONE).astype(np.int8)
    return Plan(
        mode=mode,
        shift_days=shift,
        duplicate=kind,
        new_status=rng.integers(0, 3, n),
        duration_fix=DURATION_FIXES[rng.integers(0, 3, n)],
        batch_ms=int(rng.integers(1, 251)),
        duplicate_ms=rng.integers(1, 251, n),
        students_ms=int(rng.integers(1, 501)),
        tutors_ms=int(rng.integers(1, 501)),
    )


def apply_plan(clean: dict[str, np.ndarray], plan: Plan) -> dict[str, np.ndarray]:
    """The raw rows: the clean rows with their corruption, then the duplicates (copies of the
    corrupted rows, later ingest time). Missing values are NaN; ids become float columns."""
    mode = plan.mode
    duration = clean["duration"].astype(np.float64).copy()
    duration[mode == 0] *= 60
    duration[mode == 1] = np.nan
    tutor = clean["tutor_id"].astype(np.float64)
    tutor[mode == 2] = np.nan
    status = clean["status"].astype(np.float64)
    status[mode == 3] = np.nan
    stamp = clean["stamp"] + plan.shift_days.astype(np.int64) * 86_400
    offset = np.zeros(len(mode), np.int64)
    rows = {
        "session_id": clean["session_id"],
        "student_id": clean["student_id"],
        "tutor_id": tutor,
        "subject_id": clean["subject_id"],
        "stamp": stamp,
        "duration": duration,
        "status": status,
        "ingest_offset_ms": offset,
    }
    dup = np.flatnonzero(plan.duplicate >= 0)
    copies = {key: values[dup].copy() for key, values in rows.items()}
    kind = plan.duplicate[dup]
    fix = kind == 1
    copies["status"][fix] = plan.new_status[dup][fix]
    fix = kind == 2
    # a correction states hours, even for a row first written in minutes (a corrected 30
    # "minutes" would read as 30 hours); a missing duration stays missing
    hours = copies["duration"] / np.where(mode[dup] == 0, 60.0, 1.0)
    fixed = np.maximum(0.25, hours + plan.duration_fix[dup])  # NaN stays NaN
    copies["duration"][fix] = fixed[fix]
    copies["ingest_offset_ms"] = plan.duplicate_ms[dup].astype(np.int64)
    return {key: np.concatenate([rows[key], copies[key]]) for key in rows}


DELTA_MODES = (
    "rate_in_cents",  # contract_rate x100
    "us_date",  # date of birth written M/D/YYYY
    "duplicated",  # the row emitted twice
    "missing_fields",  # an UPDATE with some of the profile fields that never change left empty
    "update_before_insert",  # the INSERT of a row created that day arrives labelled UPDATE
)
DELTA_MODE_CUM = np.array([0.3, 0.5, 0.7, 0.85])
PROFILE_FIELDS = ("first_name", "last_name", "sex", "date_of_birth")
"""The fields a missing-fields row may leave empty: a student's or tutor's profile, which no
change of the business touches, so the version before the row holds their values."""


@dataclass(frozen=True)
class DeltaPlan:
    """The fate of each delta row of one entity (arrays aligned with the rows)."""

    mode: np.ndarray
    """Index into DELTA_MODES, or -1 for a clean row."""
    blank: np.ndarray
    """Bit i set: PROFILE_FIELDS[i] is left empty (missing_fields rows only, else 0)."""


def draw_delta_plan(rng: np.random.Generator, inserted: np.ndarray, rate: float) -> DeltaPlan:
    """Modes for the delta rows (`inserted`: the row's id was created that day). A mode that
    does not fit its row leaves it clean: missing fields need an earlier version to fill them
    from (an UPDATE), an update before its insert needs an INSERT."""
    n = len(inserted)
    corrupt = rng.random(n) < rate
    mode = np.where(corrupt, pick(rng, DELTA_MODE_CUM, n), NONE).astype(np.int8)
    mask = rng.integers(1, 2 ** len(PROFILE_FIELDS), n)
    mode[((mode == 3) & inserted) | ((mode == 4) & ~inserted)] = NONE
    return DeltaPlan(mode=mode, blank=np.where(mode == 3, mask, 0))


def corrupt_delta(frame: pl.DataFrame, plan: DeltaPlan) -> pl.DataFrame:
    """The delta rows with their modes applied: rates x100, dates of birth as MM/DD/YYYY
    (the column becomes text), profile fields emptied, INSERT written UPDATE, and duplicated
    rows appended after the batch as exact copies."""
    modes = plan.mode
    if not (modes >= 0).any():
        return frame
    cents = pl.Series(modes == 0)
    us = pl.Series(modes == 1)
    dob = pl.col("date_of_birth")
    frame = frame.with_columns(
        contract_rate=pl.when(cents).then(pl.col("contract_rate") * 100).otherwise(
            pl.col("contract_rate")
        ),
        date_of_birth=pl.when(us)
        .then(
            pl.concat_str(
                [dob.dt.month().cast(pl.String), dob.dt.day().cast(pl.String),
                 dob.dt.year().cast(pl.String)],
                separator="/",
            )
        )
        .otherwise(dob.dt.strftime("%Y-%m-%d")),
        change_type=pl.when(pl.Series(modes == 4)).then(pl.lit("UPDATE")).otherwise(
            pl.col("change_type")
        ),
    )  # fmt: skip
    frame = frame.with_columns(
        pl.when(pl.Series((plan.blank >> i) & 1 == 1))
        .then(None)
        .otherwise(pl.col(name))
        .alias(name)
        for i, name in enumerate(PROFILE_FIELDS)
    )
    return pl.concat([frame, frame.filter(pl.Series(modes == 2))])
