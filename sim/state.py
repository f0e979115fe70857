"""The pristine simulator state in the lake, under `sim/state/`.

    sim/state/current.json                      the commit point: last simulated day, seed,
                                                scale, raw format, scenario, snapshot in use
    sim/state/snapshots/<day>/students.parquet  every student after business day <day>, the
                              tutors.parquet    contract columns plus the simulator's own
                              world.json        (enrollment, school year, returnability;
                                                a tutor's completed sessions)
    sim/state/sessions/batch=history/sessions.parquet    clean sessions of the history
    sim/state/sessions/batch=<day>/sessions.parquet      clean sessions of one daily step

A daily step writes its raw files, then its sessions and snapshot, then `current.json`: a
crash before that last write leaves the previous state in charge and the day re-runnable.
Snapshots of the last `SNAPSHOT_RETENTION` days are kept so any of those days can be forced
again from the state before it.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from lakehouse.errors import LakehouseError
from lakehouse.lake.storage import Storage
from sim.calendar import day_date, day_number
from sim.population import STUDENT_SCHEMA, TUTOR_SCHEMA, TUTOR_STATUSES
from sim.scenario import Scenario
from sim.table import Columns
from sim.world import World
from sim.writer import students_frame, tutors_frame, with_tutor_status

STATE = "sim/state"
CURRENT = f"{STATE}/current.json"
SNAPSHOT_RETENTION = 30
FORMAT_VERSION = 2

# simulator columns kept beside the contract columns: state name -> (internal name, dtype)
_STUDENT_EXTRA = {
    "school_year_end_month": "cutoff_month",
    "school_year_end_day": "cutoff_day",
    "school_year_start_month": "start_month",
    "returnable_on_churn": "may_return",
    "returnable": "returnable",
    "tutor_id": "tutor",
    "subject_id": "subject",
    "duration": "duration",
    "first_hour": "first_hour",
    "enrolled_on": "first_day",
    "last_session_on": "last_day",
    "school_year_end": "school_end",
    "extra_session_on": "extra_on",
    "is_college": "college",
    "enrollments": "enrollments",
}
_DATE_EXTRAS = {"enrolled_on", "last_session_on", "school_year_end", "extra_session_on"}


@dataclass(frozen=True)
class Pointer:
    """What `current.json` says: the state a daily step continues from."""

    seed: int
    scale: float
    format: str
    history_end: str
    last_day: str
    scenario: Scenario
    """The resolved scenario of the history; daily steps continue it."""

    @property
    def last_date(self) -> date:
        return date.fromisoformat(self.last_day)

    @property
    def history_end_date(self) -> date:
        return date.fromisoformat(self.history_end)


def snapshot_prefix(day: date) -> str:
    return f"{STATE}/snapshots/{day.isoformat()}"


def sessions_key(batch: str) -> str:
    """Pristine sessions of `history` or of one business day (ISO date)."""
    return f"{STATE}/sessions/batch={batch}/sessions.parquet"


def read_pointer(storage: Storage) -> Pointer | None:
    if not storage.exists(CURRENT):
        return None
    data = json.loads(storage.read_text(CURRENT))
    if data.get("format_version") != FORMAT_VERSION:
        raise LakehouseError(
            f"{storage.uri(CURRENT)} has state format {data.get('format_version')!r}, this "
            f"simulator reads {FORMAT_VERSION}; run `lakehouse simulate history --force`"
        )
    fields = {k: data[k] for k in Pointer.__dataclass_fields__ if k != "scenario"}
    scenario = Scenario.from_dict(data["scenario"], f"{storage.uri(CURRENT)} scenario")
    return Pointer(**fields, scenario=scenario)


def write_pointer(storage: Storage, pointer: Pointer) -> None:
    payload = {
        "format_version": FORMAT_VERSION,
        "seed": pointer.seed,
        "scale": pointer.scale,
        "format": pointer.format,
        "history_end": pointer.history_end,
        "last_day": pointer.last_day,
        "snapshot": snapshot_prefix(pointer.last_date),
        "scenario": pointer.scenario.to_dict(),
    }
    storage.write_text(CURRENT, json.dumps(payload, indent=2) + "\n")


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=False)
    return buffer.getvalue()


def save_sessions(storage: Storage, batch: str, frame: pl.DataFrame) -> None:
    storage.write_bytes(sessions_key(batch), _parquet(frame))


def upload_sessions(storage: Storage, batch: str, path: Path) -> None:
    """Save pristine sessions spooled to the local Parquet file `path` (written as
    `save_sessions` writes: zstd, no statistics)."""
    storage.upload(path, sessions_key(batch))


def save_snapshot(storage: Storage, world: World) -> None:
    """Write the state after `world.day` (students, tutors, counters)."""
    s = world.students
    extras = []
    for name, internal in _STUDENT_EXTRA.items():
        series = pl.Series(name, s[internal])
        if name in _DATE_EXTRAS:
            series = series.cast(pl.Int32).cast(pl.Date)
        extras.append(series)
    students = students_frame(s).with_columns(extras)
    prefix = snapshot_prefix(day_date(world.day))
    storage.write_bytes(f"{prefix}/students.parquet", _parquet(students))
    tutors = with_tutor_status(
        tutors_frame(world.tutors), world.tutors, np.arange(len(world.tutors))
    ).with_columns(
        pl.Series("completed_sessions", world.tutors["taught"]),
        pl.Series("leaves_on", world.tutors["leaves_on"]).cast(pl.Int32).cast(pl.Date),
    )
    storage.write_bytes(f"{prefix}/tutors.parquet", _parquet(tutors))
    meta = {
        "day": day_date(world.day).isoformat(),
        "seed": world.seed,
        "scale": world.scale,
        "next_session_id": world.next_session_id,
    }
    storage.write_text(f"{prefix}/world.json", json.dumps(meta, indent=2) + "\n")


def _read(storage: Storage, key: str) -> pl.DataFrame:
    if not storage.exists(key):
        raise LakehouseError(f"simulator state is missing {storage.uri(key)}")
    return pl.read_parquet(io.BytesIO(storage.read_bytes(key)))


def _common(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {
        "first_name": frame["first_name"].to_numpy().astype(object),
        "last_name": frame["last_name"].to_numpy().astype(object),
        "sex": (frame["sex"] == "M").to_numpy().astype(np.int8),
        "dob": frame["date_of_birth"].cast(pl.Int32).to_numpy().astype(np.int64),
        "rate": frame["contract_rate"].to_numpy(),
        "created": frame["created"].dt.epoch("s").to_numpy(),
        "updated": frame["updated"].dt.epoch("s").to_numpy(),
    }


def load_snapshot(storage: Storage, day: date, scenario: Scenario) -> World:
    """The world as it was after business day `day`, continuing `scenario`."""
    prefix = snapshot_prefix(day)
    if not storage.exists(f"{prefix}/world.json"):
        raise LakehouseError(
            f"no simulator snapshot for business day {day} at {storage.uri(prefix)} (only the "
            f"last {SNAPSHOT_RETENTION} days are kept)"
        )
    meta = json.loads(storage.read_text(f"{prefix}/world.json"))
    st = _read(storage, f"{prefix}/students.parquet")
    students = _common(st) | {
        "grade": st["grade"].to_numpy(),
        "active": (st["status"] == "Active").to_numpy(),
    }
    for name, internal in _STUDENT_EXTRA.items():
        column = st[name].cast(pl.Int32) if name in _DATE_EXTRAS else st[name]
        students[internal] = column.to_numpy()
    tu = _read(storage, f"{prefix}/tutors.parquet")
    tutors = _common(tu) | {
        "load": tu["active_students"].to_numpy(),
        "taught": tu["completed_sessions"].to_numpy(),
        "status": tu["status"].replace_strict(TUTOR_STATUSES, range(3)).to_numpy(),
        "leaves_on": tu["leaves_on"].cast(pl.Int32).to_numpy().astype(np.int64),
    }
    world = World(
        seed=int(meta["seed"]),
        scale=float(meta["scale"]),
        day=day_number(date.fromisoformat(meta["day"])),
        next_session_id=int(meta["next_session_id"]),
        scenario=scenario,
        students=Columns.from_arrays(STUDENT_SCHEMA, students),
        tutors=Columns.from_arrays(TUTOR_SCHEMA, tutors),
    )
    world.refresh_sets()
    return world


def prune_snapshots(storage: Storage, keep_after: date) -> None:
    """Delete snapshots of days before `keep_after`."""
    for name in storage.list_dirs(f"{STATE}/snapshots"):
        try:
            day = date.fromisoformat(name)
        except ValueError:
            continue
        if day < keep_after:
            storage.delete_prefix(f"{STATE}/snapshots/{name}")
