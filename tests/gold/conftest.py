"""Gold test fixtures: the hand-built scenario written as silver, then materialized."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lakehouse.catalog import open_catalog
from lakehouse.config import Settings
from lakehouse.stages.materialize import MaterializeResult, materialize
from tests.gold import scenario


@pytest.fixture
def scenario_lake(local_settings: Settings) -> Settings:
    """A local lake holding the scenario's silver tables (no gold yet)."""
    scenario.build().write(local_settings)
    return local_settings


@pytest.fixture
def gold(scenario_lake: Settings) -> MaterializeResult:
    return materialize(scenario_lake)


@pytest.fixture
def query(scenario_lake: Settings) -> Callable[..., list[tuple[Any, ...]]]:
    """Run SQL over the lake's silver and gold views; returns all rows."""
    opened = []

    def run(sql: str) -> list[tuple[Any, ...]]:
        con, _ = open_catalog(scenario_lake)
        opened.append(con)
        return con.execute(sql).fetchall()

    yield run
    for con in opened:
        con.close()
