"""The report: one self-contained HTML dashboard of the gold tables.

It gives a laptop user the picture the original project's Looker Studio dashboards gave:
key figures, monthly money, students, contractor utilization, subject demand and the
data-quality history. Numbers come from `sql/report/*.sql` over the lake's gold tables; charts
are plotly figures; the file inlines plotly.js once and fetches nothing, so it opens offline.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse.config import Settings
from lakehouse.report import charts
from lakehouse.report.data import GoldReader, ReportError
from lakehouse.report.figures import key_figures, month_label
from lakehouse.report.html import Section, assemble, figure_div
from lakehouse.report.offline import external_fetches

DEFAULT_OUT = Path("reports/report.html")


@dataclass(frozen=True)
class ReportResult:
    path: Path
    size_bytes: int
    charts: tuple[str, ...]
    """The `id` of every chart `<div>` in the file."""
    key_figures: dict[str, Any]
    """Card key -> the unrounded value shown (None when unavailable)."""
    missing_tables: tuple[str, ...]

    def to_detail(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "size_bytes": self.size_bytes,
            "charts": list(self.charts),
            "key_figures": self.key_figures,
            "missing_tables": list(self.missing_tables),
        }


@dataclass(frozen=True)
class _Chart:
    div_id: str
    query: str
    draw: Callable[..., Any]
    source: str


def _section(
    reader: GoldReader, key: str, title: str, intro: str, specs: list[_Chart]
) -> tuple[Section, list[str]]:
    """A section with the charts whose queries can run; a notice names what is missing."""
    divs: list[str] = []
    drawn: list[str] = []
    notices: list[str] = []
    for spec in specs:
        if not reader.can_run(spec.query):
            missing = ", ".join(reader.missing_for(spec.query))
            notices.append(f"No chart: {missing} is not in the lake yet (run the pipeline).")
            continue
        rows = reader.query(spec.query)
        if not next(iter(rows.values()), []):
            notices.append(f"No chart: {spec.source} has no rows yet.")
            continue
        divs.append(figure_div(spec.draw(rows), spec.div_id))
        drawn.append(spec.div_id)
    section = Section(key, title, intro, tuple(divs), " ".join(dict.fromkeys(notices)))
    return section, drawn


def _latest_month_chart(rows: dict[str, list[Any]]) -> Any:
    return charts.utilization_latest(rows, month_label(rows["month_start"][0]))


def _sections(reader: GoldReader) -> tuple[list[Section], list[str]]:
    plan = [
        (
            "finance",
            "Revenue, contractor pay and margin",
            "Billable sessions (Completed and No-Show) priced at the student's and the "
            "contractor's rates valid at the session time; margin = revenue - contractor pay. "
            "Source: gold.monthly_revenue.",
            [_Chart("chart-finance", "finance_monthly", charts.finance, "gold.monthly_revenue")],
        ),
        (
            "students",
            "Students",
            "Students on a contractor's roster at each month end (a weekly session in the "
            "month's last 7 days) and enrollments starting in the month (first sessions and "
            "returns after more than 28 days). Sources: gold.contractor_utilization, "
            "gold.subject_demand.",
            [_Chart("chart-students", "students_monthly", charts.students, "gold.subject_demand")],
        ),
        (
            "utilization",
            "Contractor utilization",
            "Active students per contractor against the cap of 30 (a contractor is hired when "
            "every roster is full). Source: gold.contractor_utilization.",
            [
                _Chart(
                    "chart-utilization-latest",
                    "utilization_latest",
                    _latest_month_chart,
                    "gold.contractor_utilization",
                ),
                _Chart(
                    "chart-utilization-history",
                    "utilization_monthly",
                    charts.utilization_history,
                    "gold.contractor_utilization",
                ),
            ],
        ),
        (
            "subjects",
            "Subject demand",
            "Sessions of every status per month by subject; the hover shows each subject's "
            "share of the month. Source: gold.subject_demand.",
            [
                _Chart(
                    "chart-subjects",
                    "subject_monthly",
                    charts.subject_demand,
                    "gold.subject_demand",
                )
            ],
        ),
        (
            "data-quality",
            "Data quality",
            "Raw session rows sent to the error table per ingest day, by reason: repaired and "
            "kept, superseded by a later row, or rejected. The first bar is the pre-migration "
            "history. Source: gold.data_quality_daily.",
            [
                _Chart(
                    "chart-data-quality",
                    "data_quality_daily",
                    charts.data_quality,
                    "gold.data_quality_daily",
                )
            ],
        ),
    ]
    sections: list[Section] = []
    chart_ids: list[str] = []
    for key, title, intro, specs in plan:
        section, ids = _section(reader, key, title, intro, specs)
        sections.append(section)
        chart_ids += ids
    return sections, chart_ids


def _write_atomic(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(data)


def build_report(settings: Settings, out: str | Path = DEFAULT_OUT) -> ReportResult:
    """Write the HTML report of the lake's gold tables to `out` (a local file)."""
    out = Path(out)
    with GoldReader(settings) as reader:
        if not reader.present:
            raise ReportError(
                f"no gold tables in the lake {settings.lake}: run the pipeline first "
                "(`lakehouse run` or `make demo`)"
            )
        cards = key_figures(reader)
        sections, chart_ids = _sections(reader)
        as_of = next((c.note for c in cards if c.key == "active-students"), "")
        html = assemble(
            title="Tutor Lakehouse report",
            subtitle=f"Gold tables of {settings.lake}, {as_of}.",
            cards=cards,
            sections=sections,
            footer=f"Built from the gold tables in {settings.lake} by `lakehouse report`.",
        )
        missing = reader.missing
    fetches = external_fetches(html)
    if fetches:
        raise ReportError(
            "the report would load from the network: " + "; ".join(str(f) for f in fetches)
        )
    size = _write_atomic(out, html)
    return ReportResult(
        path=out.resolve(),
        size_bytes=size,
        charts=tuple(chart_ids),
        key_figures={c.key: c.value for c in cards},
        missing_tables=missing,
    )


__all__ = ["DEFAULT_OUT", "ReportError", "ReportResult", "build_report"]
