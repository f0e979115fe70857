"""Gold test fixtures: the hand-built scenario written as silver, then materialized."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lakehouse.config import GoldSettings, Settings, load_settings
from lakehouse.gold.materialize import MaterializeResult, materialize
from lakehouse.lake.catalog import open_catalog
from tests.gold import scenario
from tests.gold.silver_fixture import SilverBuilder

Query = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture
def scenario_lake(local_settings: Settings) -> Settings:
    """A local lake holding the scenario's silver tables (no gold yet), for tests that write.
    Its daily builds are incremental however small it is (gold.incremental_from_sessions 0)."""
    settings = always_incremental(local_settings)
    scenario.build().write(settings)
    return settings


def always_incremental(settings: Settings) -> Settings:
    """The settings with incremental gold builds at any size (the default waits for a large
    gold, where they pay)."""
    return dataclasses.replace(settings, gold=GoldSettings(incremental_from_sessions=0))


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


def built_gold(builder: SilverBuilder, folder: Path) -> Settings:
    """A lake in `folder` holding the builder's silver and the gold materialized from it."""
    settings = load_settings(environ={}, overrides={"lake": str(folder / "lake")})
    builder.write(settings)
    materialize(settings)
    return settings


def querying(settings: Settings) -> Iterator[Query]:
    """For a fixture to yield from: runs SQL over the lake's silver and gold views, returning
    all rows, on one read session closed at the fixture's end."""
    con = open_catalog(settings)

    def run(sql: str) -> list[tuple[Any, ...]]:
        return con.execute(sql).fetchall()

    yield run
    con.close()


@pytest.fixture(scope="module")
def query(built_lake: tuple[Settings, MaterializeResult]) -> Iterator[Query]:
    """Run SQL over the built lake's silver and gold views; returns all rows."""
    yield from querying(built_lake[0])
