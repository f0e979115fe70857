"""Lakes for the run-control tests: a small simulated history, copies of it, `lakehouse` as a
subprocess, and the contents of every table read back through `lakehouse query` (so the
comparison does not depend on how the table layer stores its files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from lakehouse.config import Settings, load_settings

SEED = 5
SCALE = 0.2
TABLES_SQL = (
    "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables "
    "WHERE table_schema IN ('silver', 'gold') ORDER BY 1"
)


def settings_for(lake: str, env: dict[str, str] | None = None) -> Settings:
    return load_settings(environ=env or {}, overrides={"lake": lake})


def make_history(settings: Settings) -> None:
    """The simulated history at SCALE, ingested into silver: where daily runs start."""
    from lakehouse.lake.storage import init_lake
    from lakehouse.orchestration.runner import FIRST_BUSINESS_DAY
    from lakehouse.silver.ingest import ingest_batch
    from sim.api import simulate_history

    init_lake(settings)
    simulate_history(settings, seed=SEED, scale=SCALE)
    ingest_batch(settings, FIRST_BUSINESS_DAY)


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `lakehouse` subprocess: no settings file, no stray settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    return {**env, "LAKEHOUSE_CONFIG": "", "COLUMNS": "160", **(extra or {})}


def lakehouse(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    """Start `lakehouse ARGS` as its own process (so it can be killed)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        env=cli_env(env),
        cwd=cwd or Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def query(lake: str, sql: str, env: dict[str, str] | None = None) -> list[dict]:
    from cli.main import app

    result = CliRunner().invoke(
        app, ["--lake", lake, "query", sql, "--format", "json", "--limit", "0"], env=cli_env(env)
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def table_contents(lake: str, env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Every silver and gold table as sorted JSON rows, read through `lakehouse query`."""
    out = {}
    for row in query(lake, TABLES_SQL, env):
        rows = query(lake, f"FROM {row['name']}", env)
        out[row["name"]] = sorted(json.dumps(r, sort_keys=True) for r in rows)
    return out
