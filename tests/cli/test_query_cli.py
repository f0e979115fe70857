"""`lakehouse query`: totals, every row for csv and json, --limit 0, wide results, empty SQL,
SHOW TABLES and several statements, over the hand-built scenario lake."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from lakehouse.config import Settings
from lakehouse.gold.materialize import materialize
from tests.gold import scenario

SESSIONS = 44
"""Rows of silver.fct_sessions in the scenario."""


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from lakehouse.config import load_settings
    from lakehouse.lake.storage import init_lake

    settings = load_settings(
        environ={}, overrides={"lake": str(tmp_path_factory.mktemp("query") / "lake")}
    )
    init_lake(settings)
    scenario.build().write(settings)
    materialize(settings)
    return settings


def query(lake: Settings, *args: str, columns: int = 200):
    env = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": "", "COLUMNS": str(columns)}
    return CliRunner().invoke(app, ["--lake", lake.lake, "query", *args], env=env)


def test_table_output_says_how_many_rows_and_how_to_see_them_all(lake):
    out = query(lake, "SELECT session_id FROM silver.fct_sessions ORDER BY 1", "-n", "5")
    assert out.exit_code == 0, out.output
    assert f"{SESSIONS} rows, first 5 shown (--limit 0 prints all {SESSIONS})" in out.output
    every = query(lake, "SELECT session_id FROM silver.fct_sessions ORDER BY 1", "--limit", "0")
    assert every.exit_code == 0 and f"\n{SESSIONS} rows\n" in every.output
    assert "first" not in every.output


def test_csv_and_json_print_every_row_by_default(lake):
    sql = "SELECT session_id, session_ts FROM silver.fct_sessions ORDER BY 1"
    rows = list(csv.reader(io.StringIO(query(lake, sql, "-f", "csv").stdout)))
    assert len(rows) == SESSIONS + 1 and rows[0] == ["session_id", "session_ts"]
    records = json.loads(query(lake, sql, "-f", "json").stdout)
    assert len(records) == SESSIONS
    limited = query(lake, sql, "-f", "json", "-n", "3")
    assert len(json.loads(limited.stdout)) == 3
    assert f"{SESSIONS} rows, first 3 shown" in limited.stderr


def test_a_wide_result_prints_one_record_per_block(lake):
    out = query(lake, "FROM silver.fct_sessions ORDER BY session_id LIMIT 2", columns=120)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "-[ record 1 ]-"
    assert any(line.startswith("session_month") and "│ 2025-" in line for line in lines)
    assert all(len(line) <= 120 for line in lines)
    narrow = query(lake, "SELECT 1 AS a, 'x' AS b")
    assert "┃ a ┃ b ┃" in narrow.output
    forced = query(lake, "SELECT 1 AS a", "-f", "records")
    assert "-[ record 1 ]-" in forced.output


@pytest.mark.parametrize("sql", ["", "   ", "-- only a comment"])
def test_no_statement_is_a_usage_error(lake, sql):
    out = query(lake, "--", sql)
    assert out.exit_code == 2 and "no SQL statement given" in out.output


def test_show_tables_lists_silver_and_gold(lake):
    out = query(lake, "SHOW TABLES", "-f", "csv")
    assert out.exit_code == 0, out.output
    names = {row[0] for row in csv.reader(io.StringIO(out.stdout))}
    assert {"fct_sessions", "dim_students", "monthly_revenue", "int_priced_sessions"} <= names


def test_every_statement_runs_and_every_result_is_printed(lake):
    out = query(
        lake,
        "CREATE TEMP TABLE t AS SELECT 41 AS answer; SELECT answer + 1 AS next FROM t; "
        "SELECT count(*) AS sessions FROM silver.fct_sessions",
    )
    assert out.exit_code == 0, out.output
    assert "result 1 of 2" in out.output and "result 2 of 2" in out.output
    assert "next" in out.output and "42" in out.output and str(SESSIONS) in out.output
    several = query(lake, "SELECT 1; SELECT 2", "-f", "csv")
    assert several.exit_code == 2 and "csv prints one result" in several.output
    failing = query(lake, "SELECT 1; SELECT * FROM gold.nope")
    assert failing.exit_code == 1 and "statement 2 of 2" in failing.output
