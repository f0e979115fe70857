"""Lakes for the concurrency and crash tests, and running the real CLI in another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from lakehouse.config import Settings
from tests.silver.silver_helpers import snapshot


def tables(settings: Settings, at_batch: date | None = None) -> dict[str, list[tuple]]:
    """The lake's rows, gold's build stamps left out: a lake rolled back and brought forward
    again, or rebuilt from bronze, holds the rows of the original, written by other builds."""
    return snapshot(settings, at_batch, stamps=False)


ROOT = Path(__file__).resolve().parents[2]


def overrides(settings: Settings) -> dict[str, str]:
    """The settings that name the lake, as `load_settings` overrides."""
    values = {"lake": settings.lake, "catalog": settings.catalog}
    if settings.storage == "s3":
        values |= {
            "s3.endpoint": settings.s3.endpoint,
            "s3.access_key_id": settings.s3.access_key_id,
            "s3.secret_access_key": settings.s3.secret_access_key,
            "s3.path_style": "true",
        }
    return values


def cli_env(settings: Settings) -> dict[str, str]:
    """An environment in which `lakehouse` opens this lake (and nothing else of the user's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    for name, value in overrides(settings).items():
        env["LAKEHOUSE_" + name.replace(".", "_").upper()] = str(value)
    return env | {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": ""}


def cli(settings: Settings, *args: str) -> subprocess.Popen:
    """Start `lakehouse ARGS` in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env=cli_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def cli_ok(settings: Settings, *args: str, timeout: float = 300) -> str:
    process = cli(settings, *args)
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, (
        f"lakehouse {' '.join(args)} exited {process.returncode}:\n{output}"
    )
    return output


def reader_args(settings: Settings, tmp: Path, min_reads: int, seconds: float) -> list[str]:
    config = tmp / "reader-settings.json"
    config.write_text(json.dumps(overrides(settings)))
    return [
        sys.executable, str(ROOT / "tests" / "lake" / "reader.py"), str(config),
        str(tmp / "stop"), str(tmp / "reads.json"), str(min_reads), str(seconds),
    ]  # fmt: skip
