"""The report's numbers are gold's numbers: every key figure and chart series is checked
against independent queries over the gold Parquet files (not the report's SQL)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from lakehouse.config import Settings
from lakehouse.lake.storage import open_storage
from lakehouse.report import build_report
from lakehouse.report.charts import REASONS
from lakehouse.report.data import ReportError
from tests.report.helpers import (
    assert_cards_match_gold,
    build,
    card_values,
    gold,
    gold_frames,
    plotly_charts,
    write_gold,
)

CHARTS = (
    "chart-finance",
    "chart-students",
    "chart-utilization-latest",
    "chart-utilization-history",
    "chart-subjects",
    "chart-data-quality",
)


def test_key_figures_equal_gold(lake_settings: Settings, tmp_path: Path) -> None:
    write_gold(lake_settings, gold_frames())
    html = build(lake_settings, tmp_path)
    assert_cards_match_gold(html, lake_settings)
    # January 2026 ended before the as-of time (2026-02-01 01:00), so it is "last month".
    assert "Revenue, January 2026<" in html


def test_last_month_is_the_latest_finished_month(local_settings: Settings, tmp_path: Path) -> None:
    write_gold(local_settings, gold_frames(as_of=dt.datetime(2026, 1, 15, 1, 0)))
    html = build(local_settings, tmp_path)
    assert_cards_match_gold(html, local_settings)
    assert "Revenue, December 2025<" in html


def test_a_month_in_progress_is_shown_to_date(local_settings: Settings, tmp_path: Path) -> None:
    frames = gold_frames(as_of=dt.datetime(2026, 1, 15, 1, 0))
    frames = {
        t: f.filter(f["month_start"] >= dt.date(2026, 1, 1)) if "month_start" in f.columns else f
        for t, f in frames.items()
    }
    write_gold(local_settings, frames)
    html = build(local_settings, tmp_path)
    assert_cards_match_gold(html, local_settings)
    assert "Margin, January 2026 (to date)<" in html


def _by(keys: list[Any], values: list[Any]) -> dict[Any, Any]:
    return dict(zip(keys, values, strict=True))


def _date(value: Any) -> str:
    return str(value)[:10]


def test_chart_series_equal_gold(gold_settings: Settings, tmp_path: Path) -> None:
    html = build(gold_settings, tmp_path)
    charts = plotly_charts(html)
    assert tuple(charts) == CHARTS

    finance = {t["name"]: _by(t["x"], t["y"]) for t in charts["chart-finance"].data}
    rows = gold(
        gold_settings,
        "monthly_revenue",
        "SELECT month_start, sum(revenue), sum(contractor_pay), sum(margin) FROM t GROUP BY 1",
    )
    assert len(rows) == 6
    for month, revenue, pay, margin in rows:
        assert finance["Revenue"][_date(month)] == pytest.approx(float(revenue))
        assert finance["Contractor pay"][_date(month)] == pytest.approx(float(pay))
        assert finance["Margin"][_date(month)] == pytest.approx(float(margin))

    students = {t["name"]: _by(t["x"], t["y"]) for t in charts["chart-students"].data}
    rosters = gold(
        gold_settings,
        "contractor_utilization",
        "SELECT month_start, sum(active_students) FROM t GROUP BY 1",
    )
    enrollments = gold(
        gold_settings,
        "subject_demand",
        "SELECT month_start, sum(new_enrollments) FROM t GROUP BY 1",
    )
    assert {_date(m): n for m, n in rosters} == students["Active students at month end"]
    assert {_date(m): n for m, n in enrollments} == students["New enrollments in the month"]

    bars, percentages = charts["chart-utilization-latest"].data
    latest = gold(
        gold_settings,
        "contractor_utilization",
        "SELECT tutor_name, active_students FROM t "
        "WHERE month_start = (SELECT max(month_start) FROM t) ORDER BY tutor_id",
    )
    assert bars["x"] == [n for _, n in latest]
    assert [label.split(" (#")[0] for label in bars["y"]] == [name for name, _ in latest]
    assert charts["chart-utilization-latest"].layout["shapes"][0]["x0"] == 30  # the cap line
    assert percentages["y"] == bars["y"] and percentages["mode"] == "text"

    (heat,) = charts["chart-utilization-history"].data
    cells = gold(
        gold_settings,
        "contractor_utilization",
        "SELECT tutor_name, month_start, utilization FROM t",
    )
    shown = {
        (t.split(" (#")[0], m): z
        for t, row in zip(heat["y"], heat["z"], strict=True)
        for m, z in zip(heat["x"], row, strict=True)
        if z is not None
    }
    assert shown == {(t, _date(m)): pytest.approx(100 * u) for t, m, u in cells}

    subjects = {t["name"]: _by(t["x"], t["y"]) for t in charts["chart-subjects"].data}
    demand = gold(
        gold_settings, "subject_demand", "SELECT subject_name, month_start, sessions FROM t"
    )
    assert {(s, _date(m)): n for s, m, n in demand} == {
        (s, m): n for s, series in subjects.items() for m, n in series.items()
    }

    quality: dict[tuple[str, str], int] = defaultdict(int)
    code_of = {words: code for code, words in REASONS.items()}
    for trace in charts["chart-data-quality"].data:
        for day, n in zip(trace["x"], trace["y"], strict=True):
            quality[(code_of[trace["name"]], day)] += n
    columns = {
        "ERR_INVALID_DESCRIPTOR": "err_invalid_descriptor",
        "ERR_MISSING_TUTOR": "err_missing_tutor",
        "DUPLICATE_EMISSION": "duplicate_emission",
        "SUPERSEDED_LATER_BATCH": "superseded_later_batch",
        "OTHER": "other_reasons",
    }
    for reason, column in columns.items():
        for day, n in gold(
            gold_settings, "data_quality_daily", f"SELECT ingest_date, {column} FROM t"
        ):
            assert quality.get((reason, _date(day)), 0) == n, (reason, day)


def test_charts_have_titles_axis_labels_and_units(gold_settings: Settings, tmp_path: Path) -> None:
    charts = plotly_charts(build(gold_settings, tmp_path))
    for div_id, chart in charts.items():
        layout = chart.layout
        assert layout["title"]["text"], div_id
        assert layout["xaxis"]["title"]["text"], div_id
        assert layout["yaxis"]["title"]["text"], div_id
    assert charts["chart-finance"].layout["yaxis"]["tickprefix"] == "$"
    assert "USD" in charts["chart-finance"].layout["yaxis"]["title"]["text"]
    assert all("%" in t["hovertemplate"] for t in charts["chart-subjects"].data)


def test_a_missing_gold_table_leaves_a_notice(local_settings: Settings, tmp_path: Path) -> None:
    frames = gold_frames()
    del frames["gold.data_quality_daily"]
    write_gold(local_settings, frames)
    result = build_report(local_settings, tmp_path / "r.html")
    html = result.path.read_text(encoding="utf-8")
    assert result.missing_tables == ("gold.data_quality_daily",)
    assert "chart-data-quality" not in result.charts and len(result.charts) == 5
    assert "No chart: gold.data_quality_daily is not in the lake yet" in html
    assert card_values(html)["reconciled"] == ("n/a", None)
    assert result.key_figures["active-students"] == 37


def test_empty_gold_tables_give_notices_not_errors(
    local_settings: Settings, tmp_path: Path
) -> None:
    write_gold(local_settings, {t: f.clear() for t, f in gold_frames().items()})
    result = build_report(local_settings, tmp_path / "r.html")
    html = result.path.read_text(encoding="utf-8")
    assert result.charts == ()
    assert "No chart: no rows yet in gold.monthly_revenue." in html
    assert card_values(html)["active-students"] == ("0", "0")
    assert card_values(html)["revenue"] == ("n/a", None)


def test_no_gold_at_all_is_a_clear_error(local_settings: Settings, tmp_path: Path) -> None:
    open_storage(local_settings).ensure()
    with pytest.raises(ReportError, match=r"no gold tables in the lake .*run the pipeline first"):
        build_report(local_settings, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
