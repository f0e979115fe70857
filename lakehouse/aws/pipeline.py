"""The ingest and materialize stages carried out on Athena, from the same models.

The DuckDB stages (`lakehouse.silver.ingest`, `lakehouse.gold.materialize`) run every model
of a stage in one DuckLake transaction; Athena has no multi-statement transaction and every
write is its own Iceberg commit, so a stage is the statement sequence of each model, in the same
order, with the same parameters, and it relies on being idempotent:

- ingest D: check the batch order like the DuckDB ingest (a batch already ingested is not run
  again: re-merging its rows would read them as superseded), point `bronze.<entity>` at batch D
  (`ddl.bronze_batch_views`), read the batch id with the `bronze.batch_id` model, run the
  ingest's models (`ingest_models`), then write the batch's record
  `_ops/ingest/batches/ingest_date=D.json` last: it is the commit marker that a batch's
  statements all ran;
- materialize D: run the gold models with `model_params(D)`. Each write is an Iceberg commit
  that export, the report and `lakehouse query` read directly (`lakehouse.lake.iceberg`).

Each returns the event detail its stage emits: the keys of the DuckDB stage's detail, read with
the same queries (`silver.ingest.ingest_result`, `results.gold_totals`), plus what Athena
costs (`costs`).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from lakehouse.aws.ddl import bronze_batch_views
from lakehouse.bronze.files import MIGRATION_BATCH_ID, batch_files
from lakehouse.config import Settings
from lakehouse.engines.athena import AthenaEngine
from lakehouse.errors import InputFileError
from lakehouse.gold.materialize import MaterializeResult, batch_times, gold_models, model_params
from lakehouse.lake.storage import Storage, open_storage
from lakehouse.models import get_model
from lakehouse.models.transpile import database_for
from lakehouse.silver.ingest import (
    check_order,
    ingest_models,
    ingest_result,
    silver_params,
    waiting_batches,
)


def _count(engine: AthenaEngine, table: str, where: Any = None) -> int:
    from sqlglot import exp

    layer, name = table.split(".")
    target = exp.table_(name, db=database_for(layer, engine.settings.athena))
    query = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(target)
    if where is not None:
        query = query.where(where)
    ((n,),) = engine.query(query.sql(dialect="athena"))
    return int(n)


def ingest_params(settings: Settings, engine: AthenaEngine, day: dt.date) -> dict[str, Any]:
    """The silver models' parameters for batch `day` (`silver.ingest.silver_params`, with the
    batch id read by the `bronze.batch_id` model)."""
    files = batch_files(open_storage(settings), day)
    if not any(files.values()):
        raise InputFileError(f"no raw batch landed at ingest_date={day} under {settings.lake}")
    rows = engine.query(engine.render(get_model("bronze.batch_id")))
    return silver_params(day, rows[0][0] if rows else MIGRATION_BATCH_ID, files)


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

    storage = open_storage(settings)
    done = ingested(storage)
    if ingest_date in done:
        return {**done[ingest_date]["result"], "status": "already_ingested"}
    check_order(storage, set(done), ingest_date)
    engine = engine or AthenaEngine(settings)
    for view in bronze_batch_views(settings, ingest_date):
        engine.client.execute(view.sql(dialect="athena"))
    params = ingest_params(settings, engine, ingest_date)
    for model in ingest_models():
        engine.materialize(model, params)
    result = ingest_result(engine, ingest_date, params["source_batch_id"])
    detail = {**result.to_detail(), **costs(engine)}
    record = {"result": detail, "engine": engine.name}
    storage.write_text(_record_key(ingest_date), json.dumps(record, indent=1, sort_keys=True))
    return detail


def ingest_through(
    settings: Settings, ingest_date: dt.date, engine: AthenaEngine | None = None
) -> list[dict]:
    """The batches landed before `ingest_date` and not ingested yet, then `ingest_date`."""
    storage = open_storage(settings)
    days = waiting_batches(storage, set(ingested(storage)), before=ingest_date)
    engine = engine or AthenaEngine(settings)
    return [ingest(settings, d, engine) for d in [*days, ingest_date]]


def materialize(settings: Settings, as_of: dt.date, engine: AthenaEngine | None = None) -> dict:
    """Rebuild the gold Iceberg tables as of the batch `as_of`."""
    engine = engine or AthenaEngine(settings)
    params = model_params(as_of)
    stored = []
    for model in gold_models():
        engine.materialize(model, params)
        if model.kind != "view":
            stored.append(model.name)
    row_counts = {name: _count(engine, name) for name in stored}
    ((revenue, pay),) = engine.query(engine.render(get_model("results.gold_totals")))
    as_of_ts, generated_at = batch_times(as_of)
    result = MaterializeResult(
        as_of=as_of,
        as_of_ts=as_of_ts,
        generated_at=generated_at,
        row_counts=row_counts,
        total_revenue=Decimal(str(revenue)).quantize(Decimal("0.01")),
        total_contractor_pay=Decimal(str(pay)).quantize(Decimal("0.01")),
        reason=FULL_BUILD_REASON,
        changed=tuple(stored),
    )
    return {**result.to_detail(), **costs(engine)}


FULL_BUILD_REASON = "every build is full on an engine without DuckLake snapshots"
"""Why gold on Athena is always rebuilt in full: the incremental build reads what changed from
the DuckLake snapshots since the last build."""


def costs(engine: AthenaEngine) -> dict[str, Any]:
    """What Athena adds to a stage's event detail: the engine, and the bytes its queries
    scanned and what they cost, so far in this engine's session."""
    return {
        "engine": engine.name,
        "bytes_scanned": sum(q.scanned_bytes for q in engine.client.history),
        "cost_usd": round(sum(q.cost_usd for q in engine.client.history), 6),
    }
