"""A simulated lake shared by the read-only simulator tests: the full history at scale 1
(seed 42) plus three weeks of daily batches, and helpers to read it back."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.lake.storage import Storage, open_storage
from sim import state
from sim.api import simulate_day, simulate_history
from sim.corruption import PROFILE_FIELDS

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


DELTA_KEYS = {"students": "student_id", "tutors": "tutor_id"}
DELTA_FIELDS = {
    "students": ("first_name", "last_name", "sex", "date_of_birth", "grade", "status",
                 "contract_rate", "created", "updated"),
    "tutors": ("first_name", "last_name", "sex", "date_of_birth", "contract_rate",
               "active_students", "created", "updated"),
}  # fmt: skip


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as the CSV writer spells it (times to the second, dates ISO)."""
    return frame.select(
        pl.col(c).dt.strftime("%Y-%m-%d %H:%M:%S") if dt == pl.Datetime else pl.col(c).cast(str)
        for c, dt in frame.schema.items()
    )


def delta_fates(storage: Storage, days: list[date]) -> dict[str, Counter[str]]:
    """Each landed delta row's fate, re-derived from the simulator's clean state of its day;
    fails on a row that is not its clean row changed by exactly one mode."""
    fates: dict[str, Counter[str]] = {entity: Counter() for entity in DELTA_KEYS}
    for day in days:
        for entity, key in DELTA_KEYS.items():
            raw_key = f"raw/{entity}/ingest_date={day + timedelta(days=1)}/{entity}_delta.csv"
            raw = pl.read_csv(io.BytesIO(storage.read_bytes(raw_key)), infer_schema=False)
            snap = pl.read_parquet(
                io.BytesIO(storage.read_bytes(f"{state.snapshot_prefix(day)}/{entity}.parquet"))
            )
            truth = {
                r[key]: r
                for r in as_text(snap.select(key, *DELTA_FIELDS[entity])).iter_rows(named=True)
            }
            seen: set[tuple[str | None, ...]] = set()
            for row in raw.iter_rows(named=True):
                record = tuple(row.values())
                if record in seen:
                    fates[entity]["duplicated"] += 1
                    continue
                seen.add(record)
                clean = truth[row[key]]
                inserted = clean["created"][:10] == day.isoformat()
                differs = {f for f in DELTA_FIELDS[entity] if row[f] != clean[f]}
                labelled = row["change_type"] != ("INSERT" if inserted else "UPDATE")
                if not differs and not labelled:
                    fates[entity]["clean"] += 1
                elif labelled and not differs:
                    assert inserted and row["change_type"] == "UPDATE", row
                    fates[entity]["update_before_insert"] += 1
                elif differs == {"contract_rate"}:
                    assert int(row["contract_rate"]) == 100 * int(clean["contract_rate"]), row
                    fates[entity]["rate_in_cents"] += 1
                elif differs == {"date_of_birth"} and row["date_of_birth"] is not None:
                    y, m, d = (int(p) for p in clean["date_of_birth"].split("-"))
                    assert row["date_of_birth"] == f"{m}/{d}/{y}", row
                    fates[entity]["us_date"] += 1
                else:
                    assert differs <= set(PROFILE_FIELDS) and not inserted, (row, clean)
                    assert all(row[f] is None for f in differs), row
                    fates[entity]["missing_fields"] += 1
    return fates


def read_delta(
    path: Path, key: str, profiles: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A landed delta file as written (dates of birth as text), and the rows it stands for:
    exact repeats dropped, a rate of 1,000 or more read as cents, MM/DD/YYYY dates read, an
    UPDATE of an id created that day read as its INSERT, and empty profile fields taken from
    `profiles` (the simulator's state of the day) when given."""
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
        change_type=pl.when(pl.col("created").dt.date() == pl.col("updated").dt.date())
        .then(pl.lit("INSERT"))
        .otherwise(pl.col("change_type")),
    )
    if profiles is not None:
        known = profiles.select(key, *(pl.col(f).alias(f"_{f}") for f in PROFILE_FIELDS))
        clean = (
            clean.with_columns(pl.col(f).cast(known[f"_{f}"].dtype) for f in PROFILE_FIELDS)
            .join(known, on=key, how="left", maintain_order="left")
            .with_columns(pl.coalesce(f, f"_{f}").alias(f) for f in PROFILE_FIELDS)
            .drop(f"_{f}" for f in PROFILE_FIELDS)
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
