"""The run ledger and the lake lock, on a local folder and on a real S3 server."""

import json
import os
from datetime import UTC, date, datetime, timedelta

import pytest

from lakehouse.errors import LakehouseError
from lakehouse.lake.lock import LOCK_KEY, LakeLock, LockHeldError, clear_lock, held
from lakehouse.orchestration.ledger import FAILED, SUCCEEDED, Ledger


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
    assert "run-first" in message and f"pid {os.getpid()}" in message
    assert "running on this host" in message
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


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped) on this host."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lock_held_elsewhere_needs_break_lock_then_is_taken_over(lake_storage):
    _plant_lock(lake_storage, pid=999999, expires_in=timedelta(minutes=5))
    lock = LakeLock(lake_storage, "run-new")
    with pytest.raises(LockHeldError, match=r"run-killed.*dead on elsewhere, rerun with --break"):
        lock.acquire()
    lock.acquire(break_lock=True)
    assert lock.taken_over.run_id == "run-killed"
    assert "--break-lock" in lock.takeover_message()
    assert lock.read().run_id == "run-new"
    lock.release()
    assert not lake_storage.exists(LOCK_KEY)


def test_a_dead_holder_on_this_host_is_taken_over_without_a_flag(lake_storage):
    import socket

    pid = _dead_pid()
    _plant_lock(lake_storage, pid=pid, expires_in=timedelta(minutes=5), host=socket.gethostname())
    lock = LakeLock(lake_storage, "run-new")
    lock.acquire()
    assert lock.taken_over.run_id == "run-killed"
    assert f"process {pid} on this host is gone" in lock.takeover_message()
    lock.release()


def test_expired_lock_is_taken_over_without_a_flag(lake_storage):
    _plant_lock(lake_storage, pid=999999, expires_in=timedelta(seconds=-1))
    lock = LakeLock(lake_storage, "run-new")
    lock.acquire()
    assert lock.taken_over is not None and "expired" in lock.takeover_message()
    lock.release()


def test_break_lock_does_not_kill_a_live_local_owner(local_settings):
    from lakehouse.lake.storage import open_storage

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
    with pytest.raises(LockHeldError, match="lost the lake lock"):
        lock.check()
    lock.release()  # not ours any more: left alone
    assert lake_storage.exists(LOCK_KEY)
    assert clear_lock(lake_storage).run_id == "run-killed"
    assert not lake_storage.exists(LOCK_KEY)


def test_unreadable_lock_is_reported(lake_storage):
    lake_storage.write_text(LOCK_KEY, "not json")
    with pytest.raises(LakehouseError, match="unreadable"):
        LakeLock(lake_storage, "r").acquire()
    LakeLock(lake_storage, "r").acquire(break_lock=True)


def test_the_holder_refreshes_its_expiry_in_the_background(lake_storage):
    import time

    with held(lake_storage, "run-long", ttl=timedelta(seconds=2)) as lock:
        first = lock.read().expires_at
        time.sleep(1.6)
        assert lock.read().expires_at > first  # refreshed every ttl / 4
        assert lock.read().token == lock.token
    assert not lake_storage.exists(LOCK_KEY)


class _SlowReads:
    """The lake, with every read stalled: a store that is slow between read and write."""

    def __init__(self, storage, delay: float) -> None:
        self._storage, self._delay = storage, delay

    def __getattr__(self, name):
        attr = getattr(self._storage, name)
        if name in ("exists", "read_bytes", "read_text"):
            import time

            def slow(*args, **kwargs):
                result = attr(*args, **kwargs)
                time.sleep(self._delay)  # what was read may be stale by the time it is used
                return result

            return slow
        return attr


def _race(storage, acquirers: int, stall=None) -> list[LakeLock]:
    """Start `acquirers` threads at one barrier; return the locks that were acquired."""
    import threading

    barrier = threading.Barrier(acquirers)
    owners: list[LakeLock] = []

    def start(i: int) -> None:
        slow = i % 2 == 0
        lock = LakeLock(_SlowReads(storage, 0.5) if slow else storage, f"run-{i}")
        if slow and stall is not None:
            stall(lock)
        barrier.wait(30)
        try:
            lock.acquire()
            owners.append(lock)
        except LockHeldError:
            pass

    threads = [threading.Thread(target=start, args=(i,)) for i in range(acquirers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return owners


def test_eight_concurrent_acquirers_some_stalled_keep_one_owner(lake_storage):
    owners = _race(lake_storage, 8)
    assert len(owners) == 1
    assert LakeLock(lake_storage, "x").read().token == owners[0].token


def _stall_store_reads(lock: LakeLock) -> None:
    import time

    store = lock.store
    real = store.read

    def slow_read():
        result = real()
        time.sleep(0.5)  # between reading the dead holder's lock and replacing it
        return result

    store.read = slow_read


def test_concurrent_takeovers_of_a_dead_holder_keep_one_owner(lake_storage):
    import socket

    pid = _dead_pid()
    _plant_lock(lake_storage, pid=pid, expires_in=timedelta(minutes=5), host=socket.gethostname())
    owners = _race(lake_storage, 8, stall=_stall_store_reads)
    assert len(owners) == 1 and owners[0].taken_over.run_id == "run-killed"
    assert LakeLock(lake_storage, "x").read().token == owners[0].token


def _acquire_in_process(settings, run_id: str, start_at: float, results) -> None:
    import time

    from lakehouse.lake.storage import open_storage

    time.sleep(max(0.0, start_at - time.time()))
    try:
        LakeLock(open_storage(settings), run_id).acquire()  # held until the process exits
        results.put(run_id)
    except LockHeldError:
        results.put("")


def test_concurrent_processes_keep_one_owner(lake_settings):
    import multiprocessing
    import time

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.5
    processes = [
        context.Process(
            target=_acquire_in_process, args=(lake_settings, f"run-p{i}", start_at, results)
        )
        for i in range(6)
    ]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for p in processes:
        p.join(30)
    owners = [o for o in outcomes if o]
    assert len(owners) == 1, outcomes


@pytest.mark.s3
def test_the_s3_lock_uses_conditional_writes_and_falls_back_with_a_warning(s3_settings):
    from lakehouse.lake.lock_store import S3LockStore
    from lakehouse.lake.storage import open_storage

    storage = open_storage(s3_settings)
    storage.ensure()
    store = S3LockStore(storage)
    assert store.conditional  # moto honours If-None-Match / If-Match
    version = store.create(b"one")
    assert version and store.create(b"two") is None
    assert store.replace(b"three", '"not-the-etag"') is None
    newer = store.replace(b"three", version)
    assert newer and store.read() == (b"three", newer)
    assert not store.delete(version) and store.delete(newer) and store.read() is None

    store.conditional = False  # what a server that ignores the conditions gets
    lock = LakeLock(storage, "run-fallback", store=store)
    lock.acquire()
    assert LakeLock(storage, "x").read().token == lock.token
    with pytest.raises(LockHeldError):
        LakeLock(storage, "run-other", store=store).acquire()
    lock.release()
    assert store.read() is None


@pytest.mark.s3
def test_a_command_on_a_lake_that_ignores_conditions_says_so(s3_settings, monkeypatch):
    from lakehouse.lake import lock_store
    from lakehouse.lake.storage import open_storage

    storage = open_storage(s3_settings)
    storage.ensure()
    bucket, prefix = s3_settings.bucket_and_prefix()
    monkeypatch.setitem(lock_store._PROBED, (storage.endpoint, bucket, prefix), False)
    notes: list[str] = []
    with held(storage, "run-x", notify=notes.append):
        pass
    assert any("ignores conditional writes" in n for n in notes)
