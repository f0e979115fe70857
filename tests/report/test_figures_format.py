"""How key figures are written on the cards."""

from __future__ import annotations

import datetime as dt

import pytest

from lakehouse.report.figures import count, money, month_label, percent


@pytest.mark.parametrize(
    ("value", "text"),
    [(208560.0, "$208,560"), (0.4, "$0"), (-0.4, "$0"), (-1234.6, "-$1,235"), (999.5, "$1,000")],
)
def test_money_in_whole_dollars(value: float, text: str) -> None:
    assert money(value) == text


def test_percent_count_and_month() -> None:
    assert percent(97.9166) == "97.9%"
    assert count(12345) == "12,345"
    assert month_label(dt.date(2026, 1, 1)) == "January 2026"
    assert month_label("2025-12-01") == "December 2025"
