"""`lakehouse materialize`, `query` and `tables` over the scenario lake (local and S3)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from lakehouse.config import Settings
from lakehouse.lake.local_s3 import ACCESS_KEY, SECRET_KEY
from lakehouse.lake.storage import init_lake
from tests.gold import scenario

runner = CliRunner()


def invoke(settings: Settings, *args: str):
    env = {
        "LAKEHOUSE_CONFIG": "",
        "LAKEHOUSE_PROFILE": "",
        "LAKEHOUSE_LAKE": settings.lake,
        "LAKEHOUSE_CATALOG": settings.catalog,
        "COLUMNS": "200",
    }
    if settings.storage == "s3":
        env |= {
            "LAKEHOUSE_S3_ENDPOINT": settings.s3.endpoint,
            "LAKEHOUSE_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "LAKEHOUSE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def lake(lake_settings: Settings) -> Settings:
    init_lake(lake_settings)
    scenario.build().write(lake_settings)
    return lake_settings


def test_materialize_query_and_tables(lake):
    built = invoke(lake, "materialize")
    assert built.exit_code == 0, built.output
    assert "gold as of 2025-11-06" in built.output
    assert "gold.subject_demand" in built.output and "42" in built.output
    assert "revenue 3,690.00" in built.output and "margin 1,712.50" in built.output

    out = invoke(
        lake,
        "query",
        "--format",
        "csv",
        "SELECT tutor_id, sum(revenue) AS revenue FROM gold.monthly_revenue "
        "GROUP BY ALL ORDER BY tutor_id",
    )
    assert out.exit_code == 0, out.output
    assert list(csv.reader(io.StringIO(out.output))) == [
        ["tutor_id", "revenue"],
        ["1", "760.0"],
        ["2", "410.0"],
        ["3", "2520.0"],
    ]

    # the ephemeral priced-session model is queryable too
    out = invoke(
        lake,
        "query",
        "-f",
        "json",
        "SELECT session_id, revenue, contractor_pay FROM gold.int_priced_sessions "
        "WHERE session_id IN (104, 5001) ORDER BY 1",
    )
    assert json.loads(out.output) == [
        {"session_id": 104, "revenue": 150.0, "contractor_pay": 52.5},
        {"session_id": 5001, "revenue": 120.0, "contractor_pay": 50.0},
    ]

    out = invoke(lake, "query", "--limit", "2", "FROM silver.fct_sessions ORDER BY session_id")
    assert out.exit_code == 0, out.output
    assert "44 rows, first 2 shown (--limit 0 prints all 44)" in out.output

    listed = invoke(lake, "tables")
    assert listed.exit_code == 0, listed.output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in listed.output.splitlines()]
    counts = {row[0]: row[1:] for row in cells if row and "." in row[0]}
    # 42 + the orphan + Eve, in three monthly partitions (May, September, October)
    assert counts["silver.fct_sessions"] == ["44", "3"]
    assert counts["gold.monthly_revenue"] == ["11", "3"]  # partitioned by month, as the fact
    # stored (a daily build reprices only the touched students): one row per session
    assert counts["gold.int_priced_sessions"][0] == "44"


def test_query_errors_are_reported(lake):
    out = invoke(lake, "query", "SELECT * FROM gold.nope")
    assert out.exit_code == 1
    assert "query failed" in out.output and "gold.nope" in out.output
    out = invoke(lake, "materialize", "--date", "2025-13-01")
    assert out.exit_code == 2 and "not a date" in out.output


def test_tables_on_an_empty_lake(local_settings):
    init_lake(local_settings)
    out = invoke(local_settings, "tables")
    assert out.exit_code == 0 and "no tables" in out.output
