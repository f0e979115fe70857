"""The ingest and materialize stages carried out on Athena, from the same models.

The DuckDB stages (`lakehouse.stages.ingest`, `lakehouse.stages.materialize`) run every model
of a stage in one DuckLake transaction; Athena has no multi-statement transaction and every
write is its own Iceberg commit, so a stage is the statement sequence of each model, in the same
order, with the same parameters, and it relies on being idempotent:

- ingest D: check the batch order like the DuckDB ingest (a batch already ingested is not run
  again: re-merging its rows would read them as superseded), point `bronze.<entity>` at batch D
  (`ddl.bronze_batch_views`), read the batch id with the `bronze.batch_id` model, run the
  ingest's steps (`STEPS`), then write the batch's record `_ops/ingest/batches/ingest_date=D.json`
  last: it is the commit marker that a batch's statements all ran;
- materialize D: run the gold models with `model_params(D)`. Each write is an Iceberg commit
  that export, the report and `lakehouse query` read directly (`lakehouse.aws.iceberg`).

Each returns the event detail its stage emits (business date, row counts).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from lakehouse.aws.ddl import bronze_batch_views
from lakehouse.bronze import MIGRATION_BATCH_ID, batch_files
from lakehouse.config import Settings
from lakehouse.engines.athena import AthenaEngine
from lakehouse.errors import InputFileError
from lakehouse.models import get_model
from lakehouse.storage import Storage, open_storage
from lakehouse.transpile import database_for


def _count(engine: AthenaEngine, table: str, where: Any = None) -> int:
    from sqlglot import exp

    layer, name = table.split(".")
    target = exp.table_(name, db=database_for(layer, engine.settings.athena))
    query = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(target)
    if where is not None:
        query = query.where(where)
    ((n,),) = engine.query(query.sql(dialect="athena"))
    return int(n)


def _day(column: str, day: dt.date) -> Any:
    from sqlglot import exp

    return exp.column(column).eq(exp.cast(exp.Literal.string(day.isoformat()), "DATE"))


def ingest_params(settings: Settings, engine: AthenaEngine, day: dt.date) -> dict[str, Any]:
    """The silver models' parameters for batch `day` (as `stages.ingest.batch_params`)."""
    from lakehouse.stages.ingest import SILVER_INGEST_TIME

    files = batch_files(open_storage(settings), day)
    if not any(files.values()):
        raise InputFileError(f"no raw batch landed at ingest_date={day} under {settings.lake}")
    rows = engine.query(engine.render(get_model("bronze.batch_id")))
    return {
        "ingest_date": day,
        "batch_ingest_ts": dt.datetime.combine(day, dt.time()),
        "slv_ingest_ts": dt.datetime.combine(day, SILVER_INGEST_TIME),
        "source_batch_id": rows[0][0] if rows else MIGRATION_BATCH_ID,
        "session_files": ",".join(files.get("sessions", [])),
        "student_files": ",".join(files.get("students", [])),
        "tutor_files": ",".join(files.get("tutors", [])),
    }


RECORDS_PREFIX = "_ops/ingest/batches"


def _record_key(day: dt.date) -> str:
    return f"{RECORDS_PREFIX}/ingest_date={day.isoformat()}.json"


def ingested(storage: Storage) -> dict[dt.date, dict[str, Any]]:
    """{ingest date: record} of every batch the Athena ingest completed."""
    records = {}
    for key in storage.list(RECORDS_PREFIX):
        if key.endswith(".json") and "ingest_date=" in key:
            day = dt.date.fromisoformat(key.rsplit("ingest_date=", 1)[1].removesuffix(".json"))
            records[day] = json.loads(storage.read_text(key))
    return dict(sorted(records.items()))


def ingest(settings: Settings, ingest_date: dt.date, engine: AthenaEngine | None = None) -> dict:
    """Ingest the raw batch `ingest_date` into the silver Iceberg tables (once)."""
    from lakehouse.stages.ingest import STEPS, check_order

    storage = open_storage(settings)
    done = ingested(storage)
    if ingest_date in done:
        return {**done[ingest_date]["result"], "status": "already_ingested"}
    check_order(storage, set(done), ingest_date)
    engine = engine or AthenaEngine(settings)
    for view in bronze_batch_views(settings, ingest_date):
        engine.client.execute(view.sql(dialect="athena"))
    params = ingest_params(settings, engine, ingest_date)
    for name in STEPS:
        engine.materialize(name, params)
    detail = {
        "ingest_date": ingest_date.isoformat(),
        "source_batch_id": params["source_batch_id"],
        "engine": engine.name,
        "status": "ingested",
        "fct_sessions_rows": _count(engine, "silver.fct_sessions"),
        "err_sessions_rows": _count(
            engine, "silver.err_sessions", _day("ingest_date", ingest_date)
        ),
        "bytes_scanned": sum(q.scanned_bytes for q in engine.client.history),
        "cost_usd": round(sum(q.cost_usd for q in engine.client.history), 6),
    }
    record = {"result": detail, "engine": engine.name}
    storage.write_text(_record_key(ingest_date), json.dumps(record, indent=1, sort_keys=True))
    return detail


def ingest_through(
    settings: Settings, ingest_date: dt.date, engine: AthenaEngine | None = None
) -> list[dict]:
    """The batches landed before `ingest_date` and not ingested yet, then `ingest_date`."""
    from lakehouse.stages.ingest import waiting_batches

    storage = open_storage(settings)
    days = waiting_batches(storage, set(ingested(storage)), before=ingest_date)
    engine = engine or AthenaEngine(settings)
    return [ingest(settings, d, engine) for d in [*days, ingest_date]]


def materialize(settings: Settings, as_of: dt.date, engine: AthenaEngine | None = None) -> dict:
    """Rebuild the gold Iceberg tables as of the batch `as_of`."""
    from lakehouse.stages.materialize import gold_models, model_params

    engine = engine or AthenaEngine(settings)
    params = model_params(as_of)
    stored = []
    for model in gold_models():
        engine.materialize(model, params)
        if model.kind != "view":
            stored.append(model.name)
    row_counts = {name: _count(engine, name) for name in stored}
    return {
        "as_of": as_of.isoformat(),
        "engine": engine.name,
        "row_counts": row_counts,
        "bytes_scanned": sum(q.scanned_bytes for q in engine.client.history),
        "cost_usd": round(sum(q.cost_usd for q in engine.client.history), 6),
    }
