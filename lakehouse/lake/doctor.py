"""End-to-end check of a lake: storage answers, and DuckDB reads what storage wrote."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lakehouse.config import Settings
from lakehouse.errors import EngineError
from lakehouse.lake.connection import connect, scalar
from lakehouse.lake.storage import open_storage


@dataclass(frozen=True)
class LakeCheck:
    storage: str
    engine_read_rows: int


def check_lake(settings: Settings) -> LakeCheck:
    """Write a probe CSV through storage, read it back with DuckDB, delete it."""
    import duckdb

    storage = open_storage(settings)
    storage.check()
    key = f"_ops/probe/{uuid.uuid4().hex}.csv"
    storage.write_text(key, "probe\n1\n2\n")
    try:
        con = connect(settings)
        try:
            rows = scalar(con, "SELECT count(*) FROM read_csv(?)", [storage.uri(key)])
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB cannot read {storage.uri(key)}: {exc}") from None
        finally:
            con.close()
    finally:
        storage.delete([key])
    return LakeCheck(storage=storage.uri(), engine_read_rows=rows)
