"""The gold model files: headers, dependency order, and SQL that transpiles to Athena."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from lakehouse.gold.materialize import gold_models, model_params
from lakehouse.models import load_models, render
from lakehouse.models.dependencies import depends_on
from lakehouse.models.transpile import check_portable

GOLD_MODELS = sorted(name for name, m in load_models().items() if m.layer == "gold")
DUCKDB_ONLY = ("QUALIFY", "EXCLUDE", "STRFTIME", "GENERATE_SERIES", "LIST_", "STRUCT_PACK", "::")


def test_gold_models_and_their_order():
    ordered = [m.name for m in gold_models()]
    assert ordered[0] == "gold.int_priced_sessions"  # every table reads the priced sessions
    assert (
        sorted(ordered)
        == GOLD_MODELS
        == [
            "gold.active_students",
            "gold.contractor_utilization",
            "gold.data_quality_daily",
            "gold.int_priced_sessions",
            "gold.monthly_revenue",
            "gold.student_score_improvement",
            "gold.subject_demand",
            "gold.tutor_ratings",
            "gold.tutor_score_improvement",
        ]
    )
    for model in gold_models():
        assert model.kind in ("full", "view")
        assert model.description, f"{model.name} has no description comment"
        for dep in depends_on(model):
            assert dep.startswith(("silver.", "gold.")), dep


@pytest.mark.parametrize("name", GOLD_MODELS)
def test_model_transpiles_to_athena(name: str):
    sql = render(load_models()[name], model_params(dt.date(2026, 1, 2)))
    athena = sqlglot.transpile(
        sql, read="duckdb", write="athena", unsupported_level=ErrorLevel.RAISE
    )[0]
    code = sqlglot.parse_one(athena, read="athena").sql(dialect="athena", comments=False).upper()
    for token in DUCKDB_ONLY:
        assert token not in code, f"{name}: {token} is DuckDB-only"
    # parameters are bound to typed literals derived from the batch date
    assert ":AS_OF" not in code and ":GENERATED_AT" not in code
    assert "CAST('2026-01-02" in code


@pytest.mark.parametrize("name", GOLD_MODELS)
def test_model_passes_the_project_portability_check(name: str):
    check_portable(load_models()[name], model_params(dt.date(2026, 1, 2)))
