"""The Athena client at its API boundary: moto's in-process Athena for the query lifecycle, and
botocore's Stubber for the two answers moto cannot give (a FAILED query with Athena's reason,
a result set split across pages)."""

from __future__ import annotations

import logging

import boto3
import pytest
from botocore.stub import Stubber

from lakehouse.engines.athena import AthenaClient, cost_usd
from lakehouse.errors import EngineError

from .conftest import REGION, WORKGROUP


def athena_backend():
    from moto.athena.models import athena_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    return athena_backends[DEFAULT_ACCOUNT_ID][REGION]


@pytest.fixture
def slow_queries():
    """Each query stays QUEUED, then RUNNING, for two polls each before it SUCCEEDS."""
    from moto.moto_api import state_manager

    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 2})
    yield
    state_manager.unset_transition("athena::execution")


def test_polls_with_exponential_backoff_until_succeeded(aws, athena_settings, slow_queries, caplog):
    sleeps: list[float] = []
    client = AthenaClient(athena_settings, sleep=sleeps.append, first_poll=0.5, max_poll=1.5)
    with caplog.at_level(logging.INFO, logger="lakehouse.athena"):
        stats = client.execute("SELECT 1")
    # QUEUED, QUEUED->RUNNING, RUNNING, RUNNING->SUCCEEDED: three waits, doubling, capped
    assert sleeps == [0.5, 1.0, 1.5]
    assert stats.state == "SUCCEEDED"
    execution = athena_backend().executions[stats.query_id]
    assert execution.query == "SELECT 1"
    assert execution.workgroup.name == WORKGROUP
    assert execution.config["OutputLocation"].startswith("s3://tutor-test-lake/athena-results/")
    assert f"athena query {stats.query_id} SUCCEEDED: 0 B scanned, $0.000048" in caplog.text


def test_timeout_stops_the_query(aws, athena_settings, slow_queries):
    client = AthenaClient(athena_settings, sleep=lambda _: None, first_poll=1, timeout=1)
    with pytest.raises(EngineError, match=r"still (QUEUED|RUNNING) after 1 s; stopped it"):
        client.execute("SELECT 1")
    (execution,) = athena_backend().executions.values()
    assert execution.status == "CANCELLED"


def test_cancelled_query_is_an_engine_error(aws, athena_settings, slow_queries):
    client = AthenaClient(athena_settings, sleep=lambda _: None)
    query_id = client.start("SELECT count(*) FROM tutor_silver.fct_sessions")
    boto3.client("athena", region_name=REGION).stop_query_execution(QueryExecutionId=query_id)
    with pytest.raises(EngineError, match=f"query {query_id} CANCELLED"):
        client.wait(query_id)


def test_results_skip_the_header_row_and_type_values(aws, athena_settings):
    from moto.athena.models import QueryResults

    def row(*values):
        return {"Data": [{"VarCharValue": v} if v is not None else {} for v in values]}

    columns = [
        {"Name": "session_id", "Type": "bigint"},
        {"Name": "hours", "Type": "double"},
        {"Name": "is_billable", "Type": "boolean"},
        {"Name": "ingest_date", "Type": "date"},
        {"Name": "session_ts", "Type": "timestamp"},
        {"Name": "dq_flags", "Type": "varchar"},
    ]
    header = row(*(c["Name"] for c in columns))
    rows = [
        row("7", "1.5", "true", "2026-01-02", "2026-01-01 13:00:00.000", ""),
        row("8", None, "false", "2026-01-02", "2026-01-01 14:30:00.000", "ERR_UNITS_RANGE"),
    ]
    athena_backend().query_results_queue.append(QueryResults([header, *rows], columns))
    client = AthenaClient(athena_settings, sleep=lambda _: None)
    import datetime as dt

    assert client.fetch("SELECT * FROM tutor_silver.fct_sessions") == [
        (7, 1.5, True, dt.date(2026, 1, 2), dt.datetime(2026, 1, 1, 13), ""),
        (8, None, False, dt.date(2026, 1, 2), dt.datetime(2026, 1, 1, 14, 30), "ERR_UNITS_RANGE"),
    ]


def _stubbed(athena_settings):
    raw = boto3.client(
        "athena", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    return Stubber(raw), AthenaClient(athena_settings, client=raw, sleep=lambda _: None)


def test_failed_query_raises_with_athenas_reason(athena_settings):
    stub, client = _stubbed(athena_settings)
    reason = "line 1:8: Column 'sesion_id' cannot be resolved"
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {
            "QueryString": "SELECT sesion_id FROM t",
            "WorkGroup": WORKGROUP,
            "ResultConfiguration": {"OutputLocation": "s3://tutor-test-lake/athena-results/"},
        },
    )
    stub.add_response(
        "get_query_execution",
        {
            "QueryExecution": {
                "QueryExecutionId": "q-1",
                "StatementType": "DML",
                "Status": {
                    "State": "FAILED",
                    "StateChangeReason": reason,
                    "AthenaError": {"ErrorCategory": 2, "ErrorType": 1006, "Retryable": False},
                },
                "Statistics": {"DataScannedInBytes": 0},
            }
        },
        {"QueryExecutionId": "q-1"},
    )
    with stub, pytest.raises(EngineError) as info:
        client.execute("SELECT sesion_id FROM t")
    assert str(info.value) == (
        f"Athena query q-1 FAILED: {reason} (query: SELECT sesion_id FROM t)"
    )
    assert client.history[0].cost_usd == 0.0  # failed queries are not billed
    stub.assert_no_pending_responses()


def test_results_follow_next_token_across_pages(athena_settings):
    stub, client = _stubbed(athena_settings)
    info = {"ColumnInfo": [{"Name": "n", "Type": "integer"}]}

    def page(values, token=None):
        body = {
            "ResultSet": {
                "Rows": [{"Data": [{"VarCharValue": v}]} for v in values],
                "ResultSetMetadata": info,
            }
        }
        if token:
            body["NextToken"] = token
        return body

    stub.add_response(
        "get_query_results",
        page(["n", "1", "2"], "t-2"),
        {"QueryExecutionId": "q-9", "MaxResults": 1000},
    )
    stub.add_response(
        "get_query_results",
        page(["3", "4"], "t-3"),
        {"QueryExecutionId": "q-9", "MaxResults": 1000, "NextToken": "t-2"},
    )
    stub.add_response(
        "get_query_results",
        page(["5"]),
        {"QueryExecutionId": "q-9", "MaxResults": 1000, "NextToken": "t-3"},
    )
    with stub:
        columns, rows = client.results("q-9")
    assert columns == ["n"]
    assert rows == [(1,), (2,), (3,), (4,), (5,)]
    stub.assert_no_pending_responses()


def test_cost_is_five_dollars_per_terabyte_with_ten_megabyte_minimum():
    assert cost_usd(0) == cost_usd(10 * 2**20) == pytest.approx(10 * 2**20 / 2**40 * 5)
    assert cost_usd(2**40) == pytest.approx(5.0)
    assert cost_usd(2**40 + 1) == pytest.approx((2**40 + 2**20) / 2**40 * 5)


def test_results_keep_each_athena_type_across_pages(athena_settings):
    """Money stays exact (DECIMAL -> Decimal, never a float), dates, timestamps (with and
    without a zone) and booleans get their types, and NULL stays apart from ''."""
    import datetime as dt
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    stub, client = _stubbed(athena_settings)
    columns = [
        ("revenue", "decimal"),
        ("rate", "decimal"),
        ("hours", "double"),
        ("sessions", "bigint"),
        ("is_billable", "boolean"),
        ("month_start", "date"),
        ("session_ts", "timestamp"),
        ("loaded_at", "timestamp with time zone"),
        ("note", "varchar"),
    ]
    info = {
        "ColumnInfo": [
            {"Name": n, "Type": t, "Precision": 18 if t == "decimal" else 0} for n, t in columns
        ]
    }

    def row(*values):
        return {"Data": [{"VarCharValue": v} if v is not None else {} for v in values]}

    first = {
        "ResultSet": {
            "Rows": [
                row(*(n for n, _ in columns)),
                row(
                    "1234567890123.10",
                    "0.10",
                    "1.5",
                    "12",
                    "true",
                    "2026-01-01",
                    "2026-01-15 13:05:00.250",
                    "2026-01-15 01:00:00.000 UTC",
                    "",
                ),
            ],
            "ResultSetMetadata": info,
        },
        "NextToken": "p-2",
    }
    second = {
        "ResultSet": {
            "Rows": [row("0.20", None, None, None, "false", None, None, None, None)],
            "ResultSetMetadata": info,
        }
    }
    stub.add_response("get_query_results", first, {"QueryExecutionId": "q-7", "MaxResults": 1000})
    stub.add_response(
        "get_query_results",
        second,
        {"QueryExecutionId": "q-7", "MaxResults": 1000, "NextToken": "p-2"},
    )
    with stub:
        names, rows = client.results("q-7")
    assert names == [n for n, _ in columns]
    assert rows == [
        (
            Decimal("1234567890123.10"),
            Decimal("0.10"),
            1.5,
            12,
            True,
            dt.date(2026, 1, 1),
            dt.datetime(2026, 1, 15, 13, 5, 0, 250000),
            dt.datetime(2026, 1, 15, 1, tzinfo=ZoneInfo("UTC")),
            "",
        ),
        (Decimal("0.20"), None, None, None, False, None, None, None, None),
    ]
    assert all(type(r[0]) is Decimal for r in rows)
    assert rows[0][1] + rows[1][0] == Decimal("0.30")  # a float sum would be 0.30000000000000004
    stub.assert_no_pending_responses()
