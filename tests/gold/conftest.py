"""Gold test fixtures: the hand-built scenario written as silver, then materialized."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.gold.materialize import MaterializeResult, materialize
from lakehouse.lake.catalog import open_catalog
from tests.gold import scenario

Query = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture
def scenario_lake(local_settings: Settings) -> Settings:
    """A local lake holding the scenario's silver tables (no gold yet), for tests that write."""
    scenario.build().write(local_settings)
    return local_settings


@pytest.fixture(scope="module")
def built_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, MaterializeResult]:
    """The scenario's silver and its gold, built once per module for read-only tests."""
    settings = load_settings(
        environ={}, overrides={"lake": str(tmp_path_factory.mktemp("scenario") / "lake")}
    )
    scenario.build().write(settings)
    return settings, materialize(settings)


@pytest.fixture(scope="module")
def gold(built_lake: tuple[Settings, MaterializeResult]) -> MaterializeResult:
    return built_lake[1]


@pytest.fixture(scope="module")
def query(built_lake: tuple[Settings, MaterializeResult]) -> Iterator[Query]:
    """Run SQL over the built lake's silver and gold views; returns all rows."""
    con = open_catalog(built_lake[0])

    def run(sql: str) -> list[tuple[Any, ...]]:
        return con.execute(sql).fetchall()

    yield run
    con.close()
