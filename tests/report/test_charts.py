"""The chart fixes a full-page screenshot asked for: labels clear of the cap line, reasons in
words, no legend entry for a subject nobody booked, whole-number count axes on a tiny lake."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import plotly.graph_objects as go

from lakehouse.report import charts

REPORT_SQL = Path(__file__).resolve().parents[2] / "sql" / "report"
MONTHS = [dt.date(2026, 1, 1)]


def names(fig: go.Figure) -> list[str]:
    """The names of the figure's traces (its legend entries); every trace has one."""
    found = []
    for trace in fig.data:
        name = trace["name"]
        assert isinstance(name, str), trace
        found.append(name)
    return found


def test_utilization_percentages_sit_right_of_the_cap_line():
    rows: charts.Frame = {
        "tutor_label": ["Ann (#1)", "Bob (#2)", "Cy (#3)"],
        "active_students": [29, 30, 12],
        "utilization_pct": [96.7, 100.0, 40.0],
    }
    fig = charts.utilization_latest(rows, "January 2026")
    bars, labels = fig.data
    assert isinstance(bars, go.Bar) and isinstance(labels, go.Scatter)
    assert bars.text is None  # nothing drawn at the end of a bar, where the cap line is
    assert labels.mode == "text" and list(labels.text) == [
        "97% of cap",
        "100% of cap",
        "40% of cap",
    ]
    assert min(labels.x) > charts.STUDENT_CAP and min(labels.x) > max(rows["active_students"])
    assert fig.layout.xaxis.range[1] > min(labels.x)


def test_data_quality_legend_names_reasons_in_words_with_the_code_in_the_hover():
    codes = set(
        re.findall(r"'reason_code': '(\w+)'", (REPORT_SQL / "data_quality_daily.sql").read_text())
    )
    assert codes and codes <= set(charts.REASONS)
    fig = charts.data_quality(
        {
            "day": [MONTHS[0]] * 2,
            "reason_code": ["ERR_INVALID_DESCRIPTOR", "DUPLICATE_EMISSION"],
            "row_count": [3, 2],
        }
    )
    legend = names(fig)
    assert not any(name.startswith(("ERR_", "DUPLICATE")) for name in legend)
    assert "Duration missing, 1 h assumed (repaired)" in legend
    assert any("ERR_INVALID_DESCRIPTOR" in t["hovertemplate"] for t in fig.data)


def test_a_subject_nobody_booked_takes_no_legend_entry():
    fig = charts.subject_demand(
        {
            "month_start": MONTHS * 3,
            "subject_name": ["Math", "Physics", "Art"],
            "scheduled_sessions": [5, 0, 2],
            "share_pct": [71.4, 0.0, 28.6],
        }
    )
    assert names(fig) == ["Math", "Art"]


def test_small_count_axes_tick_at_whole_numbers():
    quality = charts.data_quality({"day": MONTHS, "reason_code": ["OTHER"], "row_count": [3]})
    students = charts.students(
        {"month_start": MONTHS, "new_enrollments": [2], "active_students": [3]}
    )
    demand = charts.subject_demand(
        {
            "month_start": MONTHS * 2,
            "subject_name": ["Math", "Art"],
            "scheduled_sessions": [2, 3],
            "share_pct": [40.0, 60.0],
        }
    )
    for fig in (quality, students, demand):
        assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tick0 == 0
    big = charts.data_quality({"day": MONTHS, "reason_code": ["OTHER"], "row_count": [3000]})
    assert big.layout.yaxis.dtick is None  # plotly's own whole-number steps
