"""Ingest stage: one raw batch (bronze) into the silver tables (SPEC sections 3 and 4).

`ingest_batch(settings, D)` reads `raw/*/ingest_date=D/`, runs the silver models in order
(the SQL under `sql/silver/` holds every rule), and publishes the result through the journal
(lakehouse/journal.py), so a crash at any point is repaired by running the batch again.
Batches are ingested in landing order: silver after batch D is a function of silver after the
batch before D and of D's files, which is what makes a rerun reproduce the same rows. A batch
already ingested is not ingested twice: asking for it again returns its recorded result (after
checking its raw files are still the ones ingested).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from lakehouse.bronze import ENTITIES, BronzeBatch, batch_files, landed_batches, load_batch
from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.journal import Journal
from lakehouse.models import get_model
from lakehouse.scratch import scratch_dir
from lakehouse.silver_schema import SILVER_SCHEMAS
from lakehouse.storage import Storage, open_storage

# The models of one ingest, in the order they run (see strategies.py for what `silver.<t>`
# means before and after its model has run).
STEPS = (
    "silver.stg_students",
    "silver.stg_tutors",
    "silver.dim_students",
    "silver.dim_tutors",
    "silver.err_dimensions",
    "silver.stg_sessions",
    "silver.stg_session_keys",
    "silver.fct_sessions",
    "silver.err_sessions",
    "silver.ingest_batches",
    "silver.dim_subjects",
    "silver.dim_appt_status",
)
AUDIT_TABLES = ("silver.err_sessions", "silver.err_dimensions")
"""Written by the ingest, never read by its models: their previous files are not loaded."""
SMALL_BATCH_BYTES = 4_000_000
"""Raw batches up to this size run on one DuckDB thread (unless silver is large)."""
SILVER_INGEST_TIME = dtime(1, 0, 0)
"""Silver stamps the rows of batch D with D 01:00 (the original ran its ingest at 1 am)."""


@dataclass(frozen=True)
class EntityCounts:
    entity: str
    raw: int
    kept: int
    repaired: int
    superseded: int
    rejected: int

    @property
    def reconciled(self) -> bool:
        return self.raw == self.kept + self.superseded + self.rejected


@dataclass(frozen=True)
class IngestResult:
    ingest_date: date
    source_batch_id: str
    counts: tuple[EntityCounts, ...]
    status: str = "ingested"
    """'ingested', 'recovered' (an interrupted ingest was completed) or 'already_ingested'."""
    superseded_earlier: int = 0
    """Sessions of earlier batches this batch replaced (audited as SUPERSEDED_LATER_BATCH)."""
    orphan_sessions: int = 0
    months_written: tuple[str, ...] = ()
    seconds: float = 0.0

    def entity(self, name: str) -> EntityCounts:
        return next(c for c in self.counts if c.entity == name)

    def to_detail(self) -> dict[str, Any]:
        """JSON-safe detail of the IngestionCompleted event."""
        sessions = self.entity("sessions")
        return {
            "ingest_date": self.ingest_date.isoformat(),
            "source_batch_id": self.source_batch_id,
            "status": self.status,
            **{
                c.entity: {
                    "raw": c.raw,
                    "kept": c.kept,
                    "repaired": c.repaired,
                    "superseded": c.superseded,
                    "rejected": c.rejected,
                }
                for c in self.counts
            },
            "kept_rows": sessions.kept,
            "rejected_rows": sessions.rejected,
            "quarantined_rows": sessions.rejected,
            "superseded_earlier": self.superseded_earlier,
            "orphan_sessions": self.orphan_sessions,
            "months_written": list(self.months_written),
            "reconciled": all(c.reconciled for c in self.counts),
        }

    @classmethod
    def from_detail(cls, detail: dict[str, Any], status: str) -> IngestResult:
        return cls(
            ingest_date=date.fromisoformat(detail["ingest_date"]),
            source_batch_id=detail["source_batch_id"],
            counts=tuple(EntityCounts(e, **detail[e]) for e in ENTITIES),
            status=status,
            superseded_earlier=detail["superseded_earlier"],
            orphan_sessions=detail["orphan_sessions"],
            months_written=tuple(detail["months_written"]),
        )


def batch_params(batch: BronzeBatch) -> dict[str, Any]:
    """The named parameters of the silver models: all derived from the batch date."""
    day = batch.ingest_date
    return {
        "ingest_date": day,
        "batch_ingest_ts": datetime.combine(day, dtime()),
        "slv_ingest_ts": datetime.combine(day, SILVER_INGEST_TIME),
        "source_batch_id": batch.source_batch_id,
        "session_files": ",".join(batch.keys("sessions")),
        "student_files": ",".join(batch.keys("students")),
        "tutor_files": ",".join(batch.keys("tutors")),
    }


def _check_order(storage: Storage, journal: Journal, day: date) -> None:
    done = set(journal.committed_dates())
    later = [d for d in done if d > day]
    if later:
        raise LakehouseError(
            f"cannot ingest {day}: batch {max(later)} is already ingested and batches go into "
            "silver in order (a later batch supersedes an earlier one); rebuild silver from raw "
            "to insert an older batch"
        )
    waiting = [d for d in landed_batches(storage) if d < day and d not in done]
    if waiting:
        raise LakehouseError(
            f"cannot ingest {day} before the landed batch {min(waiting)}: run "
            "`lakehouse ingest --all` to ingest the waiting batches in order"
        )


def _already_ingested(storage: Storage, journal: Journal, day: date, status: str) -> IngestResult:
    """The recorded result, after checking the raw files are still those that were ingested."""
    import hashlib

    record = journal.record(day)
    assert record is not None
    files = batch_files(storage, day)
    current = {
        key: hashlib.sha256(storage.read_bytes(key)).hexdigest()
        for entity in ENTITIES
        for key in files[entity]
    }
    if current != record["fingerprint"]:
        changed = sorted(set(current.items()) ^ set(record["fingerprint"].items()))
        raise LakehouseError(
            f"raw batch {day} changed after it was ingested ({', '.join(k for k, _ in changed)}); "
            "silver holds the earlier content. Land corrections as a new batch"
        )
    return IngestResult.from_detail(record["result"], status)


def recover(settings: Settings) -> list[date]:
    """Complete every ingest a crash interrupted after its manifest was written."""
    journal = Journal(open_storage(settings))
    done = []
    for day in journal.in_flight():
        journal.publish(journal.load(day))
        done.append(day)
    return done


def ingest_batch(settings: Settings, ingest_date: date) -> IngestResult:
    """Bring silver up to date with the raw batch landed at `ingest_date` (see module doc)."""
    storage = open_storage(settings)
    journal = Journal(storage)
    recovered = recover(settings)
    if journal.record(ingest_date) is not None:
        status = "recovered" if ingest_date in recovered else "already_ingested"
        return _already_ingested(storage, journal, ingest_date, status)
    _check_order(storage, journal, ingest_date)
    journal.discard(ingest_date)
    return _run(settings, storage, journal, ingest_date)


def ingest_pending(settings: Settings) -> list[IngestResult]:
    """Ingest every landed batch not ingested yet, oldest first."""
    storage = open_storage(settings)
    journal = Journal(storage)
    recover(settings)
    done = set(journal.committed_dates())
    return [ingest_batch(settings, d) for d in landed_batches(storage) if d not in done]


def _run(settings: Settings, storage: Storage, journal: Journal, day: date) -> IngestResult:
    from lakehouse.engines.duckdb import connect
    from lakehouse.strategies import ModelRun
    from lakehouse.tables import TableStore

    started = time.perf_counter()
    con = connect(settings)
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET parquet_metadata_cache = true")
        batch = load_batch(con, storage, day)
        con.execute("SET preserve_insertion_order = false")
        # a daily batch over a small silver is a few thousand rows: one thread does it faster
        # than two that hand tiny chunks back and forth
        small = sum(f.size for f in batch.files) <= SMALL_BATCH_BYTES
        if small:
            con.execute("SET threads = 1")
        local_stage = journal.staging_dir(day)
        scratch = scratch_dir("ingest") if local_stage is None else None
        with scratch or contextlib.nullcontext("") as tmp:
            stage_dir = local_stage or Path(tmp)
            run = ModelRun(con, TableStore(storage, con), stage_dir, batch_params(batch))
            run.expose_previous(list(SILVER_SCHEMAS), lazy=AUDIT_TABLES)
            if small and run.large:
                con.execute(f"SET threads = {int(settings.duckdb.threads)}")
            for name in STEPS:
                run.run(get_model(name))
            result = _result(con, batch, run, time.perf_counter() - started)
            record = {"result": result.to_detail(), "fingerprint": batch.fingerprint()}
            manifest = journal.prepare(day, run.staged, record)
            journal.publish(manifest, {s.table: s.local_dir for s in run.staged})
    finally:
        con.close()
    return result


def _result(con, batch: BronzeBatch, run, seconds: float) -> IngestResult:
    rows = con.execute(
        "SELECT entity, raw_rows, kept_rows, repaired_rows, superseded_rows, rejected_rows "
        "FROM result.ingest_batches"
    ).fetchall()
    by_entity = {r[0]: EntityCounts(*r) for r in rows}
    (earlier,) = con.execute(
        "SELECT count(*) FROM silver.stg_sessions WHERE origin = 'silver'"
    ).fetchone()
    (orphans,) = con.execute(
        "SELECT count(*) FROM silver.stg_session_keys WHERE origin = 'batch' AND is_orphan"
    ).fetchone()
    fct = next(s for s in run.staged if s.table == "silver.fct_sessions")
    months = tuple(p.split("=", 1)[1] for p in fct.partitions or () if p)
    return IngestResult(
        ingest_date=batch.ingest_date,
        source_batch_id=batch.source_batch_id,
        counts=tuple(by_entity[e] for e in ENTITIES),
        superseded_earlier=int(earlier),
        orphan_sessions=int(orphans),
        months_written=months,
        seconds=round(seconds, 3),
    )
