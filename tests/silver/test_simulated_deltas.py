"""The simulator's delta corruption modes, row by row, through silver: a scenario corrupting
60% of the student and tutor delta rows over the price step (2026-01-01 reprices every active
student), each landed row compared with the simulator's clean state of that day (its
snapshot), and each repaired, superseded or flagged in silver with its reason, so that the
dimensions end up holding the clean values."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.lake.storage import init_lake, open_storage
from lakehouse.silver.ingest import ingest_pending
from lakehouse.silver.quality import run_checks
from sim import state
from sim.api import simulate_day, simulate_history
from tests.silver.silver_helpers import rows
from tests.sim.conftest import DELTA_FIELDS, DELTA_KEYS, as_text, delta_fates

HISTORY_END = date(2025, 12, 29)
DAYS = [HISTORY_END + timedelta(days=i) for i in range(1, 7)]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root: Path = tmp_path_factory.mktemp("deltas")
    scenario = root / "messy.toml"
    scenario.write_text("[corruption]\ndelta_rate = 0.6\n", encoding="utf-8")
    settings = load_settings(environ={}, overrides={"lake": str(root / "lake")})
    init_lake(settings)
    simulate_history(settings, seed=11, until=HISTORY_END, scenario=scenario)
    for day in DAYS:
        simulate_day(settings, day)
    ingest_pending(settings)
    return settings


def test_each_landed_delta_row_is_its_clean_row_with_at_most_one_mode(lake: Settings):
    fates = delta_fates(open_storage(lake), DAYS)
    total = fates["students"] + fates["tutors"]
    modes = ("rate_in_cents", "us_date", "duplicated", "missing_fields", "update_before_insert")
    assert all(total[mode] >= 1 for mode in modes), total
    assert total["clean"] > 100  # the price step's repricing alone touches hundreds of rows


def test_silver_repairs_every_mode_back_to_the_clean_values(lake: Settings):
    fates = delta_fates(open_storage(lake), DAYS)
    audited = Counter(
        (e["entity"], e["reason_code"], e["action"]) for e in rows(lake, "silver.err_dimensions")
    )
    for entity, fate in fates.items():
        assert audited[(entity, "ERR_RATE_UNITS", "repaired")] == fate["rate_in_cents"]
        assert audited[(entity, "ERR_MALFORMED_DATE", "repaired")] == fate["us_date"]
        assert audited[(entity, "DUPLICATE_EMISSION", "superseded")] == fate["duplicated"]
        assert audited[(entity, "ERR_MISSING_FIELD", "repaired")] == fate["missing_fields"]
        assert (
            audited[(entity, "ERR_UPDATE_BEFORE_INSERT", "repaired")]
            == fate["update_before_insert"]
        )
        assert audited[(entity, "ERR_MISSING_FIELD", "flagged")] == 0
    # the dimensions hold the simulator's clean values of the last day, field for field
    storage = open_storage(lake)
    for entity, key in DELTA_KEYS.items():
        snap = pl.read_parquet(
            io.BytesIO(storage.read_bytes(f"{state.snapshot_prefix(DAYS[-1])}/{entity}.parquet"))
        )
        fields = [f for f in DELTA_FIELDS[entity] if f not in ("created", "updated")]
        want = as_text(snap.select(key, *fields)).sort(key)
        current = pl.DataFrame(rows(lake, f"silver.dim_{entity}", where="is_current"))
        got = as_text(current.select(key, *fields)).sort(key)
        got = got.with_columns(pl.col("contract_rate").str.replace(r"\.0$", ""))
        assert got.equals(want), entity
        # an INSERT that arrived as an UPDATE still opens its id's first version at created
        first = current.filter(pl.col("change_type") == "INSERT")
        assert (first["effective_start_ts"] == first["created_ts"]).all()
    report = run_checks(lake, store_result=False)
    assert report.passed, [c.to_detail() for c in report.checks if not c.passed]
