"""The gold tests' hand-built silver has each contract's columns and types, as the ingest writes
them, so a contract change reaches the fixture (and the gold tests) with no second list to edit."""

from __future__ import annotations

import duckdb

from lakehouse.models.contracts import SILVER_SCHEMAS, relation_schema
from tests.gold.silver_fixture import SilverBuilder


def test_the_fixture_tables_have_the_contracts_shape():
    builder = SilverBuilder()
    builder.student(
        1,
        "Ada",
        "Lovelace",
        [{"since": "2025-01-01 00:00:00", "contract_rate": 50.0, "status": "Active"}],
    )
    frames = builder.frames()
    assert sorted(f"silver.{name}" for name in frames) == sorted(SILVER_SCHEMAS)
    con = duckdb.connect()
    for name, frame in frames.items():
        con.register("frame", frame.to_arrow())
        assert relation_schema(con, "frame") == SILVER_SCHEMAS[f"silver.{name}"], name
        con.unregister("frame")
