"""Fixtures of the silver tests: an initialised local lake (tests that must also run on S3
parametrize over `lake_settings` from the top-level conftest instead)."""

from __future__ import annotations

import pytest

from lakehouse.config import Settings
from lakehouse.lake.storage import Storage, init_lake, open_storage


@pytest.fixture
def lake(local_settings: Settings) -> Settings:
    init_lake(local_settings)
    return local_settings


@pytest.fixture
def storage(lake: Settings) -> Storage:
    return open_storage(lake)
