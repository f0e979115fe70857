"""The report opens offline: it fetches nothing and inlines plotly.js exactly once.

What "fetch" means here: what a browser loads when it opens the page (src/srcset/poster/data
attributes, every <link href>, CSS url(...) and @import, a meta refresh) and any URL in our own
inline scripts (the figure data). String literals inside the inlined plotly.js library are not
scanned: its code contains URLs (error messages, map tile styles, the geo topojson CDN) that
only features this report does not use would load; the page's Content-Security-Policy
(default-src 'none') blocks them anyway, which the Chromium test checks at run time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.report import build_report
from lakehouse.report.html import CSP
from lakehouse.report.offline import PLOTLY_SCRIPT_ID, external_fetches, is_remote
from tests.report.helpers import gold_frames, write_gold


def outside_library(html: str) -> str:
    """The page without the inlined plotly.js source: our markup, styles and figure scripts."""
    start = html.index(f'<script id="{PLOTLY_SCRIPT_ID}"')
    end = html.index("</script>", start)
    return html[:start] + html[end:]


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One report over the hand-made gold, shared by the read-only checks of this module."""
    root = tmp_path_factory.mktemp("offline")
    settings = load_settings(environ={}, overrides={"lake": str(root / "lake")})
    write_gold(settings, gold_frames())
    return build_report(settings, root / "report.html").path.read_text(encoding="utf-8")


def test_report_fetches_nothing(report_html: str) -> None:
    assert external_fetches(report_html) == []
    # No script or stylesheet is loaded from anywhere, even a relative path.
    assert not re.search(r"<script[^>]*\ssrc=", report_html, re.IGNORECASE)
    assert not re.search(r"<link\b", report_html, re.IGNORECASE)
    ours = outside_library(report_html)
    assert "@import" not in ours
    assert not re.search(r"https?://", ours), re.findall(r"https?://\S{0,60}", ours)


def test_plotly_js_is_inlined_exactly_once(report_html: str) -> None:
    from plotly.offline import get_plotlyjs_version

    assert report_html.count(f'<script id="{PLOTLY_SCRIPT_ID}"') == 1
    # The bundle's licence header appears once: the library is not repeated per chart.
    assert report_html.count(f"plotly.js v{get_plotlyjs_version()}") == 1
    assert report_html.count("Plotly.newPlot(") == 8
    assert "cdn.plot.ly" not in outside_library(report_html)


def test_report_declares_a_csp_that_forbids_fetches(report_html: str) -> None:
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in report_html
    assert "default-src 'none'" in CSP and "connect-src 'none'" in CSP


def test_no_mathjax_and_no_cloud_links(report_html: str) -> None:
    ours = outside_library(report_html)
    # to_html(include_mathjax="cdn") would add a jsdelivr mathjax@ script and MathJax config
    assert "MathJax" not in ours and "mathjax@" not in ours
    assert ours.count('"displaylogo": false') == 8
    assert ours.count('"modeBarButtonsToRemove": ["sendChartToCloud"') == 8


@pytest.mark.parametrize(
    ("snippet", "url"),
    [
        (
            '<script src="https://cdn.plot.ly/plotly-2.js"></script>',
            "https://cdn.plot.ly/plotly-2.js",
        ),
        ('<link rel="stylesheet" href="http://x.org/a.css">', "http://x.org/a.css"),
        ('<link rel="icon" href="//x.org/favicon.ico">', "//x.org/favicon.ico"),
        ('<img src="https://x.org/a.png">', "https://x.org/a.png"),
        ('<img srcset="a.png 1x, https://x.org/b.png 2x">', "https://x.org/b.png"),
        (
            "<style>@import url('https://fonts.googleapis.com/css?family=Open+Sans');</style>",
            "https://fonts.googleapis.com/css?family=Open+Sans",
        ),
        ('<style>@import "https://x.org/b.css";</style>', "https://x.org/b.css"),
        ("<style>body { background: url(https://x.org/bg.png) }</style>", "https://x.org/bg.png"),
        ("<div style=\"background-image:url('http://x.org/c.png')\"></div>", "http://x.org/c.png"),
        ('<iframe src="https://x.org/frame"></iframe>', "https://x.org/frame"),
        ('<meta http-equiv="refresh" content="0; url=https://x.org/">', "https://x.org/"),
        (
            '<script>Plotly.newPlot("c", [], {}, {"topojsonURL": "https://cdn.plot.ly/"})</script>',
            "https://cdn.plot.ly/",
        ),
    ],
)
def test_scanner_finds_each_kind_of_fetch(snippet: str, url: str) -> None:
    page = f"<!DOCTYPE html><html><head></head><body>{snippet}</body></html>"
    assert [f.url for f in external_fetches(page)] == [url]


def test_scanner_ignores_what_is_not_fetched() -> None:
    page = (
        f'<script id="{PLOTLY_SCRIPT_ID}">var u = "https://cdn.plot.ly/un/"; // https://x.org</script>'
        '<a href="https://example.org/docs">docs</a>'  # a link is followed on click, not fetched
        '<img src="data:image/png;base64,AAAA"><img src="chart.png">'
        "<style>.x { background: url(data:image/svg+xml;base64,AA) }</style>"
    )
    assert external_fetches(page) == []


def test_build_refuses_a_page_that_would_fetch(
    gold_settings: Settings, tmp_path: Path, monkeypatch
) -> None:
    from lakehouse import report
    from lakehouse.report.data import ReportError

    real = report.assemble

    def with_cdn(**kwargs):
        return real(**kwargs).replace(
            "</head>", '<script src="https://cdn.example/x.js"></script></head>'
        )

    monkeypatch.setattr(report, "assemble", with_cdn)
    with pytest.raises(ReportError, match=re.escape("https://cdn.example/x.js")):
        build_report(gold_settings, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("url", "remote"),
    [
        ("https://a.b/c", True),
        ("//a.b/c", True),
        ("HTTP://A.B", True),
        ("ftp://a.b", True),
        ("data:text/plain,x", False),
        ("blob:abc", False),
        ("#x", False),
        ("a/b.png", False),
        ("file:///tmp/x", False),
        ("javascript:void(0)", False),
    ],
)
def test_is_remote(url: str, remote: bool) -> None:
    assert is_remote(url) is remote
