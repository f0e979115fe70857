"""The silver contracts: a model result is checked against its table's contract, column for
column, and a table not written yet is an empty table of the contract's shape."""

from __future__ import annotations

import duckdb
import pytest

from lakehouse.errors import EngineError
from lakehouse.models.contracts import (
    CONTRACTS,
    SILVER_SCHEMAS,
    check_schema,
    create_empty,
    relation_schema,
)

TABLE = "silver.dim_subjects"  # subject_id INTEGER, subject_name VARCHAR, is_test_prep BOOLEAN


@pytest.fixture
def con():
    with duckdb.connect() as con:
        yield con


def test_every_contract_is_a_silver_table_with_distinct_typed_columns():
    assert list(SILVER_SCHEMAS) == [c.table for c in CONTRACTS]
    for contract in CONTRACTS:
        assert contract.table.startswith("silver.") and contract.doc, contract.table
        names = [c.name for c in contract.columns]
        assert len(names) == len(set(names)), contract.table
        assert all(c.type for c in contract.columns), contract.table


def test_an_empty_table_has_the_contract_shape_and_passes_the_check(con):
    create_empty(con, "silver.fct_sessions", "empty_sessions")
    assert relation_schema(con, "empty_sessions") == SILVER_SCHEMAS["silver.fct_sessions"]
    check_schema(con, "silver.fct_sessions", "empty_sessions")


@pytest.mark.parametrize(
    ("select", "problem"),
    [
        ("1::INTEGER AS subject_id, 'x' AS subject_name", "missing is_test_prep"),
        (
            "1::INTEGER AS subject_id, 'x' AS subject_name, TRUE AS is_test_prep, 1 AS extra",
            "unexpected extra",
        ),
        (
            "1::BIGINT AS subject_id, 'x' AS subject_name, TRUE AS is_test_prep",
            "subject_id is BIGINT, contract says INTEGER",
        ),
        (
            "'x' AS subject_name, 1::INTEGER AS subject_id, TRUE AS is_test_prep",
            "column order differs from the contract",
        ),
    ],
    ids=["missing", "extra", "type", "order"],
)
def test_a_result_that_drifts_from_the_contract_is_refused_with_what_differs(con, select, problem):
    con.execute(f"CREATE TABLE result AS SELECT {select}")
    with pytest.raises(EngineError, match=f"model for {TABLE} does not match its contract") as e:
        check_schema(con, TABLE, "result")
    assert problem in str(e.value)
