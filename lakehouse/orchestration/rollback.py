"""Return the lake to the state right after an earlier batch.

`rollback(settings, D)` restores every silver and gold table to the snapshot right after batch D
(`catalog.snapshot_after_batch`), in one transaction: a table is emptied and refilled from its
own rows at that snapshot (DuckLake time travel, `AT (VERSION => n)`), and a table created
after it is dropped. The result is a new snapshot, so the rolled-back batches stay readable in
the history until `lakehouse maintain` expires them. The raw batches are not touched: batches
after D are landed but no longer ingested, so `lakehouse ingest --all` (or `run`) takes them
again, with whatever rule was fixed in between. The run ledger forgets the stages after
`simulate` of the business days after D, so `lakehouse run` resumes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lakehouse.chain import STAGES
from lakehouse.config import Settings
from lakehouse.engines.duckdb import DuckDBEngine
from lakehouse.lake.catalog import ALIAS, current_snapshot, lake_tables, snapshot_after_batch
from lakehouse.lake.storage import open_storage
from lakehouse.orchestration.ledger import Ledger


@dataclass(frozen=True)
class RollbackResult:
    to_batch: date
    restored_snapshot: int
    """The snapshot whose tables the lake now holds again."""
    snapshot: int
    """The new snapshot the rollback committed (== restored_snapshot when nothing changed)."""
    restored: tuple[str, ...]
    dropped: tuple[str, ...]
    forgotten_days: tuple[date, ...]
    """Business days whose ingest, materialize and export the run ledger no longer records."""


def rollback(settings: Settings, to_batch: date) -> RollbackResult:
    """Restore silver and gold to the snapshot right after batch `to_batch` (module doc)."""
    with DuckDBEngine(settings) as engine:
        con = engine.con
        target = snapshot_after_batch(con, to_batch)
        now = set(lake_tables(con))
        then = set(lake_tables(con, at=target.id))
        restored, dropped = sorted(now & then), sorted(now - then)
        if current_snapshot(con) != target.id:
            message = f"roll back to batch {to_batch} (snapshot {target.id})"
            with engine.transaction("rollback", message) as record:
                # read every table as it was first: inside the transaction, a time-travel
                # read after the DELETE would see the deleted rows as gone
                for i, name in enumerate(restored):
                    con.execute(
                        f"CREATE TEMP TABLE restore_{i} AS "
                        f"SELECT * FROM {ALIAS}.{name} AT (VERSION => {target.id})"
                    )
                for i, name in enumerate(restored):
                    con.execute(f"DELETE FROM {ALIAS}.{name}")
                    con.execute(f"INSERT INTO {ALIAS}.{name} SELECT * FROM restore_{i}")
                for name in dropped:
                    con.execute(f"DROP TABLE {ALIAS}.{name}")
                record.info.update(batch=to_batch.isoformat(), restored_snapshot=target.id)
        snapshot = current_snapshot(con)
    forgotten = _forget_later_days(settings, to_batch)
    return RollbackResult(
        to_batch, target.id, snapshot, tuple(restored), tuple(dropped), tuple(forgotten)
    )


def _forget_later_days(settings: Settings, to_batch: date) -> list[date]:
    """Drop the run ledger's entries of the stages after `simulate` for the business days whose
    batch came after `to_batch` (business day B lands as batch B + 1)."""
    ledger = Ledger(open_storage(settings))
    later = [d for d in ledger.dates() if d + timedelta(days=1) > to_batch]
    stages = tuple(s for s in STAGES if s != "simulate")
    return [d for d in later if ledger.forget(d, stages)]
