"""Find what a browser would fetch from the network when it opens an HTML file.

The report must open by double-click on a machine without network, so it may not load
anything from a URL: no `src=`/`href=` to a remote script, stylesheet, icon or frame, no CSS
`@import` or `url(...)` to a remote file, no meta refresh to another page.

What this does not look at: string literals inside the inlined plotly.js library. Its source
contains URLs in code (error messages, map tile styles, the topojson CDN of geo charts) that a
browser only fetches when such a feature is used; the report draws no map or geo chart and its
Content-Security-Policy (`default-src 'none'`) forbids any fetch anyway. Our own inline scripts
(the figure data) are checked: they must contain no http(s) URL at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

PLOTLY_SCRIPT_ID = "plotly-js"
"""The `id` of the one `<script>` that holds the plotly.js library (excluded from the scan)."""

_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'<>)]*", re.IGNORECASE)
_CSS_FETCH = re.compile(
    r"""url\(\s*['"]?\s*([^'")\s]+)|@import\s+(?:url\(\s*)?['"]?\s*([^'");\s]+)""",
    re.IGNORECASE,
)
_FETCH_ATTRS = {"src", "poster", "background", "data", "action", "formaction"}
"""Attributes whose URL a browser loads on open (`<link href>` is handled apart: every link
rel loads its target: stylesheet, icon, preload, manifest, ...)."""


@dataclass(frozen=True)
class Fetch:
    """One thing a browser would load from the network: where in the page, and the URL."""

    where: str
    url: str

    def __str__(self) -> str:
        return f"{self.where}: {self.url}"


def is_remote(url: str) -> bool:
    """True for absolute URLs with a network scheme and protocol-relative `//host` URLs.

    `data:`, `blob:`, `javascript:`, fragments and relative paths stay on the machine.
    """
    return bool(_REMOTE.match(url)) and not url.strip().lower().startswith("file:")


def _css_fetches(css: str, where: str) -> list[Fetch]:
    found = []
    for match in _CSS_FETCH.finditer(css):
        url = match.group(1) or match.group(2)
        if url and is_remote(url):
            found.append(Fetch(where, url))
    return found


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fetches: list[Fetch] = []
        self._in: str | None = None
        self._skip_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            where = f"<{tag} {name}>"
            if name == "srcset":
                urls = [part.split()[0] for part in value.split(",") if part.strip()]
                self.fetches += [Fetch(where, u) for u in urls if is_remote(u)]
            elif (name in _FETCH_ATTRS or (name == "href" and tag == "link")) and is_remote(value):
                self.fetches.append(Fetch(where, value))
            elif name == "style":
                self.fetches += _css_fetches(value, where)
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = values.get("content", "").partition("url=")[2]
            if is_remote(target):
                self.fetches.append(Fetch("<meta refresh>", target))
        if tag in ("style", "script"):
            self._in = tag
            self._skip_script = tag == "script" and values.get("id") == PLOTLY_SCRIPT_ID

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None
            self._skip_script = False

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.fetches += _css_fetches(data, "<style>")
        elif self._in == "script" and not self._skip_script:
            self.fetches += [Fetch("<script>", m.group(0)) for m in _URL_IN_TEXT.finditer(data)]


def external_fetches(html: str) -> list[Fetch]:
    """Every network fetch the page would trigger, by attribute, CSS or own inline script."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.fetches
