"""The day loop with recording stage functions: chain order, payloads, skip, force, failure and
resume, retries of transient errors only, and the lock against a concurrent run."""

from datetime import date, timedelta

import pytest

from lakehouse.errors import EngineError, LakehouseError, TransientStorageError
from lakehouse.lake.lock import LakeLock, LockHeldError
from lakehouse.lake.storage import open_storage
from lakehouse.orchestration.events import EventLog
from lakehouse.orchestration.ledger import Ledger
from lakehouse.orchestration.runner import RetryPolicy, Runner, is_transient
from tests.orchestration.fakes import RecordingStages

D1 = date(2025, 12, 31)
D5 = D1 + timedelta(days=4)
NO_WAIT = RetryPolicy(max_attempts=3, base_delay_s=0.0)


def make_runner(settings, stages: RecordingStages, sleeps=None) -> Runner:
    return Runner(
        settings,
        stages=stages.mapping(),
        retry=NO_WAIT,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


def test_runs_each_day_through_the_chain_in_order(lake_settings):
    stages = RecordingStages()
    report = make_runner(lake_settings, stages).run(D1, D1 + timedelta(days=1))
    assert [d.status for d in report.days] == ["succeeded", "succeeded"]
    assert stages.calls == [
        ("simulate", "2025-12-31"),
        ("ingest", "2025-12-31"),
        ("materialize", "2025-12-31"),
        ("export", "?"),
        ("simulate", "2026-01-01"),
        ("ingest", "2026-01-01"),
        ("materialize", "2026-01-01"),
        ("export", "?"),
    ]
    storage = open_storage(lake_settings)
    events = EventLog(storage).read("2025-12-31")
    assert [(e["source"], e["detail-type"]) for e in events] == [
        ("tutor.orchestrator", "SimulationRequested"),
        ("tutor.simulation", "SimulationCompleted"),
        ("tutor.silver.ingestion", "IngestionCompleted"),
        ("tutor.gold.materialization", "MaterializationCompleted"),
        ("tutor.gold.export", "ExportCompleted"),
    ]
    for event in events:
        assert event["detail"]["business_date"] == "2025-12-31"
        assert event["detail"]["run_id"] == report.run_id
    assert events[1]["detail"]["ingest_date"] == "2026-01-01"
    assert events[1]["detail"]["sessions"] == 31
    assert events[2]["detail"]["kept_rows"] == 10
    assert report.days[0].details["materialize"]["tables"] == 4
    assert set(report.days[0].seconds) == {"simulate", "ingest", "materialize", "export"}
    assert not storage.exists("_ops/lock.json")


def test_failure_on_day_3_then_resume_from_the_failed_stage(local_settings):
    open_storage(local_settings).ensure()
    day3 = (D1 + timedelta(days=2)).isoformat()
    stages = RecordingStages(fail={("materialize", day3): EngineError("bad join in revenue")})
    report = make_runner(local_settings, stages).run(D1, D5)
    assert [d.status for d in report.days] == ["succeeded", "succeeded", "failed"]
    failed = report.failed
    assert failed is not None
    assert failed.failed_stage == "materialize" and "bad join in revenue" in failed.error
    ledger = Ledger(open_storage(local_settings))
    assert ledger.pending_stage(D1) is None and ledger.pending_stage(D1 + timedelta(days=1)) is None
    entry = ledger.get(day3, "materialize")
    assert entry is not None
    assert (entry.status, entry.attempt, entry.error_type) == ("failed", 1, "EngineError")
    ingested = ledger.get(day3, "ingest")
    assert ingested is not None and ingested.status == "succeeded"
    assert ledger.get(day3, "export") is None
    assert ledger.get(D1 + timedelta(days=3), "simulate") is None

    stages.fail.clear()
    stages.calls.clear()
    report = make_runner(local_settings, stages).run(D1, D5)
    assert [d.status for d in report.days] == [
        "skipped",
        "skipped",
        "succeeded",
        "succeeded",
        "succeeded",
    ]
    assert report.days[2].resumed_from == "materialize"
    assert stages.calls[:2] == [("materialize", day3), ("export", "?")]
    entry = ledger.get(day3, "materialize")
    assert entry is not None and entry.attempt == 2
    assert all(ledger.pending_stage(D1 + timedelta(days=i)) is None for i in range(5))
    # the resumed chain restarts from the event ingest emitted, re-published with the new run id
    replayed = EventLog(open_storage(local_settings)).read(day3)[-3]
    assert replayed["detail-type"] == "IngestionCompleted"
    assert replayed["detail"]["run_id"] == report.run_id


def test_complete_range_does_nothing_unless_forced(local_settings):
    open_storage(local_settings).ensure()
    stages = RecordingStages()
    make_runner(local_settings, stages).run(D1, D1)
    stages.calls.clear()
    report = make_runner(local_settings, stages).run(D1, D1)
    assert [d.status for d in report.days] == ["skipped"] and stages.calls == []
    report = make_runner(local_settings, stages).run(D1, D1, force=True)
    assert report.days[0].status == "succeeded" and len(stages.calls) == 4
    entry = Ledger(open_storage(local_settings)).get(D1, "simulate")
    assert entry is not None and entry.attempt == 2


def test_transient_errors_are_retried_with_backoff(local_settings):
    open_storage(local_settings).ensure()
    busy = [TransientStorageError("s3 busy (SlowDown)"), TransientStorageError("timeout")]
    stages = RecordingStages(fail={("ingest", D1.isoformat()): busy})
    sleeps: list[float] = []
    runner = Runner(
        local_settings,
        stages=stages.mapping(),
        retry=RetryPolicy(max_attempts=3, base_delay_s=0.25),
        sleep=sleeps.append,
    )
    report = runner.run(D1, D1)
    assert report.days[0].status == "succeeded"
    assert sleeps == [0.25, 0.5]
    entry = Ledger(open_storage(local_settings)).get(D1, "ingest")
    assert entry is not None and entry.attempt == 3
    assert [h["status"] for h in entry.history] == ["failed", "failed", "succeeded"]


def test_retries_are_bounded(local_settings):
    open_storage(local_settings).ensure()
    busy = [TransientStorageError(f"busy {i}") for i in range(5)]
    stages = RecordingStages(fail={("ingest", D1.isoformat()): busy})
    report = make_runner(local_settings, stages).run(D1, D1)
    assert report.failed is not None and report.failed.failed_stage == "ingest"
    assert stages.calls.count(("ingest", D1.isoformat())) == 3


def test_logic_errors_are_not_retried(local_settings):
    open_storage(local_settings).ensure()
    stages = RecordingStages(fail={("simulate", D1.isoformat()): ValueError("negative rate")})
    sleeps: list[float] = []
    report = make_runner(local_settings, stages, sleeps).run(D1, D1)
    assert report.failed is not None and report.failed.failed_stage == "simulate"
    assert sleeps == []
    assert stages.calls == [("simulate", D1.isoformat())]


def test_botocore_throttling_is_transient():
    from botocore.exceptions import ClientError

    throttled = ClientError({"Error": {"Code": "ThrottlingException"}}, "StartQueryExecution")
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "StartQueryExecution")
    assert is_transient(throttled) and not is_transient(denied)
    assert not is_transient(LakehouseError("x")) and is_transient(TransientStorageError("x"))


def test_a_second_concurrent_run_is_refused(lake_settings):
    holder = LakeLock(open_storage(lake_settings), "run-elsewhere")
    holder.acquire()
    stages = RecordingStages()
    with pytest.raises(LockHeldError, match="run-elsewhere"):
        make_runner(lake_settings, stages).run(D1, D1)
    assert stages.calls == []
    holder.release()


def test_a_run_cannot_skip_an_incomplete_earlier_day(local_settings):
    open_storage(local_settings).ensure()
    stages = RecordingStages(fail={("ingest", D1.isoformat()): ValueError("bad file")})
    make_runner(local_settings, stages).run(D1, D1)
    with pytest.raises(LakehouseError, match="2025-12-31 is incomplete"):
        make_runner(local_settings, stages).run(D1 + timedelta(days=1), D5)


def test_default_range_is_the_next_day_to_do(local_settings):
    open_storage(local_settings).ensure()
    stages = RecordingStages()
    runner = make_runner(local_settings, stages)
    assert runner.default_range() == (D1, D1)
    runner.run(D1, D1 + timedelta(days=1))
    assert runner.default_range() == (D1 + timedelta(days=2),) * 2


def test_ingest_catches_up_on_batches_landed_earlier(local_settings):
    """After `simulate history`, the first day's ingest takes the history batch first."""
    storage = open_storage(local_settings)
    storage.ensure()
    storage.write_text("raw/sessions/ingest_date=2025-12-31/sessions.csv", "session_id\n1\n")
    stages = RecordingStages()
    report = make_runner(local_settings, stages).run(D1, D1)
    assert stages.calls[:3] == [
        ("simulate", "2025-12-31"),
        ("ingest", "2025-12-30"),  # the batch landed at 2025-12-31 (business day 2025-12-30)
        ("ingest", "2025-12-31"),
    ]
    assert report.days[0].details["ingest"]["caught_up"] == ["2025-12-31"]
