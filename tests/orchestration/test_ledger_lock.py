"""The run ledger and the lake lock, on a local folder and on a real S3 server."""

import json
import os
from datetime import UTC, date, datetime, timedelta

import pytest

from lakehouse.errors import LakehouseError
from lakehouse.ledger import FAILED, SUCCEEDED, Ledger
from lakehouse.lock import LOCK_KEY, LakeLock, LockHeldError, clear_lock


def test_ledger_records_attempts_and_pending_stage(lake_storage):
    ledger = Ledger(lake_storage)
    day = date(2026, 1, 3)
    assert ledger.pending_stage(day) == "simulate"
    entry = ledger.start(day, "simulate", "run-a")
    assert ledger.get(day, "simulate").status == "started"
    ledger.succeed(entry, {"business_date": "2026-01-03", "sessions": 17})
    entry = ledger.start(day, "ingest", "run-a")
    ledger.fail(entry, ValueError("column stamp missing in new_sessions.csv"))
    assert ledger.pending_stage(day) == "ingest"

    got = ledger.get(day, "ingest")
    assert (got.status, got.attempt, got.error_type) == (FAILED, 1, "ValueError")
    assert "column stamp missing" in got.error
    assert got.started_at and got.finished_at and got.duration_s >= 0

    entry = ledger.start(day, "ingest", "run-b")
    ledger.succeed(entry, {"kept_rows": 16})
    got = ledger.get(day, "ingest")
    assert (got.status, got.attempt, got.run_id, got.error) == (SUCCEEDED, 2, "run-b", "")
    assert [h["status"] for h in got.history] == [FAILED, SUCCEEDED]
    assert ledger.get(day, "simulate").detail["sessions"] == 17

    key = "_ops/ledger/business_date=2026-01-03/ingest.json"
    assert json.loads(lake_storage.read_text(key))["attempt"] == 2
    assert ledger.dates() == [day]
    assert ledger.pending_stage(day) == "materialize"


def test_lock_refuses_a_second_holder_with_the_owner(lake_storage):
    first = LakeLock(lake_storage, "run-first")
    first.acquire()
    second = LakeLock(lake_storage, "run-second")
    with pytest.raises(LockHeldError) as info:
        second.acquire()
    message = str(info.value)
    assert "run-first" in message and f"pid {os.getpid()}" in message and "--break-lock" in message
    first.refresh()
    first.release()
    assert not lake_storage.exists(LOCK_KEY)
    second.acquire()
    second.release()


def _plant_lock(storage, *, pid: int, expires_in: timedelta, host: str = "elsewhere") -> None:
    now = datetime.now(UTC)
    storage.write_text(
        LOCK_KEY,
        json.dumps(
            {
                "host": host,
                "pid": pid,
                "run_id": "run-killed",
                "acquired_at": now.isoformat(timespec="seconds"),
                "expires_at": (now + expires_in).isoformat(timespec="seconds"),
                "token": "theirs",
            }
        ),
    )


def test_stale_lock_needs_break_lock_then_is_taken_over(lake_storage):
    _plant_lock(lake_storage, pid=999999, expires_in=timedelta(minutes=5))
    lock = LakeLock(lake_storage, "run-new")
    with pytest.raises(LockHeldError, match="run-killed"):
        lock.acquire()
    lock.acquire(break_lock=True)
    assert lock.taken_over.run_id == "run-killed"
    assert lock.read().run_id == "run-new"
    lock.release()


def test_expired_lock_is_taken_over_without_a_flag(lake_storage):
    _plant_lock(lake_storage, pid=999999, expires_in=timedelta(seconds=-1))
    lock = LakeLock(lake_storage, "run-new")
    lock.acquire()
    assert lock.taken_over is not None
    lock.release()


def test_break_lock_does_not_kill_a_live_local_owner(local_settings):
    from lakehouse.storage import open_storage

    storage = open_storage(local_settings)
    storage.ensure()
    import socket

    _plant_lock(
        storage, pid=os.getppid(), expires_in=timedelta(minutes=5), host=socket.gethostname()
    )
    with pytest.raises(LockHeldError, match="still running on this host"):
        LakeLock(storage, "run-new").acquire(break_lock=True)


def test_a_run_that_lost_the_lock_notices(lake_storage):
    lock = LakeLock(lake_storage, "run-a")
    lock.acquire()
    _plant_lock(lake_storage, pid=1, expires_in=timedelta(minutes=5))
    with pytest.raises(LockHeldError, match="lost the lake lock"):
        lock.refresh()
    lock.release()  # not ours any more: left alone
    assert lake_storage.exists(LOCK_KEY)
    assert clear_lock(lake_storage).run_id == "run-killed"
    assert not lake_storage.exists(LOCK_KEY)


def test_unreadable_lock_is_reported(lake_storage):
    lake_storage.write_text(LOCK_KEY, "not json")
    with pytest.raises(LakehouseError, match="unreadable"):
        LakeLock(lake_storage, "r").acquire()
    LakeLock(lake_storage, "r").acquire(break_lock=True)


def test_two_simultaneous_starts_keep_one_owner(lake_storage):
    import threading
    import time

    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def start(run_id: str) -> None:
        lock = LakeLock(lake_storage, run_id)
        real_read = lock.read
        calls = []

        def read_in_step():
            if not calls:  # both read "no lock" before either writes
                calls.append(1)
                result = real_read()
                barrier.wait(10)
                return result
            return real_read()

        lock.read = read_in_step
        if run_id == "run-1":  # the second write lands 0.1 s after the first
            real_write = lock._write

            def slow_write(*args, **kwargs):
                time.sleep(0.1)
                return real_write(*args, **kwargs)

            lock._write = slow_write
        try:
            lock.acquire()
            outcomes[run_id] = "owner"
        except LockHeldError:
            outcomes[run_id] = "refused"

    threads = [threading.Thread(target=start, args=(f"run-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["owner", "refused"]
    owner = next(r for r, o in outcomes.items() if o == "owner")
    assert LakeLock(lake_storage, "x").read().run_id == owner
