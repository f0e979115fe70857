"""Transpilation keeps each model's meaning: the model is written for Athena with sqlglot, the
Athena text is read back into DuckDB, and both the original and the round-tripped SQL run on
DuckDB over the same lake, in the very state the stage evaluates that model in. Same rows.

The lake is the original project's replay data (history plus daily batches with corruption,
duplicates and dimension deltas), ingested by the real stage. Silver models are compared step
by step while one more batch is ingested (each step sees the tables as the ingest leaves them
for it); gold models while the gold run is replayed."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse.config import load_settings
from lakehouse.models import render
from lakehouse.models.transpile import to_athena, to_duckdb

SEED = Path(__file__).resolve().parents[2] / "data" / "seed-data" / "replay" / "raw"
DAYS = [dt.date(2025, 12, 31), dt.date(2026, 1, 1)]
COMPARED_DAY = dt.date(2026, 1, 2)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    if not SEED.is_dir():
        pytest.skip(f"seed data not found at {SEED}")
    from lakehouse.silver.ingest import ingest_batch

    root = tmp_path_factory.mktemp("roundtrip") / "lake"
    for entity in ("sessions", "students", "tutors"):
        for day in [*DAYS, COMPARED_DAY]:
            folder = SEED / entity / f"ingest_date={day}"
            if folder.is_dir():
                shutil.copytree(folder, root / "raw" / entity / f"ingest_date={day}")
    settings = load_settings(environ={}, overrides={"lake": str(root)})
    for day in DAYS:
        ingest_batch(settings, day)
    return settings


def _normal(value):
    return float(value) if isinstance(value, Decimal) else value


def _rows(con, sql):
    rows = [tuple(_normal(v) for v in row) for row in con.execute(sql).fetchall()]
    return sorted(rows, key=lambda r: tuple((v is None, repr(v)) for v in r))


def assert_same_results(con, model, params, athena_settings, names=lambda sql: sql):
    """`names` maps the layer names to the session's relations (the DuckDB engine's rewrite)."""
    original = names(render(model, params))
    athena = to_athena(model, params, athena_settings.athena)
    back = names(to_duckdb(athena, athena_settings.athena))
    expected = _rows(con, original)
    actual = _rows(con, back)
    assert actual == expected, f"{model.name}: round trip through Athena SQL changed the rows"
    return len(expected)


def test_silver_models_mean_the_same_after_the_athena_round_trip(lake, athena_settings):
    from lakehouse.bronze.load import load_batch
    from lakehouse.engines.duckdb import DuckDBEngine
    from lakehouse.lake.storage import open_storage
    from lakehouse.silver.ingest import batch_params, create_silver_tables, ingest_models

    compared = {}
    with DuckDBEngine(lake) as engine:
        con = engine.con
        con.execute("SET preserve_insertion_order = true")
        batch = load_batch(con, open_storage(lake), COMPARED_DAY)
        params = batch_params(batch)
        con.execute("BEGIN TRANSACTION")  # rolled back: the lake stays as the fixture made it
        create_silver_tables(engine)
        for model in ingest_models():
            compared[model.name] = assert_same_results(
                con, model, params, athena_settings, names=lambda sql: engine.sql(sql)[0]
            )
            engine.materialize(model, params)  # advance the session exactly as the ingest does
        con.execute("ROLLBACK")
    assert set(compared) == {m.name for m in ingest_models()}
    # the comparison ran on real rows, not on empty relations
    for name in ("silver.stg_sessions", "silver.fct_sessions", "silver.err_sessions"):
        assert compared[name] > 0, name


def test_gold_models_mean_the_same_after_the_athena_round_trip(lake, athena_settings):
    from lakehouse.gold.materialize import gold_models, model_params
    from lakehouse.lake.catalog import open_catalog

    con = open_catalog(lake)
    params = model_params(DAYS[-1])
    compared = {}
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS gold")
        for model in gold_models():
            compared[model.name] = assert_same_results(con, model, params, athena_settings)
            sql = render(model, params)
            con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {sql}")
    finally:
        con.close()
    # the original's data has no client feedback or test scores: those tables are empty
    for empty in ("gold.tutor_ratings", "gold.student_score_improvement"):
        assert compared.pop(empty) == 0, empty
    assert compared.pop("gold.tutor_score_improvement") == 0
    assert all(n > 0 for n in compared.values()), compared
    assert "gold.monthly_revenue" in compared and "gold.int_priced_sessions" in compared
