"""The real chain (simulator, ingest, materialize, export) over 5 business days at scale 1:
a failure injected in materialize on day 3 stops the run with days 1-2 complete; the next run
resumes and ends with tables equal to an uninterrupted run; a forced rerun is identical; a
concurrent run is refused; a handler works when Lambda calls it with an EventBridge dict."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.errors import EngineError
from lakehouse.lake.lock import LockHeldError
from lakehouse.lake.storage import init_lake, open_storage
from lakehouse.orchestration.events import EventLog
from lakehouse.orchestration.ledger import Ledger
from lakehouse.orchestration.runner import FIRST_BUSINESS_DAY, Runner

DAYS = [FIRST_BUSINESS_DAY + timedelta(days=i) for i in range(5)]
SEED = 7


@pytest.fixture(scope="module")
def history_lake(tmp_path_factory) -> Path:
    """A lake holding the simulated history at scale 1, ingested into silver (built once)."""
    from lakehouse.silver.ingest import ingest_batch
    from sim.api import simulate_history

    root = tmp_path_factory.mktemp("history") / "lake"
    settings = _settings(root)
    init_lake(settings)
    simulate_history(settings, seed=SEED, scale=1.0)
    ingest_batch(settings, FIRST_BUSINESS_DAY)
    return root


def _settings(root: Path) -> Settings:
    return load_settings(environ={}, overrides={"lake": str(root)})


def _copy(history_lake: Path, tmp_path: Path, name: str) -> Settings:
    root = tmp_path / name
    shutil.copytree(history_lake, root)
    return _settings(root)


STAMPS = ("as_of_ts", "generated_at")


def tables_of(settings: Settings, *, stamps: bool = True) -> dict[str, list[tuple]]:
    """Every silver and gold table (and export) as sorted rows, for exact comparison; without
    `stamps`, gold rows and exports leave out the build stamps (which build wrote a row)."""
    import csv
    import io

    from lakehouse.lake.catalog import open_catalog, registered_views

    storage = open_storage(settings)
    con = open_catalog(settings)
    out: dict[str, list[tuple]] = {}
    try:
        for table in sorted(registered_views(con)):
            rows = con.execute(f"SELECT * FROM {table}").fetchall()
            names = [d[0] for d in con.description]
            keep = [i for i, n in enumerate(names) if stamps or n not in STAMPS]
            out[table] = sorted((tuple(r[i] for i in keep) for r in rows), key=repr)
        for key in storage.list("exports"):
            if key.endswith(".csv"):
                lines = list(csv.reader(io.StringIO(storage.read_text(key))))
                keep = [i for i, n in enumerate(lines[0]) if stamps or n not in STAMPS]
                out[key] = [tuple(line[i] for i in keep) for line in lines]
    finally:
        con.close()
    return out


def failing_materialize(on: date):
    """The real materialize, except for the batch of business day `on`."""
    from lakehouse.gold.materialize import materialize

    def stage(settings: Settings, as_of: date | None = None):
        if as_of == on + timedelta(days=1):
            raise EngineError(f"injected failure materializing {as_of}")
        return materialize(settings, as_of=as_of)

    return stage


def test_failure_resume_equals_uninterrupted_and_force_is_identical(history_lake, tmp_path):
    reference = _copy(history_lake, tmp_path, "reference")
    report = Runner(reference).run(DAYS[0], DAYS[-1])
    assert [d.status for d in report.days] == ["succeeded"] * 5
    expected = tables_of(reference)
    assert {"silver.fct_sessions", "gold.monthly_revenue"} <= set(expected)

    lake = _copy(history_lake, tmp_path, "interrupted")
    broken = Runner(lake, stages={"materialize": failing_materialize(DAYS[2])})
    report = broken.run(DAYS[0], DAYS[-1])
    assert [d.status for d in report.days] == ["succeeded", "succeeded", "failed"]
    assert report.failed is not None and report.failed.failed_stage == "materialize"
    ledger = Ledger(open_storage(lake))
    assert ledger.pending_stage(DAYS[0]) is None and ledger.pending_stage(DAYS[1]) is None
    ingested = ledger.get(DAYS[2], "ingest")
    assert ingested is not None and ingested.status == "succeeded"
    failed = ledger.get(DAYS[2], "materialize")
    assert failed is not None and failed.status == "failed" and "injected failure" in failed.error
    assert ledger.get(DAYS[2], "export") is None and ledger.day(DAYS[3]) == {}

    resumed = Runner(lake).run(DAYS[0], DAYS[-1])
    assert [d.status for d in resumed.days] == ["skipped", "skipped"] + ["succeeded"] * 3
    assert resumed.days[2].resumed_from == "materialize"
    assert set(resumed.days[2].seconds) == {"materialize", "export"}
    retried = ledger.get(DAYS[2], "materialize")
    assert retried is not None and retried.attempt == 2
    assert tables_of(lake) == expected

    again = Runner(lake).run(DAYS[0], DAYS[-1])
    assert all(d.status == "skipped" for d in again.days)
    forced = Runner(lake).run(DAYS[0], DAYS[-1], force=True)
    assert [d.status for d in forced.days] == ["succeeded"] * 5
    # days ingested again make gold's builds full ones: the same rows, restamped
    assert tables_of(lake, stamps=False) == tables_of(reference, stamps=False)

    events = EventLog(open_storage(lake)).read(DAYS[4])
    completed = [e["detail-type"] for e in events if e["source"] != "tutor.orchestrator"]
    assert completed[:4] == [
        "SimulationCompleted",
        "IngestionCompleted",
        "MaterializationCompleted",
        "ExportCompleted",
    ]
    assert all(e["detail"]["business_date"] == DAYS[4].isoformat() for e in events)


def test_a_concurrent_run_is_refused_while_the_first_runs(history_lake, tmp_path):
    from sim.api import simulate_day

    lake = _copy(history_lake, tmp_path, "busy")
    inside, finish = threading.Event(), threading.Event()

    def slow_simulate(settings, day, force=False):
        inside.set()
        assert finish.wait(60)
        return simulate_day(settings, day, force=force)

    first = Runner(lake, stages={"simulate": slow_simulate})
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(r=first.run(DAYS[0], DAYS[0])))
    thread.start()
    try:
        assert inside.wait(60)
        with pytest.raises(LockHeldError, match="locked by run"):
            Runner(lake).run(DAYS[0], DAYS[0])
    finally:
        finish.set()
        thread.join(120)
    assert outcome["r"].days[0].status == "succeeded"
    assert not open_storage(lake).exists("_ops/lock.json")


def test_real_handlers_with_an_eventbridge_event(history_lake, tmp_path, monkeypatch):
    from lakehouse.orchestration import handlers

    lake = _copy(history_lake, tmp_path, "lambda")
    for name in ("LAKEHOUSE_CONFIG", "LAKEHOUSE_PROFILE", "LAKEHOUSE_EVENT_BUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAKEHOUSE_LAKE", lake.lake)
    monkeypatch.chdir(tmp_path)
    scheduled = {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": "2026-01-01T01:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }
    event = handlers.simulate_handler(scheduled, None)
    assert event["detail-type"] == "SimulationCompleted"
    assert event["detail"]["business_date"] == "2025-12-31"
    for handler in (handlers.ingest_handler, handlers.materialize_handler, handlers.export_handler):
        event = handler(event, None)
    assert event["detail-type"] == "ExportCompleted"
    ledger = Ledger(open_storage(lake))
    assert ledger.pending_stage(DAYS[0]) is None
    logged = EventLog(open_storage(lake)).read(DAYS[0])
    assert [e["detail-type"] for e in logged] == [
        "SimulationCompleted",
        "IngestionCompleted",
        "MaterializationCompleted",
        "ExportCompleted",
    ]


def test_cli_run_prints_the_summary_then_nothing_to_do(history_lake, tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    lake = _copy(history_lake, tmp_path, "cli")
    env = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": "", "COLUMNS": "160"}
    args = ["--lake", lake.lake, "run", "--from", "2025-12-31", "--to", "2026-01-01"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "2025-12-31" in result.output and "2026-01-01" in result.output
    assert "2 days" in result.output and "revenue to date $" in result.output
    again = CliRunner().invoke(app, args, env=env)
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_demo_on_a_short_range(tmp_path, monkeypatch):
    """`make demo` end to end, on two business days instead of January (and a smaller
    business, to keep the suite fast; the full demo is measured, see docs/benchmarks.md)."""
    from typer.testing import CliRunner

    from cli import demo

    monkeypatch.chdir(tmp_path)
    # the demo puts its lake's settings in os.environ for the commands it prints (cli/demo.py);
    # delenv records nothing for a variable that is not set, so each is set first: monkeypatch
    # then unsets it after the test, and the demo's lake does not leak into the next tests
    for name in ("CONFIG", "PROFILE", "LAKE", "CATALOG", "S3_ENDPOINT", "S3_ACCESS_KEY_ID",
                 "S3_SECRET_ACCESS_KEY"):  # fmt: skip
        monkeypatch.setenv(f"LAKEHOUSE_{name}", "")
        monkeypatch.delenv(f"LAKEHOUSE_{name}")
    app = __import__("typer").Typer()
    app.command()(demo.main)
    args = ["--lake", "demo-lake", "--from", "2025-12-31", "--to", "2026-01-01", "--scale", "0.3"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "history ingested into silver" in result.output
    assert "demo finished in" in result.output
    active = result.output.split("active students, three counts for three questions:")[1]
    assert "enrolled in the simulator on 2025-12-30" in active
    assert "with profile status Active in silver as of 2026-01-02" in active
    assert "on a contractor's roster on 2026-01-02" in active
    # the "try:" lines run as printed, in the order printed
    tries = [line.strip() for line in result.output.split("\ntry:\n")[1].splitlines()]
    assert tries[0] == f"{Path(sys.executable).parent / 'lakehouse'} --lake demo-lake status"
    assert tries[-1].endswith("run --to 2026-01-04")
    for line in tries:
        done = subprocess.run(shlex.split(line), cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    ledger = Ledger(open_storage(_settings(tmp_path / "demo-lake")))
    assert [ledger.pending_stage(d) for d in DAYS[:2]] == [None, None]
    assert (tmp_path / "demo-lake" / "exports").is_dir()
    (tmp_path / "not-a-lake").mkdir()
    (tmp_path / "not-a-lake" / "precious.txt").write_text("keep me")
    refused = CliRunner().invoke(app, ["--lake", "not-a-lake"], env={"COLUMNS": "160"})
    assert refused.exit_code == 1 and "is not a lake" in refused.output
    assert (tmp_path / "not-a-lake" / "precious.txt").exists()
