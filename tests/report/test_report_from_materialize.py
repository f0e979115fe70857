"""The report over gold built by the real materialize stage (from the gold tests' hand-built
silver scenario), so the report queries run against the gold models' actual columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.config import Settings
from lakehouse.gold.materialize import materialize
from tests.gold import scenario
from tests.report.helpers import assert_cards_match_gold, build, card_values, gold, plotly_charts


def test_report_over_materialized_gold(local_settings: Settings, tmp_path: Path) -> None:
    scenario.build().write(local_settings)
    done = materialize(local_settings)
    html = build(local_settings, tmp_path)

    assert_cards_match_gold(html, local_settings)
    # gold as of the 2025-11-06 batch (as_of_ts 2025-11-06 00:00): October is last month
    assert "Revenue, October 2025<" in html
    october = gold(
        local_settings,
        "monthly_revenue",
        "SELECT sum(revenue) FROM t WHERE month_start = DATE '2025-10-01'",
    )[0][0]
    _, shown = card_values(html)["revenue"]
    assert shown is not None and float(shown) == float(october)

    charts = plotly_charts(html)
    assert set(charts) == {
        "chart-finance",
        "chart-students",
        "chart-utilization-latest",
        "chart-utilization-history",
        "chart-subjects",
        "chart-ratings",
        "chart-scores",
        "chart-data-quality",
    }
    finance = {
        t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in charts["chart-finance"].data
    }
    assert sum(finance["Revenue"].values()) == pytest.approx(float(done.total_revenue))
    assert sum(finance["Contractor pay"].values()) == pytest.approx(
        float(done.total_contractor_pay)
    )
    # Cy Dee carried 30 students at the end of October: a full roster against the cap
    (heat,) = charts["chart-utilization-history"].data
    row = heat["z"][[label.split(" (#")[0] for label in heat["y"]].index("Cy Dee")]
    assert dict(zip(heat["x"], row, strict=True))["2025-10-01"] == 100.0
