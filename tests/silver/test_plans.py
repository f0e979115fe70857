"""The staging models' joins to silver are hash joins, whatever the batch: a join condition
on the batch's side alone (`t.file_kind = 'daily'` in a LEFT JOIN's ON) made DuckDB plan a
nested loop over the whole dimension, 11 s for one New Year's batch at scale 100."""

from __future__ import annotations

import pytest

from lakehouse.bronze.load import load_batch
from lakehouse.config import Settings
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.lake.storage import init_lake, open_storage
from lakehouse.models import get_model
from lakehouse.silver.ingest import batch_params, ingest_batch
from sim.api import simulate_day, simulate_history

LOOPS = ("NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN", "CROSS_PRODUCT")


@pytest.mark.parametrize("name", ["stg_students", "stg_tutors", "stg_feedback"])
def test_a_staging_model_joins_silver_without_a_nested_loop(local_settings: Settings, name):
    init_lake(local_settings)
    history = simulate_history(local_settings, seed=5, scale=0.1)
    ingest_batch(local_settings, history.ingest_date)
    day = simulate_day(local_settings).ingest_date
    with DuckDBEngine(local_settings) as engine:
        batch = load_batch(engine.con, open_storage(local_settings), day)
        sql = engine.render(get_model(f"silver.{name}"), batch_params(batch))
        plan = "\n".join(row[1] for row in engine.con.execute(f"EXPLAIN {sql}").fetchall())
    assert "HASH_JOIN" in plan
    assert not [op for op in LOOPS if op in plan], plan
