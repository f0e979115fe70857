"""Open the report in headless Chromium, offline, and check it really draws.

For every chart the rendered DOM must hold plotly's SVG (`class="main-svg"`) with drawn
traces, and the page must log nothing to the console: no script error, and no fetch blocked
by the page's Content-Security-Policy (`default-src 'none'`), which is how a URL that slipped
into the page would show up. Needs the Debian package `chromium` (`.ci/run` installs it);
without it these tests are skipped and say why.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse.config import Settings
from lakehouse.report import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian package `chromium`; .ci/run installs it when "
    "apt-get is available): the headless rendering check of the report is skipped",
)
_CONSOLE = re.compile(r":CONSOLE[:(\d)\]]+\s*(.*)$")


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]
    """Every console message the page logged (text and source)."""


def render(page: Path, profile: Path) -> Rendered:
    """Load `page` headless with the network unreachable, let scripts run, dump the DOM."""
    assert CHROMIUM is not None
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        # any request that leaves the machine fails fast instead of hanging the test
        "--proxy-server=http://127.0.0.1:9",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2000",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [m.group(1) for line in done.stderr.splitlines() if (m := _CONSOLE.search(line))]
    return Rendered(done.stdout, console)


def chart_dom(dom: str, div_id: str) -> str:
    """The rendered markup of one chart: from its div to the next chart div (or the end)."""
    start = dom.index(f'id="{div_id}"')
    following = re.compile(r'<div id="chart-[\w-]+" class="plotly-graph-div').search(dom, start)
    return dom[start : following.start() if following else len(dom)]


def test_report_renders_every_chart_without_console_errors(
    gold_settings: Settings, tmp_path: Path
) -> None:
    result = build_report(gold_settings, tmp_path / "report.html")
    rendered = render(result.path, tmp_path / "profile")
    assert rendered.console == []
    assert len(result.charts) == 8
    for div_id in result.charts:
        part = chart_dom(rendered.dom, div_id)
        assert 'class="main-svg"' in part, div_id
        # something was drawn in the plot area: bars, lines or heatmap cells
        assert re.search(r'class="(trace bars|scatterlayer|hm)', part), div_id
        assert re.search(r'class="(point|js-line|js-fill|hm)', part), div_id
    # the key figures are in the rendered page as well
    assert 'id="kpi-revenue"' in rendered.dom


def test_the_check_sees_errors_and_blocked_fetches(tmp_path: Path) -> None:
    """The harness itself: a page with a script error and a remote image must be caught."""
    from lakehouse.report.html import CSP

    page = tmp_path / "bad.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        f'content="{CSP}"></head><body><img src="https://example.org/x.png">'
        '<script>throw new Error("boom")</script></body></html>',
        encoding="utf-8",
    )
    rendered = render(page, tmp_path / "profile")
    assert any("Uncaught Error: boom" in m for m in rendered.console), rendered.console
    assert any(
        "https://example.org/x.png" in m and "Content Security Policy" in m
        for m in rendered.console
    ), rendered.console
