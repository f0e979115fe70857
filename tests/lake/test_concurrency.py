"""A second process reading silver and gold while `ingest --all`, `materialize` and `run` write
them sees whole snapshots only: on a folder and on S3 (moto_server), over at least 1,000 reads.

Before the lake had a catalog, the same loop saw duplicated session ids, files vanishing under
the reader and gold tables from different runs (the plain Parquet tables were replaced file by
file)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lakehouse.config import Settings
from lakehouse.gold.materialize import materialize
from lakehouse.lake.storage import init_lake
from lakehouse.silver.ingest import ingest_batch
from sim.api import simulate_day, simulate_history

from .conftest import cli_ok, reader_args

MIN_READS = 1000
LANDED_DAYS = 4
RUN_DAYS = ("2026-01-04", "2026-01-05")


@pytest.mark.parametrize(
    "backend", ["local", pytest.param("s3", marks=[pytest.mark.s3, pytest.mark.slow])]
)
def test_reads_while_ingest_materialize_and_run_write_are_whole_snapshots(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    lake: Settings = request.getfixturevalue(f"{backend}_settings")
    init_lake(lake)
    history = simulate_history(lake, seed=5, scale=0.3)
    ingest_batch(lake, history.ingest_date)
    materialize(lake)
    for _ in range(LANDED_DAYS):
        simulate_day(lake)

    reader = subprocess.Popen(reader_args(lake, tmp_path, MIN_READS, 240), stderr=subprocess.PIPE)
    try:
        cli_ok(lake, "ingest", "--all")
        cli_ok(lake, "materialize")
        cli_ok(lake, "run", "--from", RUN_DAYS[0], "--to", RUN_DAYS[1])
    finally:
        (tmp_path / "stop").touch()
        _, errors = reader.communicate(timeout=300)
    assert reader.returncode == 0, errors.decode()
    result = json.loads((tmp_path / "reads.json").read_text())
    assert result["anomalies"] == []
    assert result["reads"] >= MIN_READS
    assert result["during_writes"] > 0
