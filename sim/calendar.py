"""Dates and the business calendar of the simulation.

Days are integers (days since 1970-01-01) and stamps are integers (seconds since 1970-01-01)
so that whole populations can be handled as numpy arrays; these helpers convert both ways.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np

SIM_START = date(2021, 8, 24)
"""The business opens: the owner and the first cohort of students."""
SIM_END = date(2027, 12, 31)
"""End of the growth curve: progress reaches 1 here and stays there."""
HISTORY_END = date(2025, 12, 30)
"""Last business day of the pre-migration history (landed at ingest_date 2025-12-31)."""
OPENING_DAYS = 6
"""First sessions of the opening cohort are spread over this many days."""
FIRST_SIGNUP_DAY = SIM_START + timedelta(days=7)
"""The daily process (sign-ups, weekly sessions, churn) starts after the opening week."""

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
DAY_SECONDS = 86_400
HOUR_SECONDS = 3_600


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return d.toordinal() - _EPOCH_ORDINAL


def day_date(n: int) -> date:
    return date.fromordinal(int(n) + _EPOCH_ORDINAL)


def season_of(d: date) -> str:
    """fall = Sep-Nov, summer = Jun-Aug, spring = the rest (as the original)."""
    if d.month in (9, 10, 11):
        return "fall"
    if d.month in (6, 7, 8):
        return "summer"
    return "spring"


def progress(d: date) -> float:
    """Share of the growth curve elapsed on day `d`, clipped to [0, 1]."""
    p = (d - SIM_START).days / (SIM_END - SIM_START).days
    return min(1.0, max(0.0, p))


def days_of(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Vectorized date(year, month, day) as day numbers (day must exist in that month)."""
    months = (np.asarray(year, np.int64) - 1970) * 12 + (np.asarray(month, np.int64) - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + np.asarray(day, np.int64) - 1


def year_of(days: np.ndarray) -> np.ndarray:
    return (
        np.asarray(days, np.int64).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
        + 1970
    )


def month_of(days: np.ndarray) -> np.ndarray:
    months = np.asarray(days, np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return months.astype(np.int64) % 12 + 1


def school_year_end(
    start: np.ndarray, cutoff_month: np.ndarray, cutoff_day: np.ndarray
) -> np.ndarray:
    """End of the school year a student starting on day `start` is in.

    The student's school year ends on (cutoff_month, cutoff_day) in May or June. Starting on or
    before this year's cutoff means this school year; starting after it (summer, fall) means the
    school year that ends next calendar year. The original compared against the cutoff of the
    *current calendar year* instead, so anyone starting Jul-Dec quit after one session.
    """
    year = year_of(start)
    this_year = days_of(year, cutoff_month, cutoff_day)
    return np.where(start <= this_year, this_year, days_of(year + 1, cutoff_month, cutoff_day))


@cache
def official_test_dates(months: tuple[int, ...]) -> np.ndarray:
    """Day numbers of the official test dates, the first Saturday of each of `months`, over
    every year the simulation can reach (sorted)."""
    days = []
    for year in range(SIM_START.year, SIM_END.year + 10):
        for month in sorted(months):
            first = date(year, month, 1)
            days.append(day_number(first + timedelta(days=(5 - first.weekday()) % 7)))
    return np.array(days, np.int64)


def semester_end(start: np.ndarray, ends: tuple[tuple[int, int], ...]) -> np.ndarray:
    """End of the semester a college enrollment starting on day `start` is in: the first of
    the semester ends (month, day) on or after it, this year or next."""
    table = _semester_ends(ends)
    return table[np.searchsorted(table, start)]


@cache
def _semester_ends(ends: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Day numbers of every semester end the simulation can reach (sorted)."""
    return np.array(
        sorted(
            day_number(date(year, month, day))
            for year in range(SIM_START.year, SIM_END.year + 10)
            for month, day in ends
        ),
        np.int64,
    )
