"""`kill -9` at a random moment of `lakehouse ingest --all`, then a plain rerun: the lake ends
with exactly the tables of an ingest that was never interrupted. Each ingest is one DuckLake
transaction, so a kill leaves the snapshot of the batch before, with nothing to repair. On a
folder and on S3 (moto_server); the fast lane kills a few times, the slow lane 20 and 5."""

from __future__ import annotations

import random
import shutil
import time
import uuid
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.lake.storage import init_lake, open_storage
from sim.api import simulate_day, simulate_history
from tests.conftest import s3_settings_for

from .conftest import cli, cli_ok, tables

DAYS = 3


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """History and a few days landed, nothing ingested (the lake every trial starts from)."""
    root = tmp_path_factory.mktemp("crash-raw") / "lake"
    settings = load_settings(environ={}, overrides={"lake": str(root)})
    init_lake(settings)
    simulate_history(settings, seed=3, scale=0.3)
    for _ in range(DAYS):
        simulate_day(settings)
    return root


@pytest.fixture(scope="module")
def reference(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    settings = copy_local(raw, tmp_path_factory.mktemp("crash-ref") / "lake")
    cli_ok(settings, "ingest", "--all")
    return tables(settings)


def copy_local(raw: Path, target: Path) -> Settings:
    shutil.copytree(raw, target)
    return load_settings(environ={}, overrides={"lake": str(target)})


def copy_s3(raw: Path, endpoint: str, tmp: Path) -> Settings:
    settings = s3_settings_for(endpoint, f"crash-{uuid.uuid4().hex[:10]}", tmp / "catalog.sqlite")
    init_lake(settings)
    storage = open_storage(settings)
    for path in sorted(raw.rglob("*")):
        key = path.relative_to(raw).as_posix()
        if path.is_file() and not key.startswith("_ops/lake.json"):
            storage.write_bytes(key, path.read_bytes())
    return settings


def kill_then_rerun(settings: Settings, rng: random.Random, reference: dict) -> float:
    """Kill an ingest after a random delay, rerun it plainly; return the delay."""
    process = cli(settings, "ingest", "--all")
    delay = rng.uniform(0.5, 6.0)
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.kill()
    process.wait()
    cli_ok(settings, "ingest", "--all")
    assert tables(settings) == reference, f"killed after {delay:.2f} s"
    return delay


def trials(kills: int, make: callable, reference: dict) -> None:
    rng = random.Random(20261201)
    for trial in range(kills):
        kill_then_rerun(make(trial), rng, reference)


@pytest.mark.parametrize("kills", [3, pytest.param(20, marks=pytest.mark.slow)])
def test_killed_ingest_on_a_folder_then_rerun(raw, reference, tmp_path, kills) -> None:
    trials(kills, lambda i: copy_local(raw, tmp_path / f"lake-{i}"), reference)


@pytest.mark.s3
@pytest.mark.parametrize("kills", [1, pytest.param(5, marks=pytest.mark.slow)])
def test_killed_ingest_on_s3_then_rerun(raw, reference, s3_server, tmp_path, kills) -> None:
    def make(i: int) -> Settings:
        (tmp_path / str(i)).mkdir()
        return copy_s3(raw, s3_server.endpoint, tmp_path / str(i))

    trials(kills, make, reference)
