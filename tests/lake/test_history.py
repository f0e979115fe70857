"""The lake's history: snapshots per stage, time travel (`query --at-batch`), `rollback`,
`rebuild` (also of a lake written as plain Parquet), `maintain`. Each is compared with a lake
that was only ever ingested up to the batch in question."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.errors import LakehouseError
from lakehouse.gold.materialize import materialize
from lakehouse.lake.catalog import ALIAS, LegacyLake, connect_lake, open_catalog
from lakehouse.lake.catalog import snapshots as lake_snapshots
from lakehouse.lake.connection import scalar
from lakehouse.lake.maintenance import maintain
from lakehouse.lake.storage import init_lake, open_storage
from lakehouse.orchestration.rebuild import rebuild
from lakehouse.orchestration.rollback import rollback
from lakehouse.silver.ingest import ingest_pending, ingest_through
from sim.api import simulate_day, simulate_history

from .conftest import tables

HISTORY = date(2025, 12, 31)
DAYS = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]
"""Ingest dates of the daily batches (business days Dec 31 .. Jan 2)."""


def daily_run(settings: Settings, through: date) -> None:
    """Ingest and materialize batch by batch, as `lakehouse run` does, up to `through`."""
    for day in [HISTORY, *DAYS]:
        if day > through:
            break
        ingest_through(settings, day)
        materialize(settings, as_of=day)


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """History and three days, simulated once, as landed raw/ + sim/ folders."""
    root = tmp_path_factory.mktemp("history-raw") / "lake"
    settings = load_settings(environ={}, overrides={"lake": str(root)})
    init_lake(settings)
    simulate_history(settings, seed=11, scale=0.3)
    for _ in DAYS:
        simulate_day(settings)
    return root


def lake_from(raw: Path, target: Path, upto: date | None = None) -> Settings:
    """A new lake holding the raw batches (up to ingest date `upto`), nothing ingested."""
    shutil.copytree(raw, target)
    for partition in target.glob("raw/*/ingest_date=*"):
        if upto and date.fromisoformat(partition.name.split("=", 1)[1]) > upto:
            shutil.rmtree(partition)
    return load_settings(environ={}, overrides={"lake": str(target)})


@pytest.fixture(scope="module")
def full(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = lake_from(raw, tmp_path_factory.mktemp("full") / "lake")
    daily_run(settings, DAYS[-1])
    return settings


@pytest.fixture(scope="module")
def full_tables(full: Settings) -> dict[str, list[tuple]]:
    """The rows of `full`, read once: no test writes to that lake (they write to copies)."""
    return tables(full)


@pytest.fixture(scope="module")
def upto_day1(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    settings = lake_from(raw, tmp_path_factory.mktemp("upto") / "lake", DAYS[0])
    daily_run(settings, DAYS[0])
    return tables(settings)


def test_every_stage_is_one_snapshot_tagged_with_its_batch(full: Settings) -> None:
    con = connect_lake(full, read_only=True)
    try:
        tagged = [(s.stage, s.batch) for s in lake_snapshots(con) if s.stage]
    finally:
        con.close()
    assert tagged == [
        (stage, day) for day in [HISTORY, *DAYS] for stage in ("ingest", "materialize")
    ]


def test_at_batch_reads_the_lake_as_it_was_after_that_batch(
    full: Settings, full_tables, upto_day1
) -> None:
    assert tables(full, at_batch=DAYS[0]) == upto_day1
    assert tables(full, at_batch=DAYS[-1]) == full_tables
    with pytest.raises(LakehouseError, match="no snapshot of the lake ends with batch 2026-02-01"):
        tables(full, at_batch=date(2026, 2, 1))


def test_rollback_equals_a_lake_ingested_up_to_that_batch_and_reingests(
    full: Settings, upto_day1, tmp_path: Path
) -> None:
    lake = dataclasses.replace(full, lake=str(tmp_path / "lake"))
    shutil.copytree(full.lake, lake.lake)
    before = tables(lake)
    result = rollback(lake, DAYS[0])
    assert tables(lake) == upto_day1
    assert result.restored_snapshot < result.snapshot
    # the later batches are landed but no longer ingested: a plain ingest takes them again
    again = ingest_pending(lake)
    assert [r.ingest_date for r in again] == DAYS[1:]
    materialize(lake)
    assert tables(lake) == before
    # rolling back to where the lake already is changes nothing
    assert rollback(lake, DAYS[-1]).snapshot == rollback(lake, DAYS[-1]).restored_snapshot


def test_rebuild_from_bronze_equals_the_incremental_history(
    full: Settings, full_tables, tmp_path
) -> None:
    lake = dataclasses.replace(full, lake=str(tmp_path / "lake"))
    shutil.copytree(full.lake, lake.lake)
    result = rebuild(lake)
    assert [b.ingest_date for b in result.batches] == [HISTORY, *DAYS]
    assert len(result.dropped) == 21  # 12 silver, 9 gold
    assert tables(lake) == full_tables


def test_a_plain_parquet_lake_is_refused_until_it_is_rebuilt(
    raw: Path, full_tables, tmp_path
) -> None:
    lake = lake_from(raw, tmp_path / "lake")
    storage = open_storage(lake)
    # silver and gold as the earlier version wrote them: plain Parquet files, no catalog
    for key in (
        "silver/fct_sessions/session_month=2025-01/data_0.parquet",
        "gold/x/data_0.parquet",
    ):
        storage.write_bytes(key, b"PAR1 not a real file")
    with pytest.raises(LegacyLake, match="lakehouse rebuild"):
        open_catalog(lake)
    with pytest.raises(LegacyLake, match="lakehouse rebuild"):
        ingest_pending(lake)
    result = rebuild(lake)
    assert result.stray_files_deleted == 2
    assert not storage.exists("gold/x/data_0.parquet")
    assert tables(lake) == full_tables


def test_maintain_leaves_every_row_in_a_parquet_file(full: Settings, tmp_path: Path) -> None:
    lake = dataclasses.replace(
        full,
        lake=str(tmp_path / "lake"),
        maintain=dataclasses.replace(full.maintain, expire_older_than="0 seconds"),
    )
    shutil.copytree(full.lake, lake.lake)
    before = tables(lake)
    result = maintain(lake)
    assert result.rows_flushed > 0 and result.snapshots_left == 1
    assert tables(lake) == before
    con = connect_lake(lake, read_only=True)
    try:
        for table in before:
            layer, name = table.split(".")
            files = con.execute(
                f"SELECT data_file, delete_file FROM ducklake_list_files('{ALIAS}', ?, "
                "schema => ?)",
                [name, layer],
            ).fetchall()
            assert all(f.startswith(str(tmp_path / "lake" / layer / name)) for f, _ in files)
            on_disk = sum(
                scalar(con, f"SELECT count(*) FROM read_parquet('{f}')") for f, _ in files
            )
            deleted = sum(
                scalar(con, f"SELECT count(*) FROM read_parquet('{d}')") for _, d in files if d
            )
            assert on_disk - deleted == len(before[table]), table
            assert not any(d for _, d in files), f"{table} keeps delete files"
    finally:
        con.close()
    # time travel only reaches the snapshots that are left
    with pytest.raises(LakehouseError, match="no snapshot"):
        tables(lake, at_batch=DAYS[0])


def test_the_history_commands(full: Settings, upto_day1, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from cli.main import app

    lake = dataclasses.replace(full, lake=str(tmp_path / "lake"))
    shutil.copytree(full.lake, lake.lake)
    env = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": "", "COLUMNS": "200"}

    def run(*args: str):
        result = CliRunner().invoke(app, ["--lake", lake.lake, *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    listed = json.loads(run("snapshots", "--json", "--limit", "0"))
    assert [(s["stage"], s["batch"]) for s in listed][-2:] == [
        ("ingest", "2026-01-03"),
        ("materialize", "2026-01-03"),
    ]
    assert listed[-2]["rows"]["silver.ingest_batches"] == 5  # one per entity
    at = run(
        "query",
        "--at-batch",
        "2026-01-01",
        "-f",
        "csv",
        "SELECT count(*) AS n FROM silver.fct_sessions",
    )
    assert at.splitlines()[1] == str(len(upto_day1["silver.fct_sessions"]))
    assert "rolled back" in run("rollback", "--to-batch", "2026-01-01")
    assert tables(lake) == upto_day1
    printed = run("shell", "--print")
    assert (
        f"ATTACH 'ducklake:sqlite:{lake.lake}/_catalog/lake.sqlite' AS lake (READ_ONLY" in printed
    )
    assert printed.rstrip().endswith("USE lake;")
    assert "maintained" in run("maintain")
    assert tables(lake) == upto_day1


def test_the_printed_statements_open_the_lake_in_the_duckdb_shell(
    full: Settings, full_tables
) -> None:
    import subprocess
    import sys

    from lakehouse.lake.shell import shell_statements

    binary = Path(sys.executable).with_name("duckdb")
    if not binary.exists():
        pytest.skip("the duckdb-cli wheel's shell is not beside this interpreter")
    sql = " ".join(shell_statements(full, mask_secrets=True))
    sql += " SELECT count(*) FROM silver.fct_sessions; SELECT count(*) FROM gold.monthly_revenue;"
    out = subprocess.run(
        [str(binary), "-csv", "-noheader", "-c", sql], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    expected = full_tables
    assert out.stdout.split() == [
        str(len(expected["silver.fct_sessions"])),
        str(len(expected["gold.monthly_revenue"])),
    ]
