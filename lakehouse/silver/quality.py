"""`lakehouse check`: data-quality checks over silver, stored under `_ops/dq/`.

Each check is a query in `sql/checks/` that returns the rows that break a rule (none when the
rule holds): reconciliation of every batch, fact rows against their dimensions, one current
version per id, SCD2 windows without overlap or gap, unique keys, the fact's own value rules.
The raw files are recounted in Python, so the reconciliation compares with what bronze holds
now. Every check reads the same snapshot of the lake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from lakehouse.bronze.files import ENTITIES
from lakehouse.bronze.load import load_batch
from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.lake.catalog import open_catalog, registered_views
from lakehouse.lake.connection import scalar
from lakehouse.lake.storage import Storage, open_storage
from lakehouse.models import SQL_DIR
from lakehouse.models.contracts import SILVER_SCHEMAS, create_empty
from lakehouse.silver.ingest import ingested_days

if TYPE_CHECKING:
    import duckdb

CHECKS_DIR = SQL_DIR / "checks"
DQ_PREFIX = "_ops/dq"
SHOWN_ROWS = 20


@dataclass(frozen=True)
class CheckResult:
    check: str
    description: str
    failing_rows: int
    columns: tuple[str, ...] = ()
    sample: tuple[tuple[Any, ...], ...] = ()
    """Up to SHOWN_ROWS failing rows."""

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0

    def to_detail(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": "pass" if self.passed else "FAIL",
            "failing_rows": self.failing_rows,
            "description": self.description,
            "sample": [
                dict(zip(self.columns, map(_jsonable, row), strict=True)) for row in self.sample
            ],
        }


@dataclass(frozen=True)
class QualityReport:
    as_of: date | None
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_detail(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "passed": self.passed,
            "checks": [c.to_detail() for c in self.checks],
        }


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def _description(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.lstrip("- ").rstrip())
    text = " ".join(lines).split(":", 1)[-1].strip()
    return text.split(". ", 1)[0].rstrip(".")


def _raw_counts(con: duckdb.DuckDBPyConnection, storage: Storage, days: list[date]) -> None:
    """bronze.raw_counts: rows per batch and entity in the raw files as they are now."""
    rows = []
    for day in days:
        try:
            load_batch(con, storage, day)
        except LakehouseError:
            continue  # a batch whose files vanished or broke: its recount stays missing
        for entity in ENTITIES:
            rows.append((day, entity, int(scalar(con, f"SELECT count(*) FROM bronze.{entity}"))))
    con.execute("CREATE SCHEMA IF NOT EXISTS bronze")
    con.execute(
        "CREATE OR REPLACE TABLE bronze.raw_counts "
        "(ingest_date DATE, entity VARCHAR, raw_rows BIGINT)"
    )
    if rows:
        con.executemany("INSERT INTO bronze.raw_counts VALUES (?, ?, ?)", rows)


def _run_query(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> CheckResult:
    rel = con.execute(sql)
    columns = tuple(d[0] for d in rel.description)
    rows = rel.fetchall()
    return CheckResult(name, _description(sql), len(rows), columns, tuple(rows[:SHOWN_ROWS]))


def run_checks(settings: Settings, store_result: bool = True) -> QualityReport:
    """Run every check; store the report as `_ops/dq/ingest_date=<latest batch>.json`."""
    storage = open_storage(settings)
    con = open_catalog(settings, ("silver",))
    try:
        present = registered_views(con)
        committed = sorted(ingested_days(con)) if present else []
        for table in SILVER_SCHEMAS:
            if table not in present:
                create_empty(con, table, table)
        con.execute("SET preserve_insertion_order = true")
        _raw_counts(con, storage, committed)
        results = [
            _run_query(con, path.stem, path.read_text(encoding="utf-8"))
            for path in sorted(CHECKS_DIR.glob("*.sql"))
        ]
    finally:
        con.close()
    report = QualityReport(committed[-1] if committed else None, tuple(results))
    if store_result:
        name = report.as_of.isoformat() if report.as_of else "none"
        storage.write_text(
            f"{DQ_PREFIX}/ingest_date={name}.json",
            json.dumps(report.to_detail(), indent=1, default=str),
        )
    return report
