"""The report: one self-contained HTML dashboard of the gold tables.

It gives a laptop user the picture the original project's Looker Studio dashboards gave:
key figures, monthly money, students, contractor utilization, subject demand and the
data-quality history. Numbers come from `sql/report/*.sql` over the lake's gold tables; charts
are plotly figures; the file inlines plotly.js once and fetches nothing, so it opens offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse.config import Settings
from lakehouse.lake.storage.local import write_atomic
from lakehouse.report.data import GoldReader, ReportError
from lakehouse.report.figures import as_of, key_figures
from lakehouse.report.html import assemble
from lakehouse.report.offline import external_fetches
from lakehouse.report.sections import build_sections

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


def _write_atomic(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    write_atomic(path, lambda fh: fh.write(data))
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
        sections, chart_ids = build_sections(reader)
        when = as_of(reader)
        html = assemble(
            title="Tutor Lakehouse report",
            subtitle=f"Gold tables of {settings.lake}" + (f", as of {when}." if when else "."),
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
