"""Key figures at the top of the report: each card is one `sql/report/key_*.sql` row, formatted.

Money is shown in whole US dollars, shares with one decimal, counts with thousands
separators; the unrounded value travels in the card's `data-value` attribute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lakehouse.report.data import GoldReader
from lakehouse.report.html import Card


def money(value: float) -> str:
    """`$12,345` (whole dollars; the sign in front: `-$1,234`)."""
    sign = "-" if round(value) < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def percent(value: float) -> str:
    return f"{value:.1f}%"


def count(value: int) -> str:
    return f"{int(value):,}"


def month_label(month_start: dt.date | str) -> str:
    """`January 2026`."""
    day = month_start if isinstance(month_start, dt.date) else dt.date.fromisoformat(month_start)
    return f"{day:%B %Y}"


def _day(value: Any) -> str:
    """The date part of a timestamp or date value as ISO text."""
    return str(value)[:10]


def _unavailable(key: str, label: str, reader: GoldReader, query: str) -> Card:
    missing = ", ".join(reader.missing_for(query))
    return Card(key, label, "n/a", None, f"{missing} is not in the lake yet")


def _empty(key: str, label: str, table: str) -> Card:
    return Card(key, label, "n/a", None, f"{table} has no rows yet")


def active_students(reader: GoldReader) -> Card:
    label = "Active students"
    if not reader.can_run("key_active_students"):
        return _unavailable("active-students", label, reader, "key_active_students")
    row = reader.one("key_active_students")
    assert row is not None  # an aggregate without GROUP BY always returns one row
    note = (
        f"profile status Active, as of {row['as_of_ts']}"
        if row["as_of_ts"]
        else "gold.active_students is empty"
    )
    n = int(row["active_students"])
    return Card("active-students", label, count(n), n, note)


def last_month(reader: GoldReader) -> list[Card]:
    """Revenue and margin of the latest finished month."""
    if not reader.can_run("key_last_month"):
        return [
            _unavailable("revenue", "Revenue, last month", reader, "key_last_month"),
            _unavailable("margin", "Margin, last month", reader, "key_last_month"),
        ]
    row = reader.one("key_last_month")
    if row is None:
        return [
            _empty("revenue", "Revenue, last month", "gold.monthly_revenue"),
            _empty("margin", "Margin, last month", "gold.monthly_revenue"),
        ]
    month = month_label(row["month_start"]) + ("" if row["is_complete"] else " (to date)")
    revenue = Card(
        "revenue",
        f"Revenue, {month}",
        money(row["revenue"]),
        row["revenue"],
        f"{count(row['billable_sessions'])} billable sessions, {row['billable_hours']:,.1f} hours",
    )
    share = "n/a" if row["margin_pct"] is None else percent(row["margin_pct"])
    margin = Card(
        "margin",
        f"Margin, {month}",
        money(row["margin"]),
        row["margin"],
        f"{share} of revenue; contractor pay {money(row['contractor_pay'])}",
    )
    return [revenue, margin]


def utilization(reader: GoldReader) -> Card:
    label = "Contractor utilization"
    if not reader.can_run("key_utilization"):
        return _unavailable("utilization", label, reader, "key_utilization")
    row = reader.one("key_utilization")
    if row is None or row["utilization_pct"] is None:
        return _empty("utilization", label, "gold.contractor_utilization")
    return Card(
        "utilization",
        label,
        percent(row["utilization_pct"]),
        row["utilization_pct"],
        f"{count(row['active_students'])} students on {count(row['tutors'])} contractors' "
        f"rosters (cap {int(row['capacity']) // max(int(row['tutors']), 1)} each), "
        f"{_day(row['month_end_ts'])}",
    )


def data_quality(reader: GoldReader) -> Card:
    label = "Batches reconciled"
    if not reader.can_run("key_data_quality"):
        return _unavailable("reconciled", label, reader, "key_data_quality")
    row = reader.one("key_data_quality")
    if row is None or not row["batches"]:
        return _empty("reconciled", label, "gold.data_quality_daily")
    return Card(
        "reconciled",
        label,
        f"{count(row['reconciled_batches'])} / {count(row['batches'])}",
        row["reconciled_batches"],
        f"latest batch {_day(row['latest_ingest_date'])}: "
        f"{count(row['latest_raw_rows'])} raw rows, "
        f"{count(row['latest_repaired_rows'])} repaired, "
        f"{count(row['latest_superseded_rows'])} superseded, "
        f"{count(row['latest_rejected_rows'])} rejected",
    )


def as_of(reader: GoldReader) -> str | None:
    """Gold's as-of time (the end of the latest ingested business day), when known."""
    if not reader.can_run("key_active_students"):
        return None
    row = reader.one("key_active_students")
    return None if row is None or row["as_of_ts"] is None else str(row["as_of_ts"])


def key_figures(reader: GoldReader) -> list[Card]:
    return [active_students(reader), *last_month(reader), utilization(reader), data_quality(reader)]
