"""Model files: headers parse, parameters bind through sqlglot, rendering leaves the cache intact."""

import datetime as dt
from pathlib import Path

import pytest

from lakehouse.models import ModelError, load_models, parse_model, render


def write_model(root: Path, text: str) -> Path:
    path = root / "gold" / "example.sql"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_header_is_parsed(tmp_path: Path) -> None:
    path = write_model(
        tmp_path,
        "-- example: one row per id.\n-- @kind incremental_by_unique_key\n-- @unique_key id\n"
        "-- @partitioned_by month\n-- @reads_previous silver.a, silver.b\n\nSELECT 1 AS id\n",
    )
    model = parse_model(path, tmp_path)
    assert model.name == "gold.example"
    assert model.kind == "incremental_by_unique_key"
    assert model.unique_key == ("id",)
    assert model.partitioned_by == "month"
    assert model.reads_previous == ("silver.a", "silver.b")
    assert model.description == "example: one row per id."


def test_unknown_kind_is_rejected(tmp_path: Path) -> None:
    path = write_model(tmp_path, "-- @kind snapshot\nSELECT 1\n")
    with pytest.raises(ModelError, match="unknown @kind 'snapshot'"):
        parse_model(path, tmp_path)


def test_render_binds_typed_literals_and_keeps_the_cached_tree(tmp_path: Path) -> None:
    path = write_model(tmp_path, "SELECT * FROM silver.t WHERE d = :day AND ts < :ts AND n = :n\n")
    model = parse_model(path, tmp_path)
    params = {"day": dt.date(2026, 1, 2), "ts": dt.datetime(2026, 1, 2, 1), "n": 3}
    first = render(model, params)
    assert "CAST('2026-01-02' AS DATE)" in first
    assert "CAST('2026-01-02 01:00:00' AS TIMESTAMP)" in first
    # Rendering again with other values must not see the first call's literals.
    second = render(model, {**params, "n": 4})
    assert "n = 4" in second and "n = 3" not in second
    with pytest.raises(ModelError, match="no value for parameter"):
        render(model, {"day": dt.date(2026, 1, 2)})


def test_every_shipped_model_parses() -> None:
    models = load_models()
    assert {"silver.fct_sessions", "gold.monthly_revenue"} <= set(models)


def test_the_shipped_models_are_parsed_once_per_process() -> None:
    """`load_models()` and `get_model()` (which passes the folder) share one parse: it costs
    most of a CLI process's start-up."""
    from lakehouse.models import SQL_DIR, get_model

    models = load_models()
    assert load_models(SQL_DIR) is models
    assert get_model("gold.monthly_revenue") is models["gold.monthly_revenue"]
