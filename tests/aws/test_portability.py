"""The portability check: each DuckDB-only construct planted in a model is rejected, naming the
model file and the construct; the portable spelling of the same thing passes and transpiles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlglot

from lakehouse.models.transpile import PortabilityError, check_portable, to_athena, to_duckdb

from .conftest import write_model

HEADER = "-- planted: a model that should not reach Athena\n-- @kind full\n"

PLANTED = [
    ("CREATE OR REPLACE TABLE silver.x AS SELECT 1 AS a", "DuckDB CREATE OR REPLACE statement"),
    ("SELECT * FROM read_csv('raw/sessions/*.csv')", "DuckDB table function"),
    ("SELECT * FROM 'raw/sessions/x.csv'", "file path used as a table"),
    ("SELECT session_id FROM fct_sessions", "unqualified table"),
    ("SELECT current_date - 30 AS d", "date arithmetic with an integer"),
    ("SELECT current_date AS d", "wall-clock time"),
    ("SELECT now() AS d", "function NOW"),
    ("SELECT CAST(:day AS DATE) - 1 AS d", "date arithmetic with an integer"),
    (
        "SELECT session_ts - session_ts AS d FROM silver.fct_sessions",
        "date minus date",
    ),
    (
        "SELECT string_agg(reason_code, ',') AS r FROM silver.err_sessions",
        "string_agg without ORDER BY",
    ),
    ("SELECT * EXCLUDE (dq_flags) FROM silver.fct_sessions", "DuckDB * EXCLUDE/REPLACE"),
    (
        "SELECT * REPLACE (1 AS status) FROM silver.fct_sessions",
        "DuckDB * EXCLUDE/REPLACE",
    ),
    ("SELECT [1, 2, 3] AS l", "DuckDB list/struct literal"),
    ("SELECT {'a': 1} AS s", "DuckDB list/struct literal"),
    (
        "SELECT * FROM silver.fct_sessions "
        "QUALIFY row_number() OVER (PARTITION BY student_id ORDER BY session_ts) = 1",
        "QUALIFY with SELECT *",
    ),
    (
        "SELECT DISTINCT ON (student_id) student_id, session_ts FROM silver.fct_sessions",
        "DISTINCT ON",
    ),
    (
        "SELECT student_id, count(*) AS n FROM silver.fct_sessions GROUP BY ALL",
        "GROUP BY ALL",
    ),
    (
        "SELECT try_strptime(stamp, '%Y-%m-%d %H:%M:%S') AS ts FROM bronze.sessions",
        "function TRY_STRPTIME",
    ),
    ("SELECT make_date(2026, 1, 1) AS d", "function MAKE_DATE (written DATE_FROM_PARTS"),
    ("SELECT hash(session_id) AS h FROM silver.fct_sessions", "function HASH"),
    ("SELECT CAST(session_id AS HUGEINT) AS h FROM silver.fct_sessions", "cast to INT128"),
    (
        "SELECT session_ts + INTERVAL (status) DAY AS t FROM silver.fct_sessions",
        "INTERVAL with a computed amount",
    ),
    (
        "SELECT a.session_id FROM silver.fct_sessions AS a "
        "ASOF JOIN silver.dim_students AS s ON a.session_ts >= s.effective_start_ts",
        "DuckDB ASOF JOIN",
    ),
    ("SELECT x FROM main.t", "unknown layer 'main'"),
]


@pytest.mark.parametrize(("sql", "construct"), PLANTED, ids=[c for _, c in PLANTED])
def test_planted_construct_is_rejected_naming_file_and_construct(tmp_path, sql, construct):
    model = write_model(tmp_path, "gold.planted", HEADER + sql + "\n")
    schema = {"silver": {"fct_sessions": {"session_ts": "TIMESTAMP", "status": "INTEGER"}}}
    with pytest.raises(PortabilityError) as info:
        check_portable(model, {"day": dt.date(2026, 1, 2)}, schema)
    message = str(info.value)
    assert message.startswith(f"{model.path}: not portable to Athena:")
    assert construct in message


PORTABLE = [
    "SELECT CAST(:day AS DATE) + INTERVAL 1 DAY AS d",
    "SELECT string_agg(reason_code, ',' ORDER BY reason_code) AS r FROM silver.err_sessions",
    "SELECT student_id FROM silver.fct_sessions "
    "QUALIFY row_number() OVER (PARTITION BY student_id ORDER BY session_ts) = 1",
    "SELECT TRY_CAST(stamp AS TIMESTAMP) AS ts, strftime(TRY_CAST(stamp AS TIMESTAMP), '%Y-%m') "
    "AS m FROM bronze.sessions",
    "SELECT date_diff('day', effective_start_ts, effective_end_ts) AS days FROM silver.dim_students",
    "WITH final AS (SELECT 1 AS a) SELECT a FROM final",
]


@pytest.mark.parametrize("sql", PORTABLE)
def test_portable_spelling_passes_and_parses_as_athena(tmp_path, sql, athena_settings):
    model = write_model(tmp_path, "gold.portable", HEADER + sql + "\n")
    athena = to_athena(model, {"day": dt.date(2026, 1, 2)}, athena_settings.athena)
    sqlglot.parse_one(athena, read="athena")
    assert not re.search(r"\b(silver|bronze)\.", athena)
    back = to_duckdb(athena, athena_settings.athena)
    assert "tutor_silver" not in back and "tutor_raw" not in back


def test_every_violation_is_listed_once_per_construct(tmp_path):
    model = write_model(
        tmp_path,
        "gold.many",
        HEADER + "SELECT [1] AS l, hash(1) AS h, * EXCLUDE (x) FROM read_csv('f.csv')\n",
    )
    with pytest.raises(PortabilityError) as info:
        check_portable(model)
    constructs = sorted(v.construct for v in info.value.violations)
    assert constructs == [
        "DuckDB * EXCLUDE/REPLACE",
        "DuckDB list/struct literal",
        "DuckDB table function",
        "function HASH",
    ]
