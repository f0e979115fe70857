"""Rebuild silver and gold from bronze, from scratch: bronze is the source of truth.

`rebuild(settings)` drops every silver and gold table in one commit, deletes whatever files are
left under `silver/` and `gold/` that no snapshot needs (the plain Parquet tables of a lake
written before the lake had a catalog, say), then ingests every landed batch in order and
materializes gold, each batch its own commit, exactly as the incremental history did. So the
result equals that history, and a rebuild that is interrupted is finished by running it again
(or by `lakehouse ingest --all`). The tables as they were before stay readable by time travel
until `lakehouse maintain` expires those snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.config import Settings
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.gold.materialize import materialize
from lakehouse.lake.catalog import ALIAS, lake_tables
from lakehouse.lake.maintenance import delete_unreferenced_files
from lakehouse.lake.storage import open_storage
from lakehouse.silver.ingest import ingest_pending

if TYPE_CHECKING:
    from lakehouse.gold.materialize import MaterializeResult
    from lakehouse.silver.ingest import IngestResult


@dataclass(frozen=True)
class RebuildResult:
    dropped: tuple[str, ...]
    stray_files_deleted: int
    batches: tuple[IngestResult, ...]
    gold: MaterializeResult | None


def rebuild(settings: Settings) -> RebuildResult:
    with DuckDBEngine(settings, legacy_ok=True) as engine:
        dropped = lake_tables(engine.con)
        with engine.transaction("rebuild", "drop silver and gold to rebuild them from bronze"):
            for name in dropped:
                engine.con.execute(f"DROP TABLE {ALIAS}.{name}")
        stray = delete_unreferenced_files(engine.con, settings, grace_seconds=0)
    # the ingest journal and ledger of the plain-Parquet layout (the batch records are in the
    # lake's snapshots now)
    open_storage(settings).delete_prefix("_ops/ingest")
    batches = tuple(ingest_pending(settings))
    gold = materialize(settings) if batches else None
    return RebuildResult(tuple(dropped), stray, batches, gold)
