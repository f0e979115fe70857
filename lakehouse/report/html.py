"""Assemble the report: one HTML file with plotly.js inlined once, key-figure cards, sections.

The file must open by double-click with no network: plotly.js goes into the head as an inline
`<script>` (about 4.8 MB, once), each chart is a `<div>` plus a small inline script with its
data, styles are inline, fonts are the system's. A Content-Security-Policy with
`default-src 'none'` makes the browser refuse any fetch that slipped in, and turns it into a
console error the headless-browser test sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from lakehouse.report.offline import PLOTLY_SCRIPT_ID

if TYPE_CHECKING:
    import plotly.graph_objects as go

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'"
)
"""Inline scripts and styles only; plotly.js needs eval for some trace types and draws
icons and exports through data:/blob: URLs."""

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "topojsonURL": "",
    "modeBarButtonsToRemove": ["sendChartToCloud", "lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
"""No plotly logo link, no "Share chart" upload to Plotly Cloud, no topojson CDN (there is no
geo chart), no selection tools (nothing to select for); PNG download stays (it is local)."""

CHART_HEIGHT = 440

_CSS = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --bg: #f5f7fa; --accent: #2f6fde; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica,
  Arial, sans-serif; color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 6px; }
.subtitle, .intro, footer { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr));
  gap: 14px; margin: 20px 0 8px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card .label { font-size: 13px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; }
.card .value { font-size: 28px; font-weight: 650; color: var(--accent); margin: 2px 0; }
.card .note { font-size: 13px; color: var(--muted); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 18px 20px; margin: 18px 0; }
.chart { min-height: 200px; }
.notice { padding: 12px 14px; background: #fff8e1; border: 1px solid #f0d98c;
  border-radius: 6px; }
footer { font-size: 13px; padding-bottom: 32px; }
"""


@dataclass(frozen=True)
class Card:
    """A key figure: machine-readable value (in `data-value`) and the text shown."""

    key: str
    label: str
    text: str
    value: float | int | None
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A titled block of the report: an intro sentence, charts, or a notice why there are none."""

    key: str
    title: str
    intro: str
    charts: tuple[str, ...] = field(default=())
    notice: str = ""


def figure_div(fig: go.Figure, div_id: str, height: int = CHART_HEIGHT) -> str:
    """One chart as a `<div>` and its inline data script, without the library."""
    import plotly.io as pio

    return pio.to_html(
        fig,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id=div_id,
        config=PLOTLY_CONFIG,
        default_height=f"{height}px",
        default_width="100%",
        validate=True,
    )


def plotly_library() -> tuple[str, str]:
    """The plotly.js bundle shipped with the plotly package, and its version."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    js = get_plotlyjs()
    # An inline script ends at the first "</script"; the bundle has none today, guard anyway.
    return js.replace("</script", "<\\/script"), get_plotlyjs_version()


def _card(card: Card) -> str:
    value = "" if card.value is None else f' data-value="{escape(str(card.value))}"'
    note = f'<div class="note">{escape(card.note)}</div>' if card.note else ""
    return (
        f'<div class="card" id="kpi-{escape(card.key)}" data-key="{escape(card.key)}"{value}>'
        f'<div class="label">{escape(card.label)}</div>'
        f'<div class="value">{escape(card.text)}</div>{note}</div>'
    )


def _section(section: Section) -> str:
    body = "".join(f'<div class="chart">{chart}</div>' for chart in section.charts)
    if section.notice:
        body += f'<p class="notice">{escape(section.notice)}</p>'
    return (
        f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>'
        f'<p class="intro">{escape(section.intro)}</p>{body}</section>'
    )


def assemble(
    *,
    title: str,
    subtitle: str,
    cards: list[Card],
    sections: list[Section],
    footer: str,
) -> str:
    """The whole report as one self-contained HTML document."""
    js, version = plotly_library()
    cards_html = "".join(_card(c) for c in cards)
    sections_html = "\n".join(_section(s) for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n"
        f'<script id="{PLOTLY_SCRIPT_ID}" data-version="{escape(version)}">{js}</script>\n'
        "</head>\n<body>\n"
        f'<header><h1>{escape(title)}</h1><p class="subtitle">{escape(subtitle)}</p></header>\n'
        f'<main>\n<div class="cards" id="key-figures">{cards_html}</div>\n'
        f"{sections_html}\n</main>\n"
        f"<footer>{escape(footer)} Charts drawn with plotly.js {escape(version)}, "
        "inlined in this file (works offline).</footer>\n"
        "</body>\n</html>\n"
    )
