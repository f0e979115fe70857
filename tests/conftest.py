"""Shared fixtures: a temporary local lake, a real S3 server (moto_server on 127.0.0.1), and a
`lake` fixture that runs one test body on both backends."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.lake.local_s3 import ACCESS_KEY, SECRET_KEY, LocalS3Server, start_local_s3
from lakehouse.lake.storage import Storage, open_storage
from tests.postgres_server import PostgresServer, find_binaries, start_postgres

SEED_DATA = Path(__file__).resolve().parents[1] / "data" / "seed-data"

# pytest imports readline early, and GNU readline exports COLUMNS=80 and LINES=24 to the process's
# C environment: a process pytest starts (an xdist worker) inherits them. Rich fixes a console's
# width at creation when COLUMNS is set, so the CLI's consoles (built when cli/ is imported) would
# keep 80 columns and ignore the COLUMNS each CLI test passes to its invocation.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[LocalS3Server]:
    with start_local_s3() as server:
        yield server


def s3_settings_for(
    endpoint: str, bucket: str, catalog: str | Path, prefix: str = "lake", **extra
) -> Settings:
    """Settings of an S3 lake on the test server, its catalog a local SQLite file."""
    return load_settings(
        environ={},
        overrides={
            "lake": f"s3://{bucket}/{prefix}",
            "s3.endpoint": endpoint,
            "s3.access_key_id": ACCESS_KEY,
            "s3.secret_access_key": SECRET_KEY,
            "s3.path_style": True,
            "catalog": str(catalog),
            **extra,
        },
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on 127.0.0.1 (skipped, with the reason, where none can run)."""
    bin_dir, why = find_binaries()
    if bin_dir is None:
        pytest.skip(why)
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture
def postgres_catalog(postgres_server: PostgresServer) -> str:
    """The URL of a fresh PostgreSQL database for one lake's catalog."""
    return postgres_server.create_database(f"lake_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return load_settings(environ={}, overrides={"lake": str(tmp_path / "lake")})


@pytest.fixture
def s3_settings(s3_server: LocalS3Server, tmp_path: Path) -> Settings:
    return s3_settings_for(
        s3_server.endpoint, f"lake-{uuid.uuid4().hex[:12]}", tmp_path / "catalog.sqlite"
    )


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def lake_settings(request: pytest.FixtureRequest) -> Settings:
    """Settings for an initialised, empty lake; the test runs once per backend."""
    fixture = "local_settings" if request.param == "local" else "s3_settings"
    settings: Settings = request.getfixturevalue(fixture)
    open_storage(settings).ensure()
    return settings


@pytest.fixture
def lake_storage(lake_settings: Settings) -> Storage:
    return open_storage(lake_settings)


@pytest.fixture
def seed_data() -> Path:
    if not SEED_DATA.is_dir():
        pytest.skip(f"seed data not found at {SEED_DATA}")
    return SEED_DATA


# The order `make test` hands modules to its xdist workers. A module runs whole on one worker
# (--dist loadscope), and xdist by default hands out the modules with the most tests first: the
# long modules of one or two tests (the kill, crash and concurrency loops) came last, and one
# worker ran them alone for the last 40 s while the other had nothing left. So the modules are
# ordered longest first, by the seconds each took in the runs before (kept in pytest's cache),
# and the Makefile passes --no-loadscope-reorder so xdist keeps that order. A module no run has
# timed yet keeps its place after the timed ones.
MODULE_SECONDS = "tutor-lakehouse/module-seconds"
_module_seconds: dict[str, float] = {}


def _module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cache = getattr(config, "cache", None)
    seconds: dict[str, float] = cache.get(MODULE_SECONDS, {}) if cache is not None else {}
    if not seconds:
        return
    first_seen: dict[str, int] = {}
    for item in items:
        first_seen.setdefault(_module_of(item.nodeid), len(first_seen))

    def key(item: pytest.Item) -> tuple[float, int]:
        module = _module_of(item.nodeid)
        return -seconds.get(module, 0.0), first_seen[module]

    items.sort(key=key)  # stable: a module's tests keep their order


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    module = _module_of(report.nodeid)
    _module_seconds[module] = _module_seconds.get(module, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Merge this run's seconds per module into the cache (the xdist controller, which sees
    every worker's reports, or a run without workers; never a worker)."""
    cache = getattr(session.config, "cache", None)
    if cache is None or hasattr(session.config, "workerinput") or not _module_seconds:
        return
    seconds: dict[str, float] = cache.get(MODULE_SECONDS, {})
    seconds.update({m: round(s, 2) for m, s in _module_seconds.items()})
    cache.set(MODULE_SECONDS, seconds)
