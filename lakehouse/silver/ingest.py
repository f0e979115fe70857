"""Ingest stage: one raw batch (bronze) into the silver tables (docs/silver.md).

`ingest_batch(settings, D)` reads `raw/*/ingest_date=D/`, runs the silver models in order
(the SQL under `sql/silver/` holds every rule) and applies their results to the silver DuckLake
tables in one transaction, together with the batch's record (`silver.ingest_batches`, and the
result and raw-file fingerprint in the snapshot's commit info). A crash or a kill at any point
leaves the snapshot before the batch: there is nothing to repair, the batch is simply run again.
Batches are ingested in landing order: silver after batch D is a function of silver after the
batch before D and of D's files, which is what makes a rerun reproduce the same rows. A batch
already ingested is not ingested twice: asking for it again returns its recorded result (after
checking its raw files are still the ones ingested).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

from lakehouse.bronze.files import ENTITIES, BronzeBatch, batch_files, landed_batches
from lakehouse.bronze.load import load_batch
from lakehouse.config import Settings
from lakehouse.engines.base import Engine
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.errors import LakehouseError
from lakehouse.lake.catalog import ALIAS, lake_tables, snapshots
from lakehouse.lake.connection import scalar
from lakehouse.lake.maintenance import compact_small_files, expire_old_batches
from lakehouse.lake.storage import Storage, open_storage
from lakehouse.models import Model, get_model
from lakehouse.models.contracts import SILVER_SCHEMAS
from lakehouse.models.dependencies import layer_models

if TYPE_CHECKING:
    import duckdb

    from lakehouse.engines.base import Engine

SMALL_BATCH_BYTES = 4_000_000
"""Raw batches up to this size run on one DuckDB thread."""
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


_COUNTS = ("raw", "kept", "repaired", "superseded", "rejected")


@dataclass(frozen=True)
class IngestResult:
    ingest_date: date
    source_batch_id: str
    counts: tuple[EntityCounts, ...]
    status: str = "ingested"
    """'ingested', or 'already_ingested' (the recorded result of an earlier ingest)."""
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
            # a result recorded before an entity existed has no counts for it: zeros
            counts=tuple(
                EntityCounts(e, **detail.get(e, dict.fromkeys(_COUNTS, 0))) for e in ENTITIES
            ),
            status=status,
            superseded_earlier=detail["superseded_earlier"],
            orphan_sessions=detail["orphan_sessions"],
            months_written=tuple(detail["months_written"]),
        )


def ingest_models() -> list[Model]:
    """The silver models of one ingest, in the order they run: each after the models of the
    tables it reads, and before those of the tables it reads as they were before the batch
    (`lakehouse.models.dependencies`). Inside the ingest's transaction a model sees
    `silver.<t>` as it was before the batch until the model of <t> has run, and as it is after
    the batch from then on (dim_students reads its own previous versions, fct_sessions the new
    dimension keys)."""
    return layer_models("silver")


def batch_params(batch: BronzeBatch) -> dict[str, Any]:
    """The named parameters of the silver models for a loaded batch."""
    files = {entity: batch.keys(entity) for entity in ENTITIES}
    return silver_params(batch.ingest_date, batch.source_batch_id, files)


def silver_params(day: date, source_batch_id: str, files: dict[str, list[str]]) -> dict[str, Any]:
    """The named parameters of the silver models for the batch `day`, its id and its raw file
    keys by entity (every engine binds these): the times derive from the batch date only."""
    return {
        "ingest_date": day,
        "batch_ingest_ts": datetime.combine(day, dtime()),
        "slv_ingest_ts": datetime.combine(day, SILVER_INGEST_TIME),
        "source_batch_id": source_batch_id,
        "session_files": ",".join(files.get("sessions", [])),
        "student_files": ",".join(files.get("students", [])),
        "tutor_files": ",".join(files.get("tutors", [])),
        "feedback_files": ",".join(files.get("feedback", [])),
        "test_score_files": ",".join(files.get("test_scores", [])),
    }


def check_order(storage: Storage, done: set[date], day: date) -> None:
    later = [d for d in done if d > day]
    if later:
        raise LakehouseError(
            f"cannot ingest {day}: batch {max(later)} is already ingested and batches go into "
            "silver in order (a later batch supersedes an earlier one); roll back with "
            f"`lakehouse rollback --to-batch <a batch before {day}>` or run `lakehouse rebuild`"
        )
    waiting = waiting_batches(storage, done, before=day)
    if waiting:
        raise LakehouseError(
            f"cannot ingest {day} before the landed batch {min(waiting)}: run "
            "`lakehouse ingest --all` to ingest the waiting batches in order"
        )


def waiting_batches(storage: Storage, done: set[date], before: date | None = None) -> list[date]:
    """The landed batches silver does not hold yet (before `before`, if given), oldest first:
    the order they must be ingested in."""
    return [d for d in landed_batches(storage) if d not in done and (before is None or d < before)]


def check_fingerprint(storage: Storage, day: date, fingerprint: dict[str, str]) -> None:
    """Fail unless the raw files of batch `day` are still those that were ingested."""
    import hashlib

    files = batch_files(storage, day)
    current = {
        key: hashlib.sha256(storage.read_bytes(key)).hexdigest()
        for entity in ENTITIES
        for key in files[entity]
    }
    if current != fingerprint:
        changed = sorted(set(current.items()) ^ set(fingerprint.items()))
        raise LakehouseError(
            f"raw batch {day} changed after it was ingested ({', '.join(k for k, _ in changed)}); "
            "silver holds the earlier content. Land corrections as a new batch"
        )


def ingested_days(con: duckdb.DuckDBPyConnection) -> set[date]:
    """The ingest dates silver holds in session `con` (those in `silver.ingest_batches`)."""
    if "silver.ingest_batches" not in lake_tables(con, ("silver",)):
        return set()
    rows = con.execute(f"SELECT DISTINCT ingest_date FROM {ALIAS}.silver.ingest_batches")
    return {d for (d,) in rows.fetchall()}


def batch_record(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, Any]:
    """The record of an ingested batch (result detail and raw fingerprint): the commit info of
    the last ingest snapshot of that batch."""
    found = [s for s in snapshots(con) if s.stage == "ingest" and s.batch == day]
    if not found or "record" not in found[-1].extra:
        raise LakehouseError(
            f"batch {day} is in silver, but its ingest snapshot has expired (snapshots are kept "
            "for the last `maintain.keep_batches` batches and `maintain.expire_older_than`), "
            "so its result cannot be shown nor its raw files checked; nothing was changed"
        )
    return found[-1].extra["record"]


def ingest_batch(
    settings: Settings,
    ingest_date: date,
    engine: DuckDBEngine | None = None,
    done: set[date] | None = None,
) -> IngestResult:
    """Bring silver up to date with the raw batch landed at `ingest_date` (see module doc).

    `engine` and `done` (the batches silver holds) let a caller ingest several batches on one
    connection."""
    storage = open_storage(settings)
    if engine is None:
        with DuckDBEngine(settings) as own:
            return ingest_batch(settings, ingest_date, own)
    done = ingested_days(engine.con) if done is None else done
    if ingest_date in done:
        record = batch_record(engine.con, ingest_date)
        check_fingerprint(storage, ingest_date, record["fingerprint"])
        return IngestResult.from_detail(record["result"], "already_ingested")
    check_order(storage, done, ingest_date)
    result = _run(settings, storage, engine, ingest_date)
    done.add(ingest_date)
    return result


def ingest_through(settings: Settings, ingest_date: date) -> list[IngestResult]:
    """Ingest the landed batches not ingested yet up to `ingest_date`, then that one, on one
    connection; the last result is `ingest_date`'s."""
    storage = open_storage(settings)
    with DuckDBEngine(settings) as engine:
        done = ingested_days(engine.con)
        days = [*waiting_batches(storage, done, before=ingest_date), ingest_date]
        return [ingest_batch(settings, d, engine, done) for d in days]


def ingest_pending(settings: Settings) -> list[IngestResult]:
    """Ingest every landed batch not ingested yet, oldest first."""
    storage = open_storage(settings)
    with DuckDBEngine(settings) as engine:
        done = ingested_days(engine.con)
        return [ingest_batch(settings, d, engine, done) for d in waiting_batches(storage, done)]


def create_silver_tables(engine: DuckDBEngine) -> None:
    """Every silver table that does not exist yet, empty, in the contract's shape: the models
    read their own table's previous state, which for the first batch is empty."""
    for table, columns in SILVER_SCHEMAS.items():
        model = get_model(table)
        if not engine.exists(model):
            engine.create_table(table, columns, model.partitioned_by)


def _run(settings: Settings, storage: Storage, engine: DuckDBEngine, day: date) -> IngestResult:
    started = time.perf_counter()
    con = engine.con
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET parquet_metadata_cache = true")
    con.execute(f"SET threads = {int(settings.duckdb.threads)}")  # the history batch is large
    batch = load_batch(con, storage, day)
    con.execute("SET preserve_insertion_order = false")
    # a daily batch is a few thousand rows: one thread does it faster than two that hand tiny
    # chunks back and forth
    small = sum(f.size for f in batch.files) <= SMALL_BATCH_BYTES
    con.execute(f"SET threads = {1 if small else int(settings.duckdb.threads)}")
    params = batch_params(batch)
    with engine.transaction("ingest", f"ingest batch {day}") as record:
        create_silver_tables(engine)
        rows = {}
        for model in ingest_models():
            engine.materialize(model, params)
            if model.kind != "view":
                rows[model.name] = int(
                    scalar(con, f"SELECT count(*) FROM {engine.stage_name(model)}")
                )
        result = ingest_result(engine, day, batch.source_batch_id, time.perf_counter() - started)
        record.info.update(
            batch=day.isoformat(),
            rows=rows,
            record={"result": result.to_detail(), "fingerprint": batch.fingerprint()},
        )
    compact_small_files(con, "silver")  # a commit of its own, after the batch's
    expire_old_batches(con, settings.maintain.keep_batches)  # and one more, now and then
    return result


def ingest_result(
    engine: Engine, day: date, source_batch_id: str, seconds: float = 0.0
) -> IngestResult:
    """The result of batch `day`, read right after its models ran (before the engine closes its
    session) with the same queries on every engine (`sql/results/`), so the event detail of an
    ingest is the same whichever engine ran it."""
    params = {"ingest_date": day}

    def rows(name: str) -> list[tuple[Any, ...]]:
        return engine.query(engine.render(get_model(f"results.{name}"), params))

    by_entity = {
        str(r[0]): EntityCounts(str(r[0]), *(int(v) for v in r[1:])) for r in rows("ingest_counts")
    }
    ((earlier, orphans),) = rows("ingest_sessions")
    months = sorted(str(m) for (m,) in rows("months_written") if m is not None)
    return IngestResult(
        ingest_date=day,
        source_batch_id=source_batch_id,
        counts=tuple(by_entity[e] for e in ENTITIES),
        superseded_earlier=int(earlier),
        orphan_sessions=int(orphans),
        months_written=tuple(months),
        seconds=round(seconds, 3),
    )
