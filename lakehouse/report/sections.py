"""The report's sections, top to bottom: what each shows, which query feeds which chart.

A chart whose gold tables are missing, or whose query returns no rows, is replaced by a
notice saying so; the rest of the report is still built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lakehouse.report import charts
from lakehouse.report.data import QUERY_TABLES, Frame, GoldReader
from lakehouse.report.figures import month_label
from lakehouse.report.html import Section, figure_div


@dataclass(frozen=True)
class ChartSpec:
    div_id: str
    query: str
    """`sql/report/<query>.sql`, whose rows `draw` turns into a figure."""
    draw: Callable[[Frame], Any]


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    intro: str
    charts: tuple[ChartSpec, ...]


def _utilization_latest(rows: Frame) -> Any:
    return charts.utilization_latest(rows, month_label(rows["month_start"][0]))


SECTIONS = (
    SectionSpec(
        "finance",
        "Revenue, contractor pay and margin",
        "Billable sessions (Completed and No-Show) priced at the student's and the "
        "contractor's rates valid at the session time; margin = revenue - contractor pay. "
        "Source: gold.monthly_revenue.",
        (ChartSpec("chart-finance", "finance_monthly", charts.finance),),
    ),
    SectionSpec(
        "students",
        "Students",
        "Students on a contractor's roster at each month end (a weekly session in the month's "
        "last 7 days) and enrollments starting in the month (first sessions and returns after "
        "more than 28 days). Sources: gold.contractor_utilization, gold.subject_demand.",
        (ChartSpec("chart-students", "students_monthly", charts.students),),
    ),
    SectionSpec(
        "utilization",
        "Contractor utilization",
        "Active students per contractor against the cap of 30 (a contractor is hired when "
        "every roster is full). Source: gold.contractor_utilization.",
        (
            ChartSpec("chart-utilization-latest", "utilization_latest", _utilization_latest),
            ChartSpec(
                "chart-utilization-history", "utilization_monthly", charts.utilization_history
            ),
        ),
    ),
    SectionSpec(
        "subjects",
        "Subject demand",
        "Sessions of every status per month by subject; the hover shows each subject's share "
        "of the month. Source: gold.subject_demand.",
        (ChartSpec("chart-subjects", "subject_monthly", charts.subject_demand),),
    ),
    SectionSpec(
        "ratings",
        "Tutor ratings",
        "Clients' ratings (1-5) of completed sessions, averaged per tutor and month of the "
        "session (a rating submitted again counts once, at its latest value). Source: "
        "gold.tutor_ratings.",
        (ChartSpec("chart-ratings", "ratings_monthly", charts.ratings_history),),
    ),
    SectionSpec(
        "test-scores",
        "Test scores",
        "Test-prep students' SAT practice scores: the change from each student's first score "
        "(baseline) to their latest, averaged over the students of each tutor (the tutor of "
        "the student's latest session before the latest test; students with two tests or "
        "more). Sources: gold.tutor_score_improvement, gold.student_score_improvement.",
        (ChartSpec("chart-scores", "score_improvement", charts.score_improvement),),
    ),
    SectionSpec(
        "data-quality",
        "Data quality",
        "Raw session rows with an audit row (silver.err_sessions) per ingest day, by reason: "
        "repaired and kept, flagged, superseded by another row, or rejected. Source: "
        "gold.data_quality_daily.",
        (ChartSpec("chart-data-quality", "data_quality_daily", charts.data_quality),),
    ),
)


def build_section(reader: GoldReader, spec: SectionSpec) -> tuple[Section, list[str]]:
    """The section with every chart that can be drawn, and the ids of those charts."""
    divs: list[str] = []
    drawn: list[str] = []
    notices: list[str] = []
    for chart in spec.charts:
        tables = ", ".join(QUERY_TABLES[chart.query])
        if not reader.can_run(chart.query):
            missing = ", ".join(reader.missing_for(chart.query))
            notices.append(f"No chart: {missing} is not in the lake yet (run the pipeline).")
            continue
        rows = reader.query(chart.query)
        if not next(iter(rows.values()), []):
            notices.append(f"No chart: no rows yet in {tables}.")
            continue
        divs.append(figure_div(chart.draw(rows), chart.div_id))
        drawn.append(chart.div_id)
    notice = " ".join(dict.fromkeys(notices))
    return Section(spec.key, spec.title, spec.intro, tuple(divs), notice), drawn


def build_sections(reader: GoldReader) -> tuple[list[Section], list[str]]:
    sections: list[Section] = []
    chart_ids: list[str] = []
    for spec in SECTIONS:
        section, ids = build_section(reader, spec)
        sections.append(section)
        chart_ids += ids
    return sections, chart_ids
