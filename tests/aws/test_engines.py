"""The engine interface: engines picked by name, and each model kind carried out by DuckDB on a
real lake (DuckLake tables) by the statements Athena runs too (`lakehouse.models.statements`): full
replace, upsert on the key, partition replace, ephemeral."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lakehouse.config import ENGINES, TABLE_FORMATS, load_settings
from lakehouse.engines import ENGINE_CLASSES, engine_class, get_engine
from lakehouse.engines.athena import AthenaEngine
from lakehouse.engines.base import Engine
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.errors import ConfigError
from lakehouse.lake.catalog import lake_tables, snapshots
from lakehouse.models import ModelError

from .conftest import write_model


def test_engines_by_name_implement_the_interface(athena_settings):
    assert set(ENGINE_CLASSES) == {"duckdb", "athena"}
    assert engine_class("duckdb") is DuckDBEngine
    assert engine_class("athena") is AthenaEngine
    engine = get_engine(athena_settings)
    assert isinstance(engine, AthenaEngine) and isinstance(engine, Engine)
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        engine_class("spark")
    # capabilities say what differs, so callers never branch on the engine's name
    assert AthenaEngine.SUPPORTS_MERGE and DuckDBEngine.SUPPORTS_MERGE
    assert DuckDBEngine.SUPPORTS_TRANSACTIONS and not AthenaEngine.SUPPORTS_TRANSACTIONS
    assert DuckDBEngine.READS_LAKE_FILES_DIRECTLY and not AthenaEngine.READS_LAKE_FILES_DIRECTLY


def test_the_settings_name_the_table_format_each_engine_keeps(athena_settings):
    """The lake reads the table format from the settings (it sits below the engines)."""
    assert set(TABLE_FORMATS) == set(ENGINES) == set(ENGINE_CLASSES)
    for name in ENGINES:
        assert TABLE_FORMATS[name] == engine_class(name).TABLE_FORMAT
    assert athena_settings.table_format == "iceberg"


def test_athena_names_a_stage_that_is_not_a_query(tmp_path, athena_settings):
    """Athena cannot describe a stage it has not run: its columns come from the SELECT's text."""
    model = write_model(tmp_path / "sql", "gold.numbers", "-- @kind full\nSELECT 1 AS n\n")
    engine = AthenaEngine(athena_settings)
    assert engine.stage_columns(model, "gold_numbers__stage", "SELECT 1 AS n, 2 AS m") == ["n", "m"]
    with pytest.raises(ModelError, match=r"numbers\.sql: the stage of gold_numbers__stage is not"):
        engine.stage_columns(model, "gold_numbers__stage", "DELETE FROM gold.numbers")


@pytest.fixture
def duck(tmp_path):
    settings = load_settings(environ={}, overrides={"lake": str(tmp_path / "lake")})
    with get_engine(settings) as engine:
        yield engine


def rows(engine, sql):
    return sorted(engine.query(sql))


def test_full_replaces_the_table(tmp_path, duck):
    model = write_model(
        tmp_path / "sql",
        "gold.numbers",
        "-- @kind full\nSELECT n FROM range(:upto) AS t(n)\n",
    )
    duck.materialize(model, {"upto": 3})
    duck.materialize(model, {"upto": 2})
    assert rows(duck, "SELECT n FROM gold.numbers") == [(0,), (1,)]


@pytest.mark.parametrize("literal_keys", [1_000, 1], ids=["delete-insert", "merge"])
def test_unique_key_upserts_and_keeps_other_rows(tmp_path, duck, monkeypatch, literal_keys):
    """Both ways a keyed write runs on DuckDB: a small stage as a DELETE of its keys and an
    INSERT, a larger one (more keys than MAX_LITERAL_KEYS) as a MERGE."""
    monkeypatch.setattr(DuckDBEngine, "MAX_LITERAL_KEYS", literal_keys)
    model = write_model(
        tmp_path / "sql",
        "silver.people",
        "-- @kind incremental_by_unique_key\n-- @unique_key id\n"
        "SELECT id, :name AS name FROM range(:first, :last) AS t(id)\n",
    )
    duck.materialize(model, {"first": 0, "last": 3, "name": "a"})
    result = duck.materialize(model, {"first": 2, "last": 4, "name": "b"})
    assert result.kind == "incremental_by_unique_key" and result.engine == "duckdb"
    assert rows(duck, "SELECT id, name FROM silver.people") == [
        (0, "a"),
        (1, "a"),
        (2, "b"),
        (3, "b"),
    ]


def test_partition_replace_keeps_untouched_partitions(tmp_path, duck):
    model = write_model(
        tmp_path / "sql",
        "silver.events",
        "-- @kind incremental_by_partition\n-- @partitioned_by day\n"
        "SELECT CAST(:day AS DATE) AS day, n FROM range(:n) AS t(n)\n",
    )
    d1, d2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
    duck.materialize(model, {"day": d1, "n": 2})
    duck.materialize(model, {"day": d2, "n": 1})
    duck.materialize(model, {"day": d1, "n": 3})
    assert rows(duck, "SELECT CAST(day AS DATE), count(*) FROM silver.events GROUP BY 1") == [
        (d1, 3),
        (d2, 1),
    ]


def test_a_small_keyed_write_deletes_its_keys_by_name_then_inserts(tmp_path, duck):
    apply = duck.builder.apply
    one = write_model(
        tmp_path / "sql",
        "silver.people",
        "-- @kind incremental_by_unique_key\n-- @unique_key id\nSELECT 1 AS id, 'a' AS name\n",
    )
    insert = "INSERT INTO lake.silver.people (id, name) SELECT id, name FROM s"
    assert apply(one, "lake.silver.people", "s", ["id", "name"], keys=[3, 5]) == [
        "DELETE FROM lake.silver.people AS t WHERE t.id IN (3, 5)",
        insert,
    ]
    assert apply(one, "lake.silver.people", "s", ["id", "name"], keys=[]) == []
    assert apply(one, "lake.silver.people", "s", ["id", "name"])[0].startswith("MERGE INTO")
    two = write_model(
        tmp_path / "sql",
        "silver.scores",
        "-- @kind incremental_by_unique_key\n-- @unique_key id, test\n"
        "SELECT 1 AS id, 'x' AS test, 2 AS score\n",
    )
    # the literals of the first key column find the files, the stage names the keys exactly
    assert apply(two, "lake.silver.scores", "s", ["id", "test", "score"], keys=[3])[0] == (
        "DELETE FROM lake.silver.scores AS t WHERE t.id IN (3) AND EXISTS(SELECT 1 FROM s AS s "
        "WHERE s.id = t.id AND s.test = t.test)"
    )


EVENTS = (
    "-- @kind incremental_by_partition\n-- @partitioned_by day\n"
    "SELECT CAST(:day AS DATE) AS day, n FROM range(:n) AS t(n)\n"
)


def test_a_partition_replace_names_the_stage_partitions_in_its_delete(tmp_path, duck):
    """Literal values let the engine prune the table's files by partition; a subquery makes it
    read every file (the fallback when the values are not known, as in a printed plan)."""
    model = write_model(tmp_path / "sql", "silver.events", EVENTS)
    target, insert = (
        "lake.silver.events",
        "INSERT INTO lake.silver.events (day, n) SELECT day, n FROM s",
    )
    apply = duck.builder.apply
    d1 = dt.date(2026, 1, 1)
    assert apply(model, target, "s", ["day", "n"], partitions=[d1, None]) == [
        "DELETE FROM lake.silver.events WHERE day IN (CAST('2026-01-01' AS DATE)) OR day IS NULL",
        insert,
    ]
    assert apply(model, target, "s", ["day", "n"], partitions=[]) == [insert]
    assert apply(model, target, "s", ["day", "n"]) == [
        "DELETE FROM lake.silver.events WHERE day IN (SELECT DISTINCT day FROM s)",
        insert,
    ]


def test_athena_splits_a_partition_replace_and_deletes_each_range_by_name(
    tmp_path, athena_settings
):
    model = write_model(
        tmp_path / "sql",
        "silver.events",
        "-- @kind incremental_by_partition\n-- @partitioned_by day\n"
        "SELECT day, n FROM silver.raw_events\n",
    )
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(101)]
    sent = AthenaEngine(athena_settings).statements(
        model, {"day": days[0], "n": 1}, partitions=days
    )
    deletes = [q for q in sent if q.startswith("DELETE")]
    inserts = [q for q in sent if q.startswith("INSERT")]
    assert len(deletes) == len(inserts) == 2
    assert deletes[0].count("CAST(") == 100 and "CAST('2026-01-01' AS DATE)" in deletes[0]
    assert deletes[1].endswith("WHERE day IN (CAST('2026-04-11' AS DATE))")
    assert inserts[1].endswith(
        "WHERE day BETWEEN CAST('2026-04-11' AS DATE) AND CAST('2026-04-11' AS DATE)"
    )


def test_view_is_computed_once_into_the_session(tmp_path, duck):
    model = write_model(tmp_path / "sql", "gold.tmp", "-- @kind view\nSELECT 41 + 1 AS n\n")
    duck.materialize(model, {})
    assert duck.query("SELECT n FROM gold.tmp") == [(42,)]
    assert "gold.tmp" not in duck.tables()


def test_keyed_kind_without_a_key_is_refused(tmp_path, duck):
    model = write_model(tmp_path / "sql", "silver.bad", "-- @kind scd2\nSELECT 1 AS student_sk\n")
    with pytest.raises(ModelError, match="@kind scd2 needs an @unique_key"):
        duck.materialize(model, {})


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("-- @kind incremental_by_unique_key\n-- @unique_key id\n", "@unique_key id"),
        ("-- @kind scd2\n-- @unique_key id\n", "@unique_key id"),
        ("-- @kind incremental_by_partition\n-- @partitioned_by day\n", "@partitioned_by day"),
        ("-- @kind full\n-- @scope id\n", "@scope id"),
    ],
)
def test_a_header_naming_a_column_the_model_does_not_output_is_refused(
    tmp_path, duck, header, named
):
    model = write_model(tmp_path / "sql", "silver.bad", f"{header}SELECT 1 AS n\n")
    ways: tuple[dict[str, Any], ...] = (
        ({"scoped": True},)
        if named.startswith("@scope")
        else ({}, {"keys": [1]}, {"partitions": [1]})
    )
    for kwargs in ways:  # the checks hold whichever statements the write takes
        with pytest.raises(ModelError, match=f"silver/bad.sql: {named} is not an output column"):
            duck.builder.apply(model, "lake.silver.bad", "s", ["n"], **kwargs)


def test_one_transaction_commits_every_table_or_none(tmp_path, duck):
    first = write_model(tmp_path / "sql", "gold.a", "-- @kind full\nSELECT 1 AS n\n")
    second = write_model(tmp_path / "sql", "gold.b", "-- @kind full\nSELECT 1 / 0 > :x AS n\n")
    with pytest.raises(ModelError), duck.transaction("test", "fails half way"):
        duck.materialize(first, {})
        duck.materialize(second, {})  # no value for :x: fails after gold.a was written
    assert "gold.a" not in lake_tables(duck.con)
    with duck.transaction("test", "both") as record:
        duck.materialize(first, {})
        record.info["batch"] = "2026-01-01"
    assert duck.query("SELECT n FROM gold.a") == [(1,)]
    assert snapshots(duck.con)[-1].stage == "test"
    assert snapshots(duck.con)[-1].batch == dt.date(2026, 1, 1)
