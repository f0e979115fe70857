"""A simulated lake shared by the read-only simulator tests: the full history at scale 1
(seed 42) plus three weeks of daily batches, and helpers to read it back."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.lake.storage import Storage, open_storage
from sim import state
from sim.api import simulate_day, simulate_history

SEED = 42
DAILY_STEPS = 21
FIRST_DAY = date(2025, 12, 31)


def settings_for(path: Path) -> Settings:
    return load_settings(environ={}, overrides={"lake": str(path)})


def read_parquet(storage: Storage, key: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(storage.read_bytes(key)))


def lake_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".tmp-")
    }


def read_delta(path: Path, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A landed delta file as written (dates of birth as text), and the rows it stands for:
    exact repeats dropped, a rate of 1,000 or more read as cents, MM/DD/YYYY dates read."""
    raw = pl.read_csv(
        path,
        schema_overrides={
            key: pl.Int64,
            "date_of_birth": pl.String,
            "contract_rate": pl.Int64,
            "created": pl.Datetime,
            "updated": pl.Datetime,
        },
    )
    dob = pl.col("date_of_birth")
    clean = raw.unique(maintain_order=True).with_columns(
        contract_rate=pl.when(pl.col("contract_rate") >= 1000)
        .then(pl.col("contract_rate") // 100)
        .otherwise(pl.col("contract_rate")),
        date_of_birth=pl.coalesce(
            dob.str.to_date("%Y-%m-%d", strict=False), dob.str.to_date("%m/%d/%Y", strict=False)
        ),
    )
    return raw, clean


@dataclass
class SimLake:
    settings: Settings
    storage: Storage
    root: Path
    days: list[date]

    def pristine_sessions(self) -> pl.DataFrame:
        """Every clean session (history and daily steps), with its business day."""
        frames = [read_parquet(self.storage, state.sessions_key("history"))]
        frames += [read_parquet(self.storage, state.sessions_key(d.isoformat())) for d in self.days]
        return pl.concat(frames).sort("session_id")

    def snapshot(self, day: date, entity: str) -> pl.DataFrame:
        return read_parquet(self.storage, f"{state.snapshot_prefix(day)}/{entity}.parquet")

    def raw(self, entity: str, ingest_date: date, stem: str) -> Path:
        return self.root / f"raw/{entity}/ingest_date={ingest_date}/{stem}.csv"


@pytest.fixture(scope="session")
def sim_lake(tmp_path_factory: pytest.TempPathFactory) -> SimLake:
    root = tmp_path_factory.mktemp("sim") / "lake"
    settings = settings_for(root)
    simulate_history(settings, seed=SEED)
    days = [FIRST_DAY + timedelta(days=i) for i in range(DAILY_STEPS)]
    for day in days:
        assert simulate_day(settings).business_date == day
    return SimLake(settings, open_storage(settings), root, days)
