"""What a model reads is inferred from its SQL, and a layer runs in the order those reads give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.models import ModelError, load_models, parse_model
from lakehouse.models.dependencies import MODEL_LAYERS, depends_on, run_order, tables_read
from lakehouse.silver.ingest import ingest_models


def models(root: Path, files: dict[str, str]) -> list:
    for name, text in files.items():
        path = root / f"{name.replace('.', '/')}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [parse_model(root / f"{name.replace('.', '/')}.sql", root) for name in files]


@pytest.mark.parametrize(
    "name", sorted(n for n, m in load_models().items() if m.layer in MODEL_LAYERS)
)
def test_the_tables_read_are_those_a_parse_of_the_sql_finds(name: str) -> None:
    model = load_models()[name]
    tree = sqlglot.parse_one(model.sql, read="duckdb")
    parsed = {
        f"{t.db}.{t.name}".lower()
        for t in tree.find_all(exp.Table)
        if t.db.lower() in MODEL_LAYERS and not t.catalog
    }
    assert tables_read(model.sql) == parsed


def test_names_in_strings_comments_and_longer_dotted_names_are_not_reads() -> None:
    sql = (
        "-- reads silver.in_a_comment\n"
        "SELECT 'silver.in_a_string' AS s, x.y FROM silver.a JOIN lake.silver.b ON TRUE "
        "JOIN gold.c USING (id) WHERE id IN (SELECT id FROM silver.d)"
    )
    assert tables_read(sql) == {"silver.a", "gold.c", "silver.d"}


def test_depends_on_leaves_out_the_own_table_and_the_previous_reads(tmp_path: Path) -> None:
    (model,) = models(
        tmp_path,
        {
            "silver.stg": "-- @reads_previous silver.fct\n"
            "SELECT * FROM silver.fct, silver.dim, silver.stg, bronze.raw"
        },
    )
    assert depends_on(model) == ("silver.dim",)


def test_a_written_depends_on_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="@depends_on is inferred from the SQL"):
        models(tmp_path, {"silver.a": "-- @depends_on silver.b\nSELECT * FROM silver.b"})


def test_a_previous_read_the_sql_does_not_make_is_an_error(tmp_path: Path) -> None:
    (model,) = models(tmp_path, {"silver.a": "-- @reads_previous silver.b\nSELECT 1 AS x"})
    with pytest.raises(
        ModelError, match=re.escape("@reads_previous names silver.b, which the SQL does")
    ):
        depends_on(model)


def test_an_undeclared_previous_read_is_a_cycle_not_a_guess(tmp_path: Path) -> None:
    undeclared = models(
        tmp_path / "undeclared",
        {"silver.stg": "SELECT * FROM silver.fct", "silver.fct": "SELECT * FROM silver.stg"},
    )
    with pytest.raises(ModelError, match=re.escape("silver.fct -> silver.stg -> silver.fct")):
        run_order(undeclared)
    declared = models(
        tmp_path / "declared",
        {
            "silver.stg": "-- @reads_previous silver.fct\nSELECT * FROM silver.fct",
            "silver.fct": "SELECT * FROM silver.stg, silver.fct",
        },
    )
    assert [m.name for m in run_order(declared)] == ["silver.stg", "silver.fct"]


def test_a_previous_read_runs_the_reader_first(tmp_path: Path) -> None:
    """Nothing else orders them, and by name `a` would run first."""
    ordered = run_order(
        models(
            tmp_path,
            {
                "silver.a": "SELECT 1 AS x",
                "silver.b": "-- @reads_previous silver.a\nSELECT * FROM silver.a",
            },
        )
    )
    assert [m.name for m in ordered] == ["silver.b", "silver.a"]


def test_a_read_of_a_table_no_model_writes_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=re.escape("reads silver.missing, which no model writes")):
        run_order(models(tmp_path, {"silver.a": "SELECT * FROM silver.missing, gold.other"}))


def test_the_ingest_runs_each_model_where_its_reads_need_it() -> None:
    order = [m.name for m in ingest_models()]
    assert sorted(order) == sorted(n for n, m in load_models().items() if m.layer == "silver")

    def before(first: str, then: str) -> bool:
        return order.index(f"silver.{first}") < order.index(f"silver.{then}")

    # staging reads the dimension / fact as it was before the batch, then the model writes it
    for stg, table in [
        ("stg_students", "dim_students"),
        ("stg_tutors", "dim_tutors"),
        ("stg_sessions", "fct_sessions"),
        ("stg_session_keys", "fct_sessions"),
        ("stg_feedback", "fct_feedback"),
        ("stg_test_scores", "fct_test_scores"),
    ]:
        assert before(stg, table)
    # these read the batch's own rows of another table
    assert before("dim_students", "stg_session_keys") and before("dim_tutors", "stg_session_keys")
    assert before("fct_sessions", "stg_feedback")
    assert before("dim_students", "stg_test_scores")
