"""The chain on S3 (moto_server) with the catalog in PostgreSQL (a real server on 127.0.0.1),
as the MinIO profile runs it: the same tables as on a local folder with its SQLite catalog;
and the catalog's settings are refused or masked where they must be."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest

from lakehouse.config import effective_items, load_settings
from lakehouse.errors import ConfigError
from lakehouse.lake.catalog import connect_lake, location
from lakehouse.lake.connection import scalar
from lakehouse.lake.storage import init_lake
from lakehouse.orchestration.runner import Runner
from sim.api import simulate_history
from tests.conftest import s3_settings_for

from .conftest import tables

FIRST, LAST = date(2025, 12, 31), date(2026, 1, 2)


def run_chain(settings) -> dict:
    init_lake(settings)
    simulate_history(settings, seed=9, scale=0.2)
    report = Runner(settings).run(FIRST, LAST)
    assert report.failed is None, report.failed
    return tables(settings)


@pytest.mark.s3
def test_the_chain_on_s3_with_a_postgresql_catalog_equals_a_folder_lake(
    s3_server, postgres_catalog, local_settings
) -> None:
    s3 = s3_settings_for(s3_server.endpoint, f"pg-{uuid.uuid4().hex[:10]}", postgres_catalog)
    assert location(s3).kind == "postgres"
    on_s3 = run_chain(s3)
    assert on_s3 == run_chain(local_settings)
    assert len(on_s3["silver.fct_sessions"]) > 1000
    # the catalog lives in PostgreSQL, the data files in the bucket
    con = connect_lake(s3, read_only=True)
    try:
        path = scalar(
            con,
            "SELECT value FROM __ducklake_metadata_lake.ducklake_metadata WHERE key = 'data_path'",
        )
    finally:
        con.close()
    assert path == s3.lake + "/"


def test_an_s3_lake_needs_a_catalog_setting() -> None:
    settings = load_settings(environ={}, overrides={"lake": "s3://bucket/lake"})
    with pytest.raises(ConfigError, match=r"set 'catalog'.*postgresql://"):
        location(settings)


def test_the_catalog_password_is_masked(local_settings) -> None:
    settings = dataclasses.replace(
        local_settings, catalog="postgresql://lake:s3cret@db.example:5432/lakehouse"
    )
    shown = dict(effective_items(settings))["catalog"]
    assert "s3cret" not in shown and shown.startswith("postgresql://lake:")
    assert "s3cret" not in location(settings).describe()


def test_an_unreachable_catalog_is_named_without_its_password(local_settings) -> None:
    from lakehouse.errors import EngineError
    from lakehouse.lake.catalog import connect_lake
    from lakehouse.lake.local_s3 import free_port

    url = f"postgresql://lake:s3cret@127.0.0.1:{free_port()}/lakehouse"
    settings = dataclasses.replace(local_settings, catalog=url)
    with pytest.raises(
        EngineError, match=r"cannot open the PostgreSQL catalog 127\.0\.0\.1"
    ) as caught:
        connect_lake(settings)
    assert "s3cret" not in str(caught.value)
