"""Turning simulated days into raw files: the history batch and the daily batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

import numpy as np
import polars as pl

from lakehouse.lake.storage import Storage
from sim.calendar import DAY_SECONDS, day_date, day_number
from sim.corruption import apply_plan, corrupt_delta, draw_delta_plan, draw_plan
from sim.engine import DayBatch
from sim.feedback import feedback_frame
from sim.spool import open_spool
from sim.test_scores import scores_frame
from sim.world import LAND_STREAM, World, day_rng
from sim.writer import (
    encode,
    pristine_frame,
    raw_key,
    sessions_frame,
    students_frame,
    tutors_frame,
    with_batch,
    with_change_type,
    with_tutor_status,
)


@dataclass(frozen=True)
class BatchCounts:
    """Counts of one landed daily batch (what the stage reports)."""

    business_date: date
    ingest_date: date
    source_batch_id: str
    clean_sessions: int
    raw_sessions: int
    corrupted: int
    duplicated: int
    students: int
    student_inserts: int
    tutors: int
    tutor_inserts: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class Landed(BatchCounts):
    """A landed daily batch: its counts and the pristine sessions behind it."""

    pristine: pl.DataFrame


SPOOL_BLOCK_ROWS = 200_000
"""The history spools its sessions in blocks of about this many rows: framing and writing each
day on its own costs more than simulating it (a few ms per polars call), a block bounds memory."""


class HistoryFiles:
    """The pre-migration batch (no batch columns), landed at ingest_date = last day + 1: its
    sessions are spooled to `workdir` in blocks of days as they are simulated (`add`), and
    `land` writes the files once the last day is done. The pristine sessions (with their
    rates) are spooled beside them for the simulator's state."""

    def __init__(self, workdir: Path, fmt: str) -> None:
        self.fmt = fmt
        self.raw = open_spool(workdir / f"sessions.{fmt}", fmt)
        self.pristine = open_spool(workdir / "pristine.parquet", "parquet", statistics=False)
        self.sessions = 0
        self._block: list[dict[str, np.ndarray]] = []
        self._block_rows = 0

    def add(self, sessions: dict[str, np.ndarray]) -> None:
        """Take one day's clean sessions (in session-id order, after the days before)."""
        self._block.append(sessions)
        rows = len(sessions["session_id"])
        self.sessions += rows
        self._block_rows += rows
        if self._block_rows >= SPOOL_BLOCK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._block:
            return
        block = {key: np.concatenate([day[key] for day in self._block]) for key in self._block[0]}
        self.raw.add(sessions_frame(block))
        self.pristine.add(pristine_frame(block))
        self._block, self._block_rows = [], 0

    def land(self, storage: Storage, world: World) -> tuple[Path, tuple[str, ...]]:
        """Write the raw sessions, students and tutors; returns the local file of the pristine
        sessions and the raw files written."""
        self._flush()
        ingest = day_date(world.day) + timedelta(days=1)
        sessions = raw_key("sessions", ingest, daily=False, fmt=self.fmt)
        storage.upload(self.raw.finish(), sessions)
        files = [sessions]
        for entity, frame in (
            ("students", students_frame(world.students)),
            ("tutors", tutors_frame(world.tutors)),
        ):
            key = raw_key(entity, ingest, daily=False, fmt=self.fmt)
            storage.write_bytes(key, encode(frame, self.fmt))
            files.append(key)
        return self.pristine.finish(), tuple(files)


class RawWriter(Protocol):
    """What landing a day needs of the lake: a `Storage` is one, and so is the capture that
    re-derives a landed day's files to compare them."""

    def write_bytes(self, key: str, data: bytes) -> None: ...


def land_day(storage: RawWriter, world: World, batch: DayBatch, fmt: str) -> Landed:
    """Write the raw files of business day `batch.day`: its sessions corrupted and duplicated
    as planned, and the student and tutor rows it touched, with the batch columns of D+1."""
    day = day_date(batch.day)
    ingest = day + timedelta(days=1)
    batch_id = f"sim_{ingest.isoformat()}"
    midnight_ms = day_number(ingest) * DAY_SECONDS * 1000
    rng = day_rng(world.seed, day, LAND_STREAM)
    plan = draw_plan(rng, len(batch.sessions["session_id"]))
    raw = apply_plan(batch.sessions, plan)
    sessions = with_batch(
        sessions_frame(raw), batch_id, midnight_ms + plan.batch_ms + raw["ingest_offset_ms"]
    )
    s_inserted = world.students["created"][batch.students] // DAY_SECONDS == batch.day
    t_inserted = world.tutors["created"][batch.tutors] // DAY_SECONDS == batch.day
    students = with_batch(
        with_change_type(students_frame(world.students, batch.students), s_inserted),
        batch_id,
        np.full(len(batch.students), midnight_ms + plan.students_ms, np.int64),
    )
    tutors = with_batch(
        with_change_type(tutors_frame(world.tutors, batch.tutors), t_inserted),
        batch_id,
        np.full(len(batch.tutors), midnight_ms + plan.tutors_ms, np.int64),
    )
    if world.scenario.tutors.departure_probability:
        tutors = with_tutor_status(tutors, world.tutors, batch.tutors)
    rate = world.scenario.corruption.delta_rate
    if rate:
        students = corrupt_delta(students, draw_delta_plan(rng, s_inserted, rate))
        tutors = corrupt_delta(tutors, draw_delta_plan(rng, t_inserted, rate))
    frames = [("sessions", sessions), ("students", students), ("tutors", tutors)]
    if world.scenario.feedback.share:
        rated = feedback_frame(world.seed, day, batch.sessions, world.scenario.feedback)
        frames.append(
            (
                "feedback",
                with_batch(
                    rated,
                    batch_id,
                    np.full(rated.height, midnight_ms + plan.tutors_ms + 1, np.int64),
                ),
            )
        )
    if world.scenario.test_scores.enabled:
        first = world.students["first_day"][batch.sessions["student_id"]]
        scores = scores_frame(world.seed, day, batch.sessions, first, world.scenario.test_scores)
        ms = np.full(scores.height, midnight_ms + plan.students_ms + 1, np.int64)
        frames.append(("test_scores", with_batch(scores, batch_id, ms)))
    files = []
    for entity, frame in frames:
        key = raw_key(entity, ingest, daily=True, fmt=fmt)
        storage.write_bytes(key, encode(frame, fmt))
        files.append(key)
    return Landed(
        business_date=day,
        ingest_date=ingest,
        source_batch_id=batch_id,
        clean_sessions=len(plan.mode),
        raw_sessions=sessions.height,
        corrupted=int((plan.mode >= 0).sum()),
        duplicated=int((plan.duplicate >= 0).sum()),
        students=len(batch.students),
        student_inserts=int(s_inserted.sum()),
        tutors=len(batch.tutors),
        tutor_inserts=int(t_inserted.sum()),
        files=tuple(files),
        pristine=pristine_frame(batch.sessions),
    )
