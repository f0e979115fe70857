"""Which models run on Athena, in what order, with which example parameters, and the column
types of the tables they store (for the Iceberg DDL).

Silver tables have their contract's types (`lakehouse.models.contracts.CONTRACTS`). Gold types
are whatever the gold SELECTs produce: each gold model is run by DuckDB with `LIMIT 0` over empty
silver tables of the contract's shape, which gives the exact output types without any data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lakehouse.models import Model, load_models, render

ATHENA_LAYERS = ("silver", "gold")
"""Layers whose models run on Athena. Bronze is external CSV tables (see `ddl`); the report
queries run where the report is rendered."""

EXAMPLE_INGEST_DATE = dt.date(2026, 1, 15)
"""The batch the rendered SQL is bound to in `lakehouse deploy render` and the golden files."""


def runs_on_athena(model: Model) -> bool:
    """A silver/gold model not pinned to another engine with an `@engine` header."""
    return model.layer in ATHENA_LAYERS and model.extra.get("engine", "athena") == "athena"


def athena_models() -> list[Model]:
    """The models Athena runs, in the order the stages run them: the ingest's steps, then the
    gold models (each after the gold models it reads)."""
    from lakehouse.gold.materialize import gold_models
    from lakehouse.silver.ingest import ingest_models

    models = ingest_models() + gold_models()
    return [m for m in models if runs_on_athena(m)]


def example_params(day: dt.date = EXAMPLE_INGEST_DATE) -> dict[str, Any]:
    """Parameters the stages bind for the batch `day`: the silver ingest's and gold's."""
    from lakehouse.gold.materialize import model_params

    return {**ingest_params(day), **model_params(day)}


def ingest_params(day: dt.date) -> dict[str, Any]:
    """What `lakehouse.silver.ingest.silver_params` binds for a daily batch landed at `day`
    (batch id `sim_<day>`, one daily CSV file per entity), without reading the batch."""
    from lakehouse.bronze.files import DAILY_FILES, partition_prefix
    from lakehouse.silver.ingest import silver_params

    files = {e: [f"{partition_prefix(e, day)}/{stem}.csv"] for e, stem in DAILY_FILES.items()}
    return silver_params(day, f"sim_{day.isoformat()}", files)


def stored_schemas(params: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """`layer.table` -> [(column, DuckDB type)] of every table Athena stores, in model order."""
    import duckdb

    from lakehouse.models.contracts import SILVER_SCHEMAS, create_empty

    schemas = {name: list(columns.items()) for name, columns in SILVER_SCHEMAS.items()}
    con = duckdb.connect()
    try:
        for schema in ("bronze", "silver", "gold"):
            con.execute(f"CREATE SCHEMA {schema}")
        for name in SILVER_SCHEMAS:
            create_empty(con, name, name)
        for model in athena_models():
            if model.layer != "gold":
                continue
            sql = render(model, params)
            if model.kind == "view":
                con.execute(f"CREATE VIEW {model.name} AS {sql}")
                continue
            con.execute(f"CREATE TABLE {model.name} AS SELECT * FROM ({sql}) LIMIT 0")
            rows = con.execute(f"DESCRIBE {model.name}").fetchall()
            schemas[model.name] = [(str(r[0]), str(r[1])) for r in rows]
    finally:
        con.close()
    return schemas


def partition_column(table: str) -> str | None:
    """The `@partitioned_by` of the model that writes `table`, if any."""
    model = load_models().get(table)
    return model.partitioned_by if model else None
