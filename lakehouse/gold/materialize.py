"""Materialize stage: build the gold tables from silver (docs/gold.md).

Every run is a full rebuild of gold from silver: the gold tables are small aggregates whose
cost is one scan of silver (see bench/materialize.py), and a full rebuild equals itself by
construction, whatever happened to silver since the last run (late sessions, superseded rows,
SCD2 rate changes in closed months). All gold tables are replaced in one DuckLake transaction,
so a reader sees every gold table from the same run, and a failure leaves the previous gold.

Runs are reproducible: the times written into gold come from the batch date, never from the
wall clock. For the batch `as_of` (an ingest date; business day `as_of - 1`):

- `as_of_ts` = `as_of` 00:00:00, the end of the business day the batch holds;
- `generated_at` = `as_of` 02:00:00 (silver stamps its rows at 01:00 the same day).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.errors import LakehouseError
from lakehouse.lake.catalog import registered_views
from lakehouse.models import Model, load_models, render

if TYPE_CHECKING:
    import duckdb

SILVER_INPUTS = (
    "silver.fct_sessions",
    "silver.dim_students",
    "silver.dim_tutors",
    "silver.dim_subjects",
    "silver.dim_appt_status",
    "silver.ingest_batches",
    "silver.err_sessions",
)
GENERATED_AT_TIME = dt.time(2, 0, 0)
SMALL_SILVER_ROWS = 500_000
"""Up to this many sessions, gold is built on one DuckDB thread."""


@dataclass(frozen=True)
class MaterializeResult:
    as_of: dt.date
    """The ingest date gold is built as of."""
    as_of_ts: dt.datetime
    generated_at: dt.datetime
    row_counts: dict[str, int] = field(default_factory=dict)
    """Rows per stored gold table (`gold.x`)."""
    total_revenue: Decimal = Decimal("0.00")
    total_contractor_pay: Decimal = Decimal("0.00")
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    """Wall-clock seconds per gold model (for benchmarks; not part of the event detail)."""

    def to_detail(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "as_of_ts": self.as_of_ts.isoformat(sep=" "),
            "generated_at": self.generated_at.isoformat(sep=" "),
            "row_counts": dict(self.row_counts),
            "total_revenue": float(self.total_revenue),
            "total_contractor_pay": float(self.total_contractor_pay),
        }


def batch_times(as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """(as_of_ts, generated_at) of the batch `as_of`: derived from the date only."""
    return dt.datetime.combine(as_of, dt.time()), dt.datetime.combine(as_of, GENERATED_AT_TIME)


def gold_models() -> list[Model]:
    """The gold models, each after the gold models it depends on."""
    models = {name: m for name, m in load_models().items() if m.layer == "gold"}
    ordered: list[Model] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(m.name == name for m in ordered):
            return
        if name in visiting:
            raise LakehouseError(f"gold models depend on each other in a cycle through {name}")
        visiting.add(name)
        for dep in models[name].depends_on:
            if dep in models:
                visit(dep)
        visiting.discard(name)
        ordered.append(models[name])

    for name in sorted(models):
        visit(name)
    return ordered


def _resolve_as_of(
    present: set[str], latest: dt.date | None, as_of: dt.date | None, lake: str
) -> dt.date:
    missing = [t for t in SILVER_INPUTS if t not in present]
    if missing:
        raise LakehouseError(
            f"silver table(s) {', '.join(missing)} not found in the lake {lake}: "
            "run `lakehouse ingest` first"
        )
    if latest is None:
        raise LakehouseError("silver.ingest_batches is empty: no batch has been ingested yet")
    if as_of is None:
        return latest
    if as_of > latest:
        raise LakehouseError(
            f"cannot materialize as of {as_of}: silver holds batches up to {latest}; "
            f"ingest {as_of} first"
        )
    return as_of


def model_params(as_of: dt.date) -> dict[str, Any]:
    """The parameters every gold model is rendered with for the batch `as_of`."""
    as_of_ts, generated_at = batch_times(as_of)
    return {"as_of_date": as_of, "as_of_ts": as_of_ts, "generated_at": generated_at}


def register_gold_views(con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> list[str]:
    """Create the ephemeral gold models (`@kind view`) as views in a read session
    (`catalog.open_catalog`), so ad-hoc queries can read e.g. gold.int_priced_sessions.
    Returns the views created (none when silver is missing)."""
    present = registered_views(con)
    latest = None
    if "silver.ingest_batches" in present:
        (latest,) = con.execute("SELECT max(ingest_date) FROM silver.ingest_batches").fetchone()
    try:
        as_of = _resolve_as_of(present, latest, as_of, "")
    except LakehouseError:
        return []
    con.execute("CREATE SCHEMA IF NOT EXISTS gold")
    created = []
    for model in gold_models():
        if model.kind == "view":
            con.execute(
                f"CREATE OR REPLACE VIEW {model.name} AS {render(model, model_params(as_of))}"
            )
            created.append(model.name)
    return created


def materialize(settings: Settings, as_of: dt.date | None = None) -> MaterializeResult:
    """Rebuild every gold table from silver as of the ingest date `as_of` (default: latest).

    Gold as of D reads the sessions ingested up to D; running it again for the same D on the
    same silver writes the same tables.
    """
    with DuckDBEngine(settings) as engine:
        present = engine.tables()
        latest = None
        if "silver.ingest_batches" in present:
            ((latest,),) = engine.query("SELECT max(ingest_date) FROM silver.ingest_batches")
        as_of = _resolve_as_of(present, latest, as_of, settings.lake)
        as_of_ts, generated_at = batch_times(as_of)
        params = model_params(as_of)
        stored: list[str] = []
        seconds: dict[str, float] = {}
        counts: dict[str, int] = {}
        with engine.transaction("materialize", f"materialize gold as of {as_of}") as record:
            ((sessions,),) = engine.query("SELECT count(*) FROM silver.fct_sessions")
            # a small silver is gold's work for one thread: two hand tiny chunks back and forth
            threads = 1 if sessions <= SMALL_SILVER_ROWS else int(settings.duckdb.threads)
            engine.con.execute(f"SET threads = {threads}")
            for table in SILVER_INPUTS:  # gold reads these many times and never writes them
                if table != "silver.fct_sessions":  # read once, by int_priced_sessions
                    engine.cache(table)
            for model in gold_models():
                started = time.perf_counter()
                if model.kind not in ("full", "view"):
                    raise LakehouseError(
                        f"{model.path}: gold builds only @kind full or view models"
                    )
                engine.materialize(model, params)
                seconds[model.name] = time.perf_counter() - started
                if model.kind != "view":
                    stored.append(model.name)
                    ((rows,),) = engine.query(f"SELECT count(*) FROM {engine.stage_name(model)}")
                    counts[model.name] = int(rows)
            ((revenue, pay),) = engine.query(
                "SELECT coalesce(sum(revenue), 0), coalesce(sum(contractor_pay), 0) "
                "FROM gold.monthly_revenue"
            )
            assert latest is not None  # _resolve_as_of refused a silver without batches
            record.info.update(batch=latest.isoformat(), as_of=as_of.isoformat(), rows=counts)
    return MaterializeResult(
        as_of=as_of,
        as_of_ts=as_of_ts,
        generated_at=generated_at,
        row_counts=counts,
        total_revenue=Decimal(revenue).quantize(Decimal("0.01")),
        total_contractor_pay=Decimal(pay).quantize(Decimal("0.01")),
        seconds=seconds,
    )
