"""The DML of an incremental build on DuckLake: only changed rows count, whole files only, and
statistics a reader can trust (models/statements.py, `_apply_scoped`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lakehouse.config import Settings
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.lake.catalog import ALIAS, connect_lake, partition_layout
from lakehouse.lake.connection import scalar
from lakehouse.lake.storage import init_lake
from lakehouse.models import Model

SCOPE = "CREATE OR REPLACE TEMP TABLE gold_scope_k (k INTEGER)"


def model(rows: str) -> Model:
    """gold.t, partitioned by p, scoped by k: `rows` are its VALUES (p, k, v, as_of_ts)."""
    sql = (
        f"SELECT * FROM (VALUES {rows}) AS r (p, k, v, as_of_ts) "
        "WHERE :full_build OR k IN (SELECT k FROM gold_scope_k)"
    )
    return Model(name="gold.t", path=Path("t.sql"), sql=sql, scope=("k",), partitioned_by="p")


def build(
    settings: Settings,
    rows: str,
    *,
    full: bool,
    scope: tuple[int, ...] = (),
    partitioned: bool = True,
) -> None:
    """Build gold.t from `rows`; with `partitioned` false, as a model without @partitioned_by;
    with it, partitioned by p from this write on (`DuckDBEngine.partition`)."""
    declared = model(rows)
    with DuckDBEngine(settings) as engine, engine.transaction("materialize", "test"):
        engine.con.execute(SCOPE)
        for k in scope:
            engine.con.execute(f"INSERT INTO gold_scope_k VALUES ({k})")
        if partitioned:
            engine.partition(declared)
        else:
            declared = dataclasses.replace(declared, partitioned_by=None)
        engine.materialize(declared, {"full_build": full})


def read(settings: Settings, sql: str) -> list[tuple]:
    con = connect_lake(settings, read_only=True)
    try:
        return con.execute(sql.format(t=f"{ALIAS}.gold.t")).fetchall()
    finally:
        con.close()


def counts(settings: Settings) -> tuple[int, int]:
    """(live data files, delete files) of gold.t."""
    return read(
        settings,
        "SELECT (SELECT count(*) FROM ducklake_list_files('lake', 't', schema => 'gold')), "
        f"(SELECT count(*) FROM __ducklake_metadata_{ALIAS}.ducklake_delete_file)",
    )[0]


def test_an_incremental_write_replaces_whole_partitions_and_keeps_unchanged_rows(
    local_settings: Settings,
) -> None:
    init_lake(local_settings)
    first = "(1, 1, 10, 1), (1, 2, 20, 1), (2, 3, 30, 1), (3, 4, 40, 1)"
    build(local_settings, first, full=True)
    # k 1 and 3 recomputed: 1 unchanged (a new stamp only), 3 changed; k 4 not in the scope
    build(local_settings, "(1, 1, 10, 2), (2, 3, 33, 2)", full=False, scope=(1, 3))
    assert read(local_settings, "SELECT p, k, v, as_of_ts FROM {t} ORDER BY k") == [
        (1, 1, 10, 1),  # unchanged: keeps the stamp of the build that wrote it
        (1, 2, 20, 1),
        (2, 3, 33, 2),
        (3, 4, 40, 1),
    ]
    assert counts(local_settings)[1] == 0  # partition 2 was rewritten whole, no delete file
    # a scope whose rows come back unchanged writes nothing (no new snapshot)
    con = connect_lake(local_settings, read_only=True)
    before = scalar(con, f"SELECT id FROM {ALIAS}.current_snapshot()")
    con.close()
    build(local_settings, "(3, 4, 40, 3)", full=False, scope=(4,))
    con = connect_lake(local_settings, read_only=True)
    after = scalar(con, f"SELECT id FROM {ALIAS}.current_snapshot()")
    con.close()
    assert after == before
    # a removed row (k 2 no longer produced) leaves its partition
    build(local_settings, "(1, 1, 10, 4)", full=False, scope=(1, 2))
    assert read(local_settings, "SELECT k FROM {t} ORDER BY k") == [(1,), (3,), (4,)]


def new_files(settings: Settings) -> tuple[int, int]:
    """(live files of gold.t written by the latest snapshot, all live files)."""
    return read(
        settings,
        f"SELECT count(*) FILTER (WHERE begin_snapshot = (SELECT max(snapshot_id) FROM "
        f"__ducklake_metadata_{ALIAS}.ducklake_snapshot)), count(*) "
        f"FROM __ducklake_metadata_{ALIAS}.ducklake_data_file WHERE end_snapshot IS NULL",
    )[0]


ROWS = ", ".join(f"({p}, {p * 100 + k}, {k}, 1)" for p in (1, 2, 3) for k in range(40))
CHANGED = ", ".join(f"(3, {300 + k}, {k + 1}, 2)" for k in range(40))


def test_a_sound_table_gets_only_its_touched_partition_rewritten(local_settings) -> None:
    init_lake(local_settings)
    build(local_settings, ROWS, full=True)
    build(local_settings, CHANGED, full=False, scope=tuple(range(300, 340)))
    assert new_files(local_settings) == (1, 3)
    assert read(local_settings, "SELECT min(v), max(v) FROM {t}") == [(0, 40)]


def test_a_table_with_an_unknown_column_range_is_rewritten_whole(
    local_settings: Settings, monkeypatch
) -> None:
    """DuckLake 1.5.5 can leave a column's table-wide range unknown (seen after a build whose
    first month holds only NULLs in a month-over-month column), and then records the next
    partial insert's range as the table's: a reader's filter outside it is pruned to nothing,
    and DuckDB's compressed materialization wraps values outside it. So such a table is
    rewritten whole, which records the range of every row."""
    import lakehouse.engines.duckdb as engine_module

    init_lake(local_settings)
    build(local_settings, ROWS, full=True)
    monkeypatch.setattr(engine_module, "unknown_statistics", lambda con, name: ["v"])
    build(local_settings, CHANGED, full=False, scope=tuple(range(300, 340)))
    assert new_files(local_settings) == (3, 3)
    assert read(local_settings, "SELECT min(v), max(v), count(*) FROM {t}") == [(0, 40, 120)]
    assert counts(local_settings)[1] == 0


def test_a_model_without_scope_is_compared_whole_and_written_only_when_it_changed(
    local_settings: Settings,
) -> None:
    init_lake(local_settings)

    def build_u(rows: str, *, full: bool) -> int:
        plain = Model(
            name="gold.u",
            path=Path("u.sql"),
            sql=f"SELECT * FROM (VALUES {rows}) AS r (k, v, as_of_ts)",
        )
        with DuckDBEngine(local_settings) as engine, engine.transaction("materialize", "test"):
            engine.materialize(plain, {"full_build": full})
        con = connect_lake(local_settings, read_only=True)
        try:
            return scalar(con, f"SELECT id FROM {ALIAS}.current_snapshot()")
        finally:
            con.close()

    first = build_u("(1, 10, 1), (2, 20, 1)", full=True)
    assert build_u("(1, 10, 2), (2, 20, 2)", full=False) == first  # same rows: nothing written
    assert build_u("(1, 10, 3), (2, 21, 3)", full=False) > first
    assert read(local_settings, "SELECT k, v, as_of_ts FROM lake.gold.u ORDER BY k") == [
        (1, 10, 1),
        (2, 21, 3),
    ]


def statements_of(settings: Settings, rows: str, scope: tuple[int, ...]) -> list[str]:
    """The statements an incremental build of `rows` (scope `scope`) runs."""
    ran: list[str] = []
    with DuckDBEngine(settings) as engine, engine.transaction("materialize", "test"):
        engine.con.execute(SCOPE)
        for k in scope:
            engine.con.execute(f"INSERT INTO gold_scope_k VALUES ({k})")
        run = engine.execute

        def recorded(sql: str) -> int:
            ran.append(sql)
            return run(sql)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine, "execute", recorded)
            engine.materialize(model(rows), {"full_build": False})
    return ran


def test_an_unchanged_table_gets_no_statement_after_the_diff(local_settings: Settings) -> None:
    init_lake(local_settings)
    build(local_settings, "(1, 1, 10, 1), (2, 3, 30, 1)", full=True)
    for rows, writes in (("(1, 1, 10, 2)", False), ("(1, 1, 11, 2)", True)):
        ran = statements_of(local_settings, rows, (1,))
        written = [s for s in ran if s.startswith(("DELETE", "INSERT"))]
        assert bool(written) is writes, ran


def layout(settings: Settings) -> tuple[list[str], int]:
    con = connect_lake(settings, read_only=True)
    try:
        return partition_layout(con, "gold.t")
    finally:
        con.close()


def test_a_table_written_before_its_partitioning_is_rewritten_whole_into_partitions(
    local_settings: Settings,
) -> None:
    """Replacing a partition of a table whose files hold several partitions would delete rows
    inside those files: the first scoped write after the partitioning is set rewrites the
    table whole, into one file per partition, and the next replaces only what it touches."""
    init_lake(local_settings)
    build(local_settings, ROWS, full=True, partitioned=False)
    assert layout(local_settings) == ([], 0)
    assert counts(local_settings) == (1, 0)
    build(local_settings, CHANGED, full=False, scope=tuple(range(300, 340)))
    assert layout(local_settings) == (["p"], 0)
    assert new_files(local_settings) == (3, 3)
    assert counts(local_settings)[1] == 0
    build(
        local_settings,
        CHANGED.replace(", 2)", ", 3)").replace("(3, 300, 1", "(3, 300, 9"),
        full=False,
        scope=tuple(range(300, 340)),
    )
    assert new_files(local_settings) == (1, 3)
    assert read(local_settings, "SELECT v FROM {t} WHERE k = 300") == [(9,)]
    assert read(local_settings, "SELECT count(*) FROM {t}") == [(120,)]
