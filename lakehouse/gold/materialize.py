"""Materialize stage: build the gold tables from silver (docs/gold.md).

A daily build is incremental: it recomputes only the gold rows the batches since the last
build can change, and leaves the others as they are. `gold.int_priced_sessions` (every session,
priced) is stored, so the build reprices the sessions of the students the batches touched
(`sql/scope/student_id.sql`), compares them with what gold held, and from the sessions that
changed derives the months, contractors and batches in scope (`sql/scope/*.sql`). Each gold
model declares its `@scope` columns and reads the scope tables behind `:full_build OR ...`;
the statement builder then replaces only the rows inside the scope. The result equals a full
rebuild row for row (tests/gold/test_incremental.py), except for the two build stamps, which
say which build last wrote a row.

A full rebuild runs when asked (`materialize --full`), on the first build, and whenever the
change set cannot be trusted: the previous build is not the last writer of gold (a rollback,
a rebuild), a batch was ingested again, gold is built as of an older batch, the gold SQL or
the fixed inputs (subjects, statuses) changed. All gold tables are written in one DuckLake
transaction, so a reader sees every gold table from the same build, and a failure leaves the
previous gold.

Builds are reproducible: the times written into gold come from the batch date, never from the
wall clock. For the batch `as_of` (an ingest date; business day `as_of - 1`):

- `as_of_ts` = `as_of` 00:00:00, the end of the business day the batch holds;
- `generated_at` = `as_of` 02:00:00 (silver stamps its rows at 01:00 the same day).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.errors import LakehouseError
from lakehouse.lake.catalog import Snapshot, registered_views, snapshots
from lakehouse.lake.connection import scalar
from lakehouse.models import Model, get_model, load_models, render, scope_table
from lakehouse.models.dependencies import layer_models
from lakehouse.models.statements import diff_tables

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
PRICED = "gold.int_priced_sessions"
SPINE_MODELS = ("gold.subject_demand", "gold.contractor_utilization")
"""Gold tables with a calendar spine (every month from the first to the last with sessions)."""
SCOPE_COLUMNS = {
    "student_id": "BIGINT",
    "tutor_id": "BIGINT",
    "month_start": "DATE",
    "ingest_date": "DATE",
}
"""The scope tables an incremental build fills (`gold_scope_<column>`), and their types."""
STAGES_KEEPING_GOLD = ("ingest", "")
"""Snapshots after a build that leave gold as the build wrote it: ingests, and maintenance
(merging files, expiring snapshots: its commits carry no stage)."""
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
    mode: str = "full"
    """`incremental` (only the rows in scope were rebuilt) or `full`."""
    reason: str = ""
    """Why the build was full (empty for an incremental one)."""
    changed: tuple[str, ...] = ()
    """Gold tables whose rows this build changed."""
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
            "mode": self.mode,
            "reason": self.reason,
            "changed": list(self.changed),
        }


def batch_times(as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """(as_of_ts, generated_at) of the batch `as_of`: derived from the date only."""
    return dt.datetime.combine(as_of, dt.time()), dt.datetime.combine(as_of, GENERATED_AT_TIME)


def gold_models() -> list[Model]:
    """The gold models, each after the gold models it reads."""
    return layer_models("gold")


def _check_silver(present: set[str], lake: str) -> None:
    missing = [t for t in SILVER_INPUTS if t not in present]
    if missing:
        raise LakehouseError(
            f"silver table(s) {', '.join(missing)} not found in the lake {lake}: "
            "run `lakehouse ingest` first"
        )


def _resolve_as_of(latest: dt.date | None, as_of: dt.date | None) -> dt.date:
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


def model_params(as_of: dt.date, *, full_build: bool = True) -> dict[str, Any]:
    """The parameters every gold model is rendered with for the batch `as_of`."""
    as_of_ts, generated_at = batch_times(as_of)
    return {
        "as_of_date": as_of,
        "as_of_ts": as_of_ts,
        "generated_at": generated_at,
        "full_build": full_build,
    }


def models_fingerprint() -> str:
    """A hash of the SQL an incremental build depends on: gold models and scope queries."""
    texts = [m.sql for name, m in sorted(load_models().items()) if m.layer in ("gold", "scope")]
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BuildPlan:
    """Full or incremental, and for an incremental build the gold it updates."""

    full: bool
    reason: str = ""
    since: dt.date | None = None
    """The as-of batch of the gold being updated (incremental builds)."""
    priced_rows: int = 0
    """Rows of gold.int_priced_sessions after the last build (incremental builds)."""


def plan_build(
    history: list[Snapshot],
    as_of: dt.date,
    latest: dt.date,
    fixed_inputs: str,
    *,
    full: bool,
    priced_stored: bool,
    incremental_from: int = 0,
) -> BuildPlan:
    """Whether the batches since the last build can be applied to gold incrementally."""
    if full:
        return BuildPlan(True, "asked for (--full)")
    builds = [i for i, s in enumerate(history) if s.stage == "materialize"]
    if not builds:
        return BuildPlan(True, "no earlier build of gold")
    if not priced_stored:
        return BuildPlan(True, f"{PRICED} is not stored yet (a lake built by an older version)")
    last = history[builds[-1]]
    info = last.extra
    since = dt.date.fromisoformat(info["as_of"]) if info.get("as_of") else None
    after = history[builds[-1] + 1 :]
    if since is None or info.get("models") is None:
        return BuildPlan(True, "the last build recorded no change set")
    if as_of != latest:
        return BuildPlan(True, f"built as of {as_of}, an older batch than silver's {latest}")
    if since > as_of:
        return BuildPlan(True, f"gold was built as of a later batch ({since})")
    other = [s.stage for s in after if s.stage not in STAGES_KEEPING_GOLD]
    if other:
        return BuildPlan(True, f"the lake changed since the last build ({other[-1]})")
    again = [s.batch for s in after if s.stage == "ingest" and s.batch and s.batch <= since]
    if again:
        return BuildPlan(True, f"batch {again[0]} was ingested again since the last build")
    if info["models"] != models_fingerprint():
        return BuildPlan(True, "the gold SQL changed since the last build")
    if info.get("fixed_inputs") != fixed_inputs:
        return BuildPlan(True, "subjects or session statuses changed since the last build")
    priced_rows = int(last.rows.get(PRICED, 0))
    if priced_rows < incremental_from:
        return BuildPlan(
            True,
            f"a small gold ({priced_rows:,} sessions, below gold.incremental_from_sessions = "
            f"{incremental_from:,}) is rebuilt whole",
        )
    return BuildPlan(False, since=since, priced_rows=priced_rows)


def register_gold_views(con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> list[str]:
    """Create the ephemeral gold models (`@kind view`) as views in a read session
    (`catalog.open_catalog`), so ad-hoc queries can read e.g. gold.int_priced_sessions.
    Returns the views created (none when silver is missing)."""
    present = registered_views(con)
    latest = None
    if "silver.ingest_batches" in present:
        latest = scalar(con, "SELECT max(ingest_date) FROM silver.ingest_batches")
    try:
        _check_silver(present, "")
        as_of = _resolve_as_of(latest, as_of)
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


def materialize(
    settings: Settings, as_of: dt.date | None = None, *, full: bool = False
) -> MaterializeResult:
    """Bring gold up to date with silver as of the ingest date `as_of` (default: latest):
    incrementally when the last build can be updated (see the module docstring), else (or
    with `full`) by rebuilding every gold table.

    Gold as of D reads the sessions ingested up to D; running it again for the same D on the
    same silver changes nothing.
    """
    # Everything, the checks included, reads one snapshot in one transaction: each DuckLake
    # transaction begins with a read of the catalog (a dozen milliseconds on a small lake).
    with DuckDBEngine(settings) as engine, engine.transaction("materialize", "") as record:
        present = engine.tables()
        _check_silver(present, settings.lake)
        for table in SILVER_INPUTS:  # gold reads these many times and never writes them
            if table != "silver.fct_sessions":  # read by int_priced_sessions only
                engine.cache(table)
        ((latest,),) = engine.query("SELECT max(ingest_date) FROM silver.ingest_batches")
        as_of = _resolve_as_of(latest, as_of)
        as_of_ts, generated_at = batch_times(as_of)
        record.message = f"materialize gold as of {as_of}"
        ((fixed_inputs,),) = _run(engine, "scope.fixed_inputs", {})
        plan = plan_build(
            snapshots(engine.con, since_stage="materialize"),
            as_of,
            latest,
            fixed_inputs,
            full=full,
            priced_stored=PRICED in present,
            incremental_from=settings.gold.incremental_from_sessions,
        )
        sessions = plan.priced_rows
        if plan.full:
            ((sessions,),) = engine.query("SELECT count(*) FROM silver.fct_sessions")
        # a small silver, or an incremental build's work, is one thread's: two would hand
        # tiny chunks back and forth
        small = sessions <= SMALL_SILVER_ROWS
        threads = 1 if small or not plan.full else int(settings.duckdb.threads)
        engine.con.execute(f"SET threads = {threads}")
        large = sessions >= settings.gold.incremental_from_sessions
        built = _build(engine, plan, as_of, cache_priced=small, partitioned=large)
        # a full build's stage holds the whole table: count it there, not in the lake
        where = {n: engine.stage_name(get_model(n)) if plan.full else n for n in built.models}
        counts = {n: int(engine.query(f"SELECT count(*) FROM {t}")[0][0]) for n, t in where.items()}
        ((revenue, pay),) = engine.query(engine.render(get_model("results.gold_totals")))
        record.info.update(
            batch=latest.isoformat(),
            as_of=as_of.isoformat(),
            rows=counts,
            mode="full" if plan.full else "incremental",
            changed=list(built.changed),
            models=models_fingerprint(),
            fixed_inputs=fixed_inputs,
        )
    return MaterializeResult(
        as_of=as_of,
        as_of_ts=as_of_ts,
        generated_at=generated_at,
        row_counts=counts,
        total_revenue=Decimal(revenue).quantize(Decimal("0.01")),
        total_contractor_pay=Decimal(pay).quantize(Decimal("0.01")),
        mode="full" if plan.full else "incremental",
        reason=plan.reason,
        changed=built.changed,
        seconds=built.seconds,
    )


@dataclass
class _Built:
    models: list[str] = field(default_factory=list)
    """Every stored gold table, in build order."""
    changed: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)


def _run(engine: DuckDBEngine, name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run the query `sql/<name>.sql` (a scope query) and return its rows."""
    return engine.con.execute(engine.render(get_model(name), params)).fetchall()


def _fill(engine: DuckDBEngine, column: str, params: dict[str, Any]) -> int:
    """Fill `gold_scope_<column>` from `sql/scope/<column>.sql`; returns how many values."""
    sql = engine.render(get_model(f"scope.{column}"), params)
    table = scope_table(column)
    engine.con.execute(f"INSERT INTO {table} SELECT DISTINCT * FROM ({sql}) WHERE {column} NOTNULL")
    return int(scalar(engine.con, f"SELECT count(*) FROM {table}"))


def _changed_rows(engine: DuckDBEngine, model: Model) -> int:
    """Rows an incremental build of `model` changed or removed (the builder's diff)."""
    changed, removed = diff_tables(engine.stage_name(model))
    ((rows,),) = engine.con.execute(
        f"SELECT (SELECT count(*) FROM {changed}) + (SELECT count(*) FROM {removed})"
    ).fetchall()
    return int(rows)


def _reprice(
    engine: DuckDBEngine, model: Model, params: dict[str, Any], priced: str, any_student: bool
) -> bool:
    """Reprice the sessions of the students in scope, and keep the priced rows that changed
    (old and new versions) in `gold_changed_sessions` for the other scopes. `priced` is the
    lake table, or the session's copy of it (kept equal). Returns whether the calendar spine
    moved (see `sql/scope/spine.sql`)."""
    if not any_student:
        engine.con.execute(
            f"CREATE OR REPLACE TEMP TABLE gold_changed_sessions AS SELECT * FROM {priced} LIMIT 0"
        )
        return False
    spine = _run(engine, "scope.spine", {})
    engine.materialize(model, params)
    stage = engine.stage_name(model)
    engine.con.execute(  # the builder's diff of the stage against the table (statements.py)
        "CREATE OR REPLACE TEMP TABLE gold_changed_sessions AS "
        "SELECT * FROM {} UNION ALL SELECT * FROM {}".format(*diff_tables(stage))
    )
    in_scope = f"student_id IN (SELECT student_id FROM {scope_table('student_id')})"
    if priced != engine.relation(model):  # keep the session's copy equal to the table
        engine.con.execute(f"DELETE FROM {priced} WHERE {in_scope}")
        engine.con.execute(f"INSERT INTO {priced} SELECT * FROM {stage}")
    return _run(engine, "scope.spine", {}) != spine


def laid_out(model: Model, partitioned: bool) -> Model:
    """The model as this build writes it: a gold table is partitioned by its `@partitioned_by`
    only once gold is large (`partitioned`), that is from the size on which builds are
    incremental and rewrite just the partitions they touch. A smaller gold is rebuilt whole
    every time, and then one file per table is faster to write and to read than one per
    month. A table stays partitioned once it is (DuckLake 1.5.5 fails writing a table whose
    partitioning was reset in the same transaction)."""
    return model if partitioned or not model.partitioned_by else replace(model, partitioned_by=None)


def _build(
    engine: DuckDBEngine, plan: BuildPlan, as_of: dt.date, *, cache_priced: bool, partitioned: bool
) -> _Built:
    """Run every gold model, each over its scope in an incremental build. A table a model
    rebuilt whole is read from its stage by the models after it; with `cache_priced`, an
    incremental build's models read gold.int_priced_sessions from a copy in the session (kept
    equal as it is repriced); with `partitioned`, the tables are written partitioned
    (`laid_out`)."""
    for column, dtype in SCOPE_COLUMNS.items():  # models read them even in a full build
        engine.con.execute(f"CREATE OR REPLACE TEMP TABLE {scope_table(column)} ({column} {dtype})")
    params = model_params(as_of, full_build=plan.full)
    sizes: dict[str, int] = {}
    spine_moved = False
    since = plan.since or as_of
    scope_params = {**params, "since": since, "since_ts": batch_times(since)[0]}
    priced = engine.relation(get_model(PRICED))
    if not plan.full:
        if cache_priced:
            priced = engine.cache(PRICED)
        sizes["tutor_id"] = _fill(engine, "tutor_id", scope_params)
        sizes["student_id"] = _fill(engine, "student_id", scope_params)
    built = _Built()
    changed: list[str] = []
    for declared in gold_models():
        if declared.kind != "full":
            raise LakehouseError(f"{declared.path}: gold builds only @kind full models")
        model = laid_out(declared, partitioned)
        built.models.append(model.name)
        started = time.perf_counter()
        model_full = plan.full or (spine_moved and model.name in SPINE_MODELS)
        repriced = model.name == PRICED and not model_full
        if (
            not (model_full or repriced)
            and model.scope
            and not any(sizes.get(c) for c in model.scope)
        ):
            continue  # nothing in its scope: the table stays as it is (a model without a
            # @scope is recomputed whole, and written only where its rows changed)
        engine.partition(model)
        if repriced:
            spine_moved = _reprice(engine, model, params, priced, sizes["student_id"] > 0)
            sizes["month_start"] = _fill(engine, "month_start", scope_params)
            sizes["ingest_date"] = _fill(engine, "ingest_date", scope_params)
            wrote = sizes["student_id"] > 0 and _changed_rows(engine, model) > 0
        else:
            engine.materialize(model, params if not model_full else {**params, "full_build": True})
            if model_full:  # the stage holds the table's rows: the models after read it there
                engine.read_from(model.name, engine.stage_name(model))
            wrote = model_full or _changed_rows(engine, model) > 0
        if wrote:
            changed.append(model.name)
        built.seconds[model.name] = time.perf_counter() - started
    built.changed = tuple(changed)
    return built
