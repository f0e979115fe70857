"""`lakehouse run` killed (SIGKILL) at random moments, again and again, then run once more
with the same plain command: it must finish with no flag (no --break-lock, no --force) and
leave exactly the tables and exports of a run that was never killed.

The moments are drawn from a seeded generator over the length of a clean run, so every part
of the day loop gets hit: the simulator between its files and its state, a stage between its
work and its ledger entry, a publish, the lock. Contents are compared through `lakehouse
query`, so the test holds whatever the table layer does underneath.
"""

from __future__ import annotations

import random
import shutil
import signal
import time
import uuid
from pathlib import Path

import pytest

from lakehouse.lake.storage import open_storage
from lakehouse.orchestration.ledger import Ledger
from tests.conftest import s3_settings_for
from tests.orchestration.lakes import lakehouse, make_history, settings_for, table_contents

FROM, TO = "2025-12-31", "2026-01-02"


def exports_of(settings) -> dict[str, bytes]:
    storage = open_storage(settings)
    return {k: storage.read_bytes(k) for k in storage.list("exports")}


def run_to_end(lake: str, env=None) -> None:
    process = lakehouse("--lake", lake, "run", "--from", FROM, "--to", TO, env=env)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, f"plain rerun failed:\n{out}\n{err}"


def kill_repeatedly(lake: str, kills: int, clean_s: float, seed: int, env=None) -> list[float]:
    """Start the run and SIGKILL it at a random moment, `kills` times; return the moments."""
    rng = random.Random(seed)
    moments: list[float] = []
    while len(moments) < kills:
        moment = rng.uniform(0.05, clean_s)
        process = lakehouse("--lake", lake, "run", "--from", FROM, "--to", TO, env=env)
        try:
            process.wait(timeout=moment)
        except Exception:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
            moments.append(moment)
            continue
        out, err = process.communicate()
        # finished before the moment: it must have succeeded, without any flag
        assert process.returncode == 0, f"run after {len(moments)} kills failed:\n{out}\n{err}"
    return moments


def _clean_seconds(lake: str, env=None) -> float:
    started = time.monotonic()
    run_to_end(lake, env)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def folder_history(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kill-history") / "lake"
    make_history(settings_for(str(root)))
    return root


def _folder_case(folder_history: Path, tmp_path: Path, kills: int, seed: int) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(folder_history, reference)
    clean_s = _clean_seconds(str(reference))
    expected = table_contents(str(reference))
    assert {"silver.fct_sessions", "gold.monthly_revenue"} <= set(expected)

    lake = tmp_path / "killed"
    shutil.copytree(folder_history, lake)
    kill_repeatedly(str(lake), kills, clean_s, seed)
    run_to_end(str(lake))
    assert table_contents(str(lake)) == expected
    assert exports_of(settings_for(str(lake))) == exports_of(settings_for(str(reference)))
    ledger = Ledger(open_storage(settings_for(str(lake))))
    assert ledger.incomplete() == []
    assert not open_storage(settings_for(str(lake))).exists("_ops/lock.json")


def test_a_few_kills_on_a_folder_lake(folder_history, tmp_path):
    _folder_case(folder_history, tmp_path, kills=3, seed=1)


@pytest.mark.slow
def test_twenty_kills_on_a_folder_lake(folder_history, tmp_path):
    _folder_case(folder_history, tmp_path, kills=20, seed=2)


@pytest.mark.slow
@pytest.mark.s3
def test_five_kills_on_s3(s3_server, tmp_path):
    def env_for(settings) -> dict[str, str]:
        return {
            "LAKEHOUSE_S3_ENDPOINT": s3_server.endpoint,
            "LAKEHOUSE_S3_ACCESS_KEY_ID": "lakehouse-test",
            "LAKEHOUSE_S3_SECRET_ACCESS_KEY": "lakehouse-test-secret",
            "LAKEHOUSE_CATALOG": settings.catalog,
        }

    lakes = {}
    for name in ("reference", "killed"):
        bucket = f"kill-{name}-{uuid.uuid4().hex[:8]}"
        settings = s3_settings_for(s3_server.endpoint, bucket, tmp_path / f"{name}.sqlite")
        make_history(settings)
        lakes[name] = (settings, env_for(settings))
    ref, ref_env = lakes["reference"]
    clean_s = _clean_seconds(ref.lake, ref_env)
    expected = table_contents(ref.lake, ref_env)

    lake, env = lakes["killed"]
    kill_repeatedly(lake.lake, 5, clean_s, seed=3, env=env)
    run_to_end(lake.lake, env)
    assert table_contents(lake.lake, env) == expected
    assert exports_of(lake) == exports_of(ref)
    assert Ledger(open_storage(lake)).incomplete() == []
