"""Fixtures of the report tests: a lake holding hand-made gold tables."""

from __future__ import annotations

import pytest

from lakehouse.config import Settings
from tests.report.helpers import gold_frames, write_gold


@pytest.fixture
def gold_settings(local_settings: Settings) -> Settings:
    """A local lake holding the hand-made gold tables, as of 2026-02-01 01:00."""
    write_gold(local_settings, gold_frames())
    return local_settings
