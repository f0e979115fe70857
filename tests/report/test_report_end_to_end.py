"""The report at the end of the real chain: a short simulated history (2021-08-24 ..
2022-03-31) and two daily batches, ingested into silver, gold materialized, then the report.
Its figures are checked against gold, and its data-quality chart against silver's audit trail
(one step further from the report's own queries)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from tests.report.helpers import assert_cards_match_gold, build, plotly_charts

HISTORY_UNTIL = dt.date(2022, 3, 31)


@pytest.fixture(scope="module")
def pipeline_lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    ingest = pytest.importorskip("lakehouse.silver.ingest", reason="the ingest stage is missing")
    from lakehouse.gold.materialize import materialize
    from sim.api import simulate_day, simulate_history

    root = tmp_path_factory.mktemp("report-e2e") / "lake"
    settings = load_settings(environ={}, overrides={"lake": str(root)})
    history = simulate_history(settings, seed=11, scale=1.0, until=HISTORY_UNTIL)
    ingest.ingest_batch(settings, history.ingest_date)
    simulate_day(settings)
    simulate_day(settings)
    ingest.ingest_pending(settings)
    materialize(settings)
    return settings


def test_report_after_the_real_chain(pipeline_lake: Settings, tmp_path: Path) -> None:
    from lakehouse.lake.catalog import open_catalog

    html = build(pipeline_lake, tmp_path)
    assert_cards_match_gold(html, pipeline_lake)
    # gold as of the 2022-04-03 batch: March 2022 is the last finished month
    assert "Revenue, March 2022<" in html

    charts = plotly_charts(html)
    assert len(charts) == 6
    shown: dict[str, int] = {}
    for trace in charts["chart-data-quality"].data:
        for day, n in zip(trace["x"], trace["y"], strict=True):
            shown[day] = shown.get(day, 0) + n
    con = open_catalog(pipeline_lake, layers=("silver",))
    try:
        rows = con.execute(
            "SELECT ingest_date, count(*) FROM silver.err_sessions GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    assert shown == {str(day): n for day, n in rows if n}
    assert sum(shown.values()) > 0  # the daily batches carry corrupted rows
