"""Read the report's numbers from gold: `gold.*` views over the lake, and the queries in
`sql/report/*.sql` run against them.

The report queries are plain DuckDB SELECTs without parameters (the report always runs in
process, whatever the pipeline's engine), so they are read and executed as written. Each
query declares which gold tables it needs; a query whose tables are missing from the lake is
not run, and the report says so where its chart would be.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.lake.catalog import open_catalog, registered_views
from lakehouse.models import SQL_DIR

if TYPE_CHECKING:
    import duckdb

Frame = dict[str, list[Any]]

GOLD_TABLES = (
    "gold.active_students",
    "gold.monthly_revenue",
    "gold.contractor_utilization",
    "gold.subject_demand",
    "gold.data_quality_daily",
)

QUERY_TABLES: dict[str, tuple[str, ...]] = {
    "key_active_students": ("gold.active_students",),
    "key_last_month": ("gold.monthly_revenue",),
    "key_utilization": ("gold.contractor_utilization",),
    "key_data_quality": ("gold.data_quality_daily",),
    "finance_monthly": ("gold.monthly_revenue",),
    "students_monthly": ("gold.contractor_utilization", "gold.subject_demand"),
    "utilization_latest": ("gold.contractor_utilization",),
    "utilization_monthly": ("gold.contractor_utilization",),
    "subject_monthly": ("gold.subject_demand",),
    "data_quality_daily": ("gold.data_quality_daily",),
}
"""Each report query (file `sql/report/<name>.sql`) and the gold tables it reads."""


class ReportError(LakehouseError):
    """The report cannot be built (no gold in the lake, a report query failed)."""


def query_path(name: str) -> Any:
    return SQL_DIR / "report" / f"{name}.sql"


def _plain(value: Any) -> Any:
    """JSON- and plotly-friendly Python values: Decimal -> float, datetimes kept as ISO text."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value


class GoldReader:
    """The lake's catalog (a DuckDB session with `gold.*` views), read by the report queries."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.con: duckdb.DuckDBPyConnection
        self.con = open_catalog(settings, layers=("gold",))
        self.present = frozenset(registered_views(self.con)) & frozenset(GOLD_TABLES)
        self.missing = tuple(t for t in GOLD_TABLES if t not in self.present)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> GoldReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def can_run(self, name: str) -> bool:
        return all(t in self.present for t in QUERY_TABLES[name])

    def missing_for(self, name: str) -> tuple[str, ...]:
        return tuple(t for t in QUERY_TABLES[name] if t not in self.present)

    def query(self, name: str) -> Frame:
        """Run `sql/report/<name>.sql`; the result as column lists."""
        import duckdb

        path = query_path(name)
        try:
            sql = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ReportError(f"cannot read report query {path}: {exc.strerror}") from None
        try:
            cursor = self.con.execute(sql)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise ReportError(
                f"report query {path} failed on {self.settings.lake}: {exc}"
            ) from None
        return {c: [_plain(r[i]) for r in rows] for i, c in enumerate(columns)}

    def one(self, name: str) -> dict[str, Any] | None:
        """The single row of a key-figure query, or None when it returned nothing."""
        frame = self.query(name)
        if not frame or not next(iter(frame.values())):
            return None
        return {c: values[0] for c, values in frame.items()}
