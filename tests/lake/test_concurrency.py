"""A second process reading silver and gold while `ingest --all`, `materialize` and `run` write
them sees whole snapshots only: on a folder and on S3 (moto_server), over at least 1,000 reads
(the slow lane). The fast lane runs the same loop on a folder with a smaller lake, fewer days
and 100 reads, nearly all made while the three writers write.

Before the lake had a catalog, the same loop saw duplicated session ids, files vanishing under
the reader and gold tables from different runs (the plain Parquet tables were replaced file by
file)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse.config import Settings
from lakehouse.gold.materialize import materialize
from lakehouse.lake.storage import init_lake
from lakehouse.silver.ingest import ingest_batch
from sim.api import simulate_day, simulate_history

from .conftest import cli_ok, reader_args


@dataclass(frozen=True)
class Loop:
    """How much the writers write and how many reads the reader makes at least."""

    scale: float
    landed_days: int  # simulated after the history, then ingested by `ingest --all`
    run_days: tuple[str, str]  # then simulated and processed by `run --from --to`
    min_reads: int
    max_seconds: float  # the reader's bound; 1,000 reads take minutes on a loaded machine


FULL = Loop(
    scale=0.3, landed_days=4, run_days=("2026-01-04", "2026-01-05"), min_reads=1000, max_seconds=720
)
SHORT = Loop(
    scale=0.15, landed_days=2, run_days=("2026-01-02", "2026-01-02"), min_reads=100, max_seconds=240
)
LONG = pytest.mark.timeout(FULL.max_seconds + 300)  # the writers, then the reader's bound


@pytest.mark.parametrize(
    ("backend", "loop"),
    [
        pytest.param("local", SHORT, id="local-short"),
        pytest.param("local", FULL, id="local-1000-reads", marks=[pytest.mark.slow, LONG]),
        pytest.param(
            "s3", FULL, id="s3-1000-reads", marks=[pytest.mark.s3, pytest.mark.slow, LONG]
        ),
    ],
)
def test_reads_while_ingest_materialize_and_run_write_are_whole_snapshots(
    backend: str, loop: Loop, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    lake: Settings = request.getfixturevalue(f"{backend}_settings")
    init_lake(lake)
    history = simulate_history(lake, seed=5, scale=loop.scale)
    ingest_batch(lake, history.ingest_date)
    materialize(lake)
    for _ in range(loop.landed_days):
        simulate_day(lake)

    reader = subprocess.Popen(
        reader_args(lake, tmp_path, loop.min_reads, loop.max_seconds), stderr=subprocess.PIPE
    )
    try:
        cli_ok(lake, "ingest", "--all")
        cli_ok(lake, "materialize")
        cli_ok(lake, "run", "--from", loop.run_days[0], "--to", loop.run_days[1])
    finally:
        (tmp_path / "stop").touch()
        _, errors = reader.communicate(timeout=loop.max_seconds + 60)
    assert reader.returncode == 0, errors.decode()
    result = json.loads((tmp_path / "reads.json").read_text())
    assert result["anomalies"] == []
    assert result["reads"] >= loop.min_reads
    assert result["during_writes"] > 0
