"""Athena writes at most 100 partitions per statement: a write of more is split by partition
range. Tested with a rendered history of more than 100 months (fct_sessions is partitioned by
month): the split statements as Athena gets them, and their meaning, run by DuckDB with the
same limit against the same history ingested without it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlglot import exp

from lakehouse.config import load_settings
from lakehouse.engines.athena import AthenaEngine
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.lake.catalog import open_catalog
from lakehouse.lake.storage import init_lake
from lakehouse.models.statements import NULL_PARTITION, partition_ranges

HISTORY_END = dt.date(2030, 3, 31)
"""The history runs 2021-08-24 .. 2030-03-31: sessions in more than 100 months."""


def test_ranges_hold_at_most_the_limit_and_null_on_its_own():
    months = [f"{y}-{m:02d}" for y in range(2016, 2027) for m in range(1, 13)]  # 132
    assert partition_ranges(months[:100], 100) is None  # one statement writes them all
    assert partition_ranges(list(reversed(months)), 100) == (
        ("2016-01", "2024-04"),
        ("2024-05", "2026-12"),
    )
    assert partition_ranges([*months[:100], None], 100) == (
        ("2016-01", "2024-04"),
        NULL_PARTITION,
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A rendered history over more than 100 months, ingested as DuckDB does (no limit)."""
    from lakehouse.silver.ingest import ingest_through
    from sim.api import simulate_history

    settings = load_settings(
        environ={}, overrides={"lake": str(tmp_path_factory.mktemp("history") / "lake")}
    )
    init_lake(settings)
    result = simulate_history(settings, scale=0.02, until=HISTORY_END)
    ingest_through(settings, result.ingest_date)
    return settings, result.ingest_date


def table(settings, name):
    con = open_catalog(settings)
    try:
        return con.execute(f"FROM {name} ORDER BY ALL").fetchall()
    finally:
        con.close()


def months_of(settings) -> list[str]:
    return [
        r[0] for r in table(settings, "(SELECT DISTINCT session_month FROM silver.fct_sessions)")
    ]


def test_the_history_load_of_fct_sessions_is_split_for_athena(history):
    from lakehouse.aws.schemas import ingest_params

    settings, ingest_date = history
    months = months_of(settings)
    assert len(months) > 100
    athena = load_settings(
        environ={}, overrides={"lake": "s3://tutor-lake/lake", "engine": "athena"}
    )
    sent = AthenaEngine(athena).statements(
        "silver.fct_sessions", ingest_params(ingest_date), partitions=months
    )
    merges = [sqlglot.parse_one(q, read="athena") for q in sent if q.startswith("MERGE")]
    assert len(merges) == 2
    covered = []
    for merge in merges:
        between = merge.find(exp.Between)
        assert between is not None, merge.sql()
        low, high = between.args["low"].name, between.args["high"].name
        assert between.this.name == "session_month"
        in_range = [m for m in months if low <= m <= high]
        assert len(in_range) <= AthenaEngine.MAX_PARTITIONS_PER_WRITE
        covered += in_range
    assert covered == months  # every month once, in order
    # without the stage's partition values (what `deploy render` prints): one MERGE of it all
    unsplit = AthenaEngine(athena).statements("silver.fct_sessions", ingest_params(ingest_date))
    (whole,) = [q for q in unsplit if q.startswith("MERGE")]
    assert "USING tutor_silver.fct_sessions__stage AS s" in whole and "BETWEEN" not in whole


def test_the_split_writes_the_same_rows_as_one_statement(history, tmp_path, monkeypatch):
    """The same history ingested by DuckDB held to Athena's limit: every silver table equal."""
    from lakehouse.silver.ingest import ingest_through
    from sim.api import simulate_history

    whole, ingest_date = history
    split = load_settings(environ={}, overrides={"lake": str(tmp_path / "lake")})
    init_lake(split)
    simulate_history(split, scale=0.02, until=HISTORY_END)
    executed: list[str] = []
    original = DuckDBEngine.execute

    def execute(self, sql):
        executed.append(sql)
        return original(self, sql)

    monkeypatch.setattr(DuckDBEngine, "MAX_PARTITIONS_PER_WRITE", 100)
    monkeypatch.setattr(DuckDBEngine, "execute", execute)
    ingest_through(split, ingest_date)

    merges = [q for q in executed if q.startswith("MERGE INTO lake.silver.fct_sessions")]
    assert len(merges) == 2 and all("BETWEEN" in q for q in merges)
    for name in ("silver.fct_sessions", "silver.err_sessions", "silver.dim_students"):
        assert table(split, name) == table(whole, name), name
