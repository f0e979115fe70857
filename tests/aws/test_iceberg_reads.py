"""On the Athena engine, readers open the Iceberg tables where Athena wrote them, through Glue.

Everything runs against a real moto_server on 127.0.0.1 (S3 and Glue): the tables are written
by pyiceberg's Glue catalog, as an Iceberg writer independent of this project, at the locations
the deploy DDL gives them; the product finds them through Glue, reads their current metadata
with DuckDB's iceberg extension and must return the same rows, with their types."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import boto3
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from lakehouse.aws.ddl import iceberg_location
from lakehouse.errors import EngineError, UsageError
from lakehouse.lake.catalog import open_catalog
from lakehouse.lake.local_s3 import ACCESS_KEY, SECRET_KEY
from lakehouse.lake.storage import init_lake, open_storage
from tests.conftest import s3_settings_for

REGION = "us-east-1"

REVENUE = pa.table(
    {
        "month": ["2026-01", "2026-02", "2026-03"],
        "revenue": pa.array([Decimal("0.10"), Decimal("0.20"), None], type=pa.decimal128(18, 2)),
        "month_start": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), None],
        "closed": [True, False, None],
    }
)
SESSIONS = pa.table(
    {
        "session_id": pa.array([1, 2], type=pa.int64()),
        "session_ts": [dt.datetime(2026, 1, 2, 13, 30), dt.datetime(2026, 2, 3, 9)],
        "session_month": ["2026-01", "2026-02"],
    }
)


@pytest.fixture
def glue_lake(s3_server, tmp_path, monkeypatch):
    """Athena settings on the moto server (S3 and Glue), with databases of their own."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_GLUE", s3_server.endpoint)
    suffix = uuid.uuid4().hex[:8]
    settings = s3_settings_for(
        s3_server.endpoint,
        f"lake-{suffix}",
        tmp_path / "catalog.sqlite",
        engine="athena",
        **{
            "athena.region": REGION,
            "athena.silver_database": f"silver_{suffix}",
            "athena.gold_database": f"gold_{suffix}",
            "athena.raw_database": f"raw_{suffix}",
        },
    )
    init_lake(settings)
    return settings


def pyiceberg_catalog(endpoint: str):
    from pyiceberg.catalog.glue import GlueCatalog

    return GlueCatalog(
        "glue",
        client=None,  # made from the properties
        **{
            "glue.endpoint": endpoint,
            "glue.region": REGION,
            "glue.access-key-id": ACCESS_KEY,
            "glue.secret-access-key": SECRET_KEY,
            "s3.endpoint": endpoint,
            "s3.region": REGION,
            "s3.access-key-id": ACCESS_KEY,
            "s3.secret-access-key": SECRET_KEY,
        },
    )


def write_table(settings, catalog, layer: str, name: str, rows: pa.Table):
    database = getattr(settings.athena, f"{layer}_database")
    if (database,) not in catalog.list_namespaces():
        catalog.create_namespace(database)
    location = iceberg_location(settings, layer, name).rstrip("/")
    table = catalog.create_table(f"{database}.{name}", schema=rows.schema, location=location)
    table.append(rows)
    return table


@pytest.fixture
def iceberg_lake(glue_lake, s3_server):
    catalog = pyiceberg_catalog(s3_server.endpoint)
    write_table(glue_lake, catalog, "gold", "monthly_revenue", REVENUE)
    write_table(glue_lake, catalog, "silver", "fct_sessions", SESSIONS)
    # a stage table Athena's CTAS leaves beside the Iceberg tables: plain Parquet, not the lake's
    boto3.client("glue", region_name=REGION).create_table(
        DatabaseName=glue_lake.athena.gold_database,
        TableInput={
            "Name": "monthly_revenue__stage",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "StorageDescriptor": {"Location": glue_lake.lake + "/athena-stage/"},
        },
    )
    return glue_lake, catalog


def rows(con, sql: str):
    return con.execute(sql).fetchall()


def test_a_read_session_finds_the_iceberg_tables_through_glue_with_the_same_rows(iceberg_lake):
    settings, _ = iceberg_lake
    con = open_catalog(settings)
    try:
        views = rows(
            con,
            "SELECT schema_name || '.' || view_name FROM duckdb_views() "
            "WHERE NOT internal ORDER BY 1",
        )
        assert views == [("gold.monthly_revenue",), ("silver.fct_sessions",)]  # no stage table
        assert rows(con, "FROM gold.monthly_revenue ORDER BY month") == [
            tuple(r.values()) for r in REVENUE.to_pylist()
        ]
        assert rows(con, "FROM silver.fct_sessions ORDER BY session_id") == [
            tuple(r.values()) for r in SESSIONS.to_pylist()
        ]
        assert rows(con, "SELECT sum(revenue) FROM gold.monthly_revenue") == [(Decimal("0.30"),)]
    finally:
        con.close()


def test_each_session_reads_the_snapshot_current_when_it_opened(iceberg_lake):
    settings, catalog = iceberg_lake
    before = open_catalog(settings, ("gold",))
    try:
        table = catalog.load_table(f"{settings.athena.gold_database}.monthly_revenue")
        table.overwrite(REVENUE.slice(0, 1))  # a new commit: a new current metadata file
        after = open_catalog(settings, ("gold",))
        try:
            assert rows(after, "SELECT month FROM gold.monthly_revenue") == [("2026-01",)]
        finally:
            after.close()
        assert len(rows(before, "FROM gold.monthly_revenue")) == 3  # still its own snapshot
    finally:
        before.close()


def test_export_on_athena_writes_the_iceberg_rows_again_only_after_a_commit(iceberg_lake):
    from lakehouse.export.stage import export

    settings, catalog = iceberg_lake
    result = export(settings, targets=["local"])
    assert result.to_detail()["tables"] == ["monthly_revenue"]
    storage = open_storage(settings)
    csv = storage.read_text("exports/monthly_revenue.csv")
    assert csv.splitlines() == [
        "month,revenue,month_start,closed",
        "2026-01,0.10,2026-01-01,true",
        "2026-02,0.20,2026-02-01,false",
        "2026-03,,,",
    ]
    again = export(settings, targets=["local"])
    assert [e.action for e in again.exports] == ["unchanged"]  # same Iceberg snapshot
    table = catalog.load_table(f"{settings.athena.gold_database}.monthly_revenue")
    table.overwrite(REVENUE.slice(0, 1))
    after = export(settings, targets=["local"])
    assert [e.action for e in after.exports] != ["unchanged"]
    assert storage.read_text("exports/monthly_revenue.csv").splitlines()[1:] == [
        "2026-01,0.10,2026-01-01,true"
    ]


def test_lakehouse_query_on_athena_prints_money_exactly(iceberg_lake, s3_server):
    from cli.main import app

    settings, _ = iceberg_lake
    env = {
        "LAKEHOUSE_ENGINE": "athena",
        "LAKEHOUSE_S3_ENDPOINT": s3_server.endpoint,
        "LAKEHOUSE_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "LAKEHOUSE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "LAKEHOUSE_S3_PATH_STYLE": "true",
        "LAKEHOUSE_ATHENA_REGION": REGION,
        "LAKEHOUSE_ATHENA_GOLD_DATABASE": settings.athena.gold_database,
        "LAKEHOUSE_ATHENA_SILVER_DATABASE": settings.athena.silver_database,
        "LAKEHOUSE_CATALOG": settings.catalog,
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(
        app,
        [
            "--lake",
            settings.lake,
            "query",
            "--format",
            "records",
            "SELECT sum(revenue) AS total FROM gold.monthly_revenue",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "total │ 0.30\n" in result.output  # a float sum would print 0.30000000000000004


def test_a_missing_glue_database_says_to_run_the_setup(glue_lake):
    with pytest.raises(
        EngineError,
        match=r"Glue database gold_\w+ \(gold\) does not exist.*"
        "lakehouse deploy setup",
    ):
        open_catalog(glue_lake, ("gold",))


def test_an_iceberg_entry_without_metadata_is_an_error_naming_it(glue_lake):
    glue = boto3.client("glue", region_name=REGION)
    database = glue_lake.athena.gold_database
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={"Name": "broken", "Parameters": {"table_type": "ICEBERG"}},
    )
    with pytest.raises(EngineError, match=f"{database}.broken is an Iceberg table without"):
        open_catalog(glue_lake, ("gold",))


def test_reading_as_of_a_batch_is_refused_on_athena(glue_lake):
    with pytest.raises(UsageError, match="DuckLake snapshots"):
        open_catalog(dataclasses.replace(glue_lake), at_batch=dt.date(2026, 1, 15))
