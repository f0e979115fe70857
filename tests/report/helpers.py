"""A small, hand-made gold layer (the gold column names of sql/gold/*.sql) for report tests,
and helpers that read what the report put in its HTML."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from lakehouse.config import Settings
from lakehouse.lake.catalog import connect_lake, write_tables
from lakehouse.lake.storage import init_lake
from lakehouse.report import build_report

SUBJECTS = {
    0: "Other",
    1: "SAT/ACT/PSAT+",
    2: "Math",
    3: "Science",
    4: "Foreign Language",
    5: "Language Arts",
    6: "Social Studies",
}
STATUSES = {0: ("Completed", True), 1: ("No-Show", True), 2: ("Cancelled", False)}
TUTORS = {
    0: ("Ada Owner", 0.0, "2025-08-01"),
    1: ("Ben Ortiz", 40.0, "2025-08-01"),
    2: ("Cy Lee", 45.0, "2025-10-01"),
    3: ("Dee Roe", 35.0, "2025-08-01"),
}
DEPARTED = {3: dt.datetime(2026, 1, 20)}
"""Tutors who left, and when: no utilization rows after that month, no roster at its end."""
MONTHS = [dt.date(2025, m, 1) for m in range(8, 13)] + [dt.date(2026, 1, 1)]
AS_OF = dt.datetime(2026, 2, 1, 1, 0, 0)
GENERATED = dt.datetime(2026, 2, 1, 1, 0, 0)
MONEY = ("revenue", "contractor_pay", "margin")


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def gold_frames(as_of: dt.datetime = AS_OF, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Seven gold tables, internally consistent enough to read like a business."""
    rng = np.random.default_rng(seed)
    months = [m for m in MONTHS if m <= as_of.date()]
    stamp = {"as_of_ts": as_of, "generated_at": GENERATED}
    revenue_rows = []
    for month in months:
        for tutor_id, (name, rate, start) in TUTORS.items():
            if month < dt.date.fromisoformat(start):
                continue
            for subject_id, subject in SUBJECTS.items():
                for status, (status_name, billable) in STATUSES.items():
                    sessions = int(rng.integers(0, 9))
                    if sessions == 0:
                        continue
                    hours = sessions * float(rng.choice([1.0, 1.5]))
                    revenue = round(hours * 100.0, 2) if billable else 0.0
                    pay = round(hours * rate, 2) if billable else 0.0
                    revenue_rows.append(
                        dict(
                            month_start=month,
                            tutor_id=tutor_id,
                            tutor_name=name,
                            subject_id=subject_id,
                            subject_name=subject,
                            status=status,
                            status_name=status_name,
                            is_billable=billable,
                            scheduled_sessions=sessions,
                            scheduled_hours=hours,
                            billable_hours=hours if billable else 0.0,
                            revenue=revenue,
                            contractor_pay=pay,
                            margin=round(revenue - pay, 2),
                            unpriced_sessions=0,
                            **stamp,
                        )
                    )
    monthly = pl.DataFrame(revenue_rows)

    util_rows = []
    for tutor_id, (name, _, start) in TUTORS.items():
        for month in months:
            if month < dt.date.fromisoformat(start):
                continue
            end = min(dt.datetime.combine(_next_month(month), dt.time()), as_of)
            left = DEPARTED.get(tutor_id)
            if left and dt.datetime.combine(month, dt.time()) >= left:
                continue
            active = int(rng.integers(0, 34))
            if left and left < end:
                active = 0
            util_rows.append(
                dict(
                    tutor_id=tutor_id,
                    tutor_name=name,
                    tutor_status="Departed" if left else "Active",
                    departed_ts=left,
                    month_start=month,
                    month_end_ts=end,
                    active_students=active,
                    student_cap=30,
                    utilization_pct=round(100 * active / 30.0, 2),
                    **stamp,
                )
            )
    utilization = pl.DataFrame(
        util_rows, schema_overrides={"departed_ts": pl.Datetime("us")}, infer_schema_length=None
    )

    by_subject = monthly.group_by("month_start", "subject_id").agg(
        pl.col("scheduled_sessions").sum()
    )
    demand = (
        pl.DataFrame(
            [
                dict(month_start=m, subject_id=s, subject_name=n)
                for m in months
                for s, n in SUBJECTS.items()
            ]
        )
        .join(by_subject, on=["month_start", "subject_id"], how="left")
        .with_columns(pl.col("scheduled_sessions").fill_null(0))
        .with_columns(
            new_enrollments=pl.Series(rng.integers(0, 6, len(months) * len(SUBJECTS))),
            scheduled_sessions_share_pct=(
                100
                * pl.col("scheduled_sessions")
                / pl.col("scheduled_sessions").sum().over("month_start")
            ).round(2),
            **{k: pl.lit(v) for k, v in stamp.items()},
        )
    )

    days = [dt.date(2025, 12, 31)] + [dt.date(2026, 1, d) for d in range(1, 11)]
    days = [d for d in days if d <= as_of.date()]
    reasons = [
        "err_invalid_descriptor",
        "err_units_range",
        "err_invalid_stamp",
        "err_missing_tutor",
        "err_missing_status",
        "duplicate_emission",
        "superseded_later_batch",
        "other_reasons",
    ]
    dq_rows = []
    for i, day in enumerate(days):
        counts = {r: int(rng.integers(0, 4)) for r in reasons}
        raw = 17 + int(rng.integers(0, 5))
        dq_rows.append(
            dict(
                ingest_date=day,
                source_batch_id=f"sim_{day}",
                raw_rows=raw,
                kept_rows=raw - 2,
                repaired_rows=3,
                superseded_rows=1,
                rejected_rows=1,
                is_reconciled=i != 3,
                err_missing_subject=0,
                err_out_of_range=0,
                err_unparseable=0,
                err_orphan_student=0,
                err_orphan_tutor=0,
                **counts,
                **stamp,
            )
        )
    quality = pl.DataFrame(dq_rows)

    active_students = pl.DataFrame(
        [
            dict(
                student_id=100 + i,
                first_name=f"S{i}",
                last_name="Doe",
                current_tutor_id=i % 3,
                lifetime_billable_sessions=10 + i,
                lifetime_cancelled_sessions=i % 2,
                **stamp,
            )
            for i in range(37)
        ]
    )
    ratings = pl.DataFrame(
        [
            dict(
                tutor_id=tutor_id,
                tutor_name=name,
                month_start=month,
                ratings=int(rng.integers(1, 20)),
                average_rating=round(float(rng.uniform(2.5, 5.0)), 2),
                **stamp,
            )
            for tutor_id, (name, _, start) in TUTORS.items()
            for month in months
            if month >= dt.date.fromisoformat(start)
        ]
    )
    scores = pl.DataFrame(
        [
            dict(
                tutor_id=tutor_id,
                tutor_name=name,
                test="SAT practice",
                students=int(rng.integers(1, 12)),
                average_baseline_score=round(float(rng.uniform(900, 1200)), 1),
                average_score_change=round(float(rng.uniform(-20, 150)), 1),
                average_sessions_between=round(float(rng.uniform(2, 12)), 1),
                **stamp,
            )
            for tutor_id, (name, _, _) in TUTORS.items()
        ]
    )
    return {
        "gold.tutor_score_improvement": scores,
        "gold.tutor_ratings": ratings,
        "gold.monthly_revenue": monthly,
        "gold.contractor_utilization": utilization,
        "gold.subject_demand": demand,
        "gold.data_quality_daily": quality,
        "gold.active_students": active_students,
    }


def write_gold(settings: Settings, frames: dict[str, pl.DataFrame]) -> None:
    """Load the frames as gold tables of the lake, in one commit (money as DECIMAL)."""
    init_lake(settings)
    queries, sources = {}, {}
    for i, (table, frame) in enumerate(frames.items()):
        sources[f"frame_{i}"] = frame.to_arrow()
        money = [c for c in MONEY if c in frame.columns]
        replace = ", ".join(f"CAST({c} AS DECIMAL(18, 2)) AS {c}" for c in money)
        star = f"* REPLACE ({replace})" if money else "*"
        queries[table] = f"SELECT {star} FROM frame_{i}"
    write_tables(settings, queries, sources=sources)


@dataclass(frozen=True)
class Chart:
    data: list[dict]
    layout: dict


def plotly_charts(html: str) -> dict[str, Chart]:
    """Every `Plotly.newPlot("id", data, layout, config)` call of the page, by div id."""
    decoder = json.JSONDecoder()
    charts = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', html):
        data, end = decoder.raw_decode(html, match.end())
        separator = re.compile(r",\s*").match(html, end)
        assert separator is not None, f"no layout after the data of chart {match.group(1)}"
        end = separator.end()
        layout, _ = decoder.raw_decode(html, end)
        charts[match.group(1)] = Chart(data, layout)
    return charts


def card_values(html: str) -> dict[str, tuple[str, str | None]]:
    """Key-figure cards: key -> (text shown, data-value)."""
    cards = {}
    pattern = re.compile(
        r'<div class="card" id="kpi-([\w-]+)" data-key="[\w-]+"(?: data-value="([^"]*)")?>'
        r'<div class="label">[^<]*</div><div class="value">([^<]*)</div>'
    )
    for key, value, text in pattern.findall(html):
        cards[key] = (text, value or None)
    return cards


def gold(settings: Settings, table: str, select: str) -> list[tuple]:
    """Run `select` with `t` bound to the gold DuckLake table, read straight from the attached
    catalog (not through the report's own session)."""
    con = connect_lake(settings, read_only=True)
    try:
        con.execute(f"CREATE TEMP VIEW t AS SELECT * FROM lake.gold.{table}")
        return con.execute(select).fetchall()
    finally:
        con.close()


def expected_cards(settings: Settings) -> dict[str, tuple[str, str]]:
    """(label, text) of every key figure, computed from gold here, formatted here."""
    (n_active,) = gold(settings, "active_students", "SELECT count(*) FROM t")[0]
    months = gold(
        settings,
        "monthly_revenue",
        "SELECT month_start, sum(revenue), sum(margin), max(as_of_ts) FROM t GROUP BY 1",
    )
    as_of = max(m[3] for m in months)

    def month_end(day: dt.date) -> dt.datetime:
        return dt.datetime(day.year + day.month // 12, day.month % 12 + 1, 1)

    complete = [m for m in months if month_end(m[0]) <= as_of]
    month, revenue, margin, _ = max(complete or months)
    label = f"{month:%B %Y}" + ("" if complete else " (to date)")
    latest = gold(
        settings,
        "contractor_utilization",
        "SELECT sum(active_students), sum(student_cap) FROM t "
        "WHERE month_start = (SELECT max(month_start) FROM t) "
        "AND (departed_ts IS NULL OR departed_ts >= month_end_ts)",
    )[0]
    batches, reconciled = gold(
        settings, "data_quality_daily", "SELECT count(*), count(*) FILTER (is_reconciled) FROM t"
    )[0]
    return {
        "active-students": ("Active students", f"{n_active:,}"),
        "revenue": (f"Revenue, {label}", f"${revenue:,.0f}"),
        "margin": (f"Margin, {label}", f"${margin:,.0f}"),
        "utilization": ("Contractor utilization", f"{100 * latest[0] / latest[1]:.1f}%"),
        "reconciled": ("Batches reconciled", f"{reconciled} / {batches}"),
    }


def build(settings: Settings, tmp_path: Path) -> str:
    result = build_report(settings, tmp_path / "out" / "report.html")
    assert result.path == (tmp_path / "out" / "report.html").resolve()
    return result.path.read_text(encoding="utf-8")


def assert_cards_match_gold(html: str, settings: Settings) -> None:
    shown = card_values(html)
    for key, (label, text) in expected_cards(settings).items():
        assert shown[key][0] == text, key
        assert f'<div class="label">{label}</div><div class="value">{text}</div>' in html
