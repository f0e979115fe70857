"""The run ledger and the lake lock, on a local folder and on a real S3 server."""

import json
import os
from datetime import UTC, date, datetime, timedelta

import pytest

from lakehouse.errors import LakehouseError
from lakehouse.lake.lock import LOCK_KEY, LakeLock, LockHeldError, LockInfo, clear_lock, held
from lakehouse.lake.lock_store import LockStore, open_lock_store
from lakehouse.lake.storage import Storage
from lakehouse.orchestration.ledger import FAILED, SUCCEEDED, Ledger


def test_ledger_records_attempts_and_pending_stage(lake_storage):
    ledger = Ledger(lake_storage)
    day = date(2026, 1, 3)
    assert ledger.pending_stage(day) == "simulate"
    entry = ledger.start(day, "simulate", "run-a")
    started = ledger.get(day, "simulate")
    assert started is not None and started.status == "started"
    ledger.succeed(entry, {"business_date": "2026-01-03", "sessions": 17})
    entry = ledger.start(day, "ingest", "run-a")
    ledger.fail(entry, ValueError("column stamp missing in new_sessions.csv"))
    assert ledger.pending_stage(day) == "ingest"

    got = ledger.get(day, "ingest")
    assert got is not None
    assert (got.status, got.attempt, got.error_type) == (FAILED, 1, "ValueError")
    assert "column stamp missing" in got.error
    assert got.started_at and got.finished_at and got.duration_s >= 0

    entry = ledger.start(day, "ingest", "run-b")
    ledger.succeed(entry, {"kept_rows": 16})
    got = ledger.get(day, "ingest")
    assert got is not None
    assert (got.status, got.attempt, got.run_id, got.error) == (SUCCEEDED, 2, "run-b", "")
    assert [h["status"] for h in got.history] == [FAILED, SUCCEEDED]
    simulated = ledger.get(day, "simulate")
    assert simulated is not None and simulated.detail["sessions"] == 17

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


def _holder(lock: LakeLock) -> LockInfo:
    """What the lock object says, in a test that expects one."""
    info = lock.read()
    assert info is not None, "no lock object"
    return info


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
    assert lock.taken_over is not None and lock.taken_over.run_id == "run-killed"
    assert "--break-lock" in lock.takeover_message()
    assert _holder(lock).run_id == "run-new"
    lock.release()
    assert not lake_storage.exists(LOCK_KEY)


def test_a_dead_holder_on_this_host_is_taken_over_without_a_flag(lake_storage):
    import socket

    pid = _dead_pid()
    _plant_lock(lake_storage, pid=pid, expires_in=timedelta(minutes=5), host=socket.gethostname())
    lock = LakeLock(lake_storage, "run-new")
    lock.acquire()
    assert lock.taken_over is not None and lock.taken_over.run_id == "run-killed"
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
    cleared = clear_lock(lake_storage)
    assert cleared is not None and cleared.run_id == "run-killed"
    assert not lake_storage.exists(LOCK_KEY)


def test_unreadable_lock_is_reported(lake_storage):
    lake_storage.write_text(LOCK_KEY, "not json")
    with pytest.raises(LakehouseError, match="unreadable"):
        LakeLock(lake_storage, "r").acquire()
    LakeLock(lake_storage, "r").acquire(break_lock=True)


def test_the_holder_refreshes_its_expiry_in_the_background(lake_storage):
    import time

    with held(lake_storage, "run-long", ttl=timedelta(seconds=2)) as lock:
        first = _holder(lock).expires_at
        time.sleep(1.6)
        assert _holder(lock).expires_at > first  # refreshed every ttl / 4
        assert _holder(lock).token == lock.token
    assert not lake_storage.exists(LOCK_KEY)


class _SlowReads(LockStore):
    """The lake's lock store, with every read stalled: a store that is slow between read and
    write, so what an acquirer read may be stale by the time it writes."""

    def __init__(self, store: LockStore, delay: float) -> None:
        self._store, self._delay = store, delay
        self.conditional = store.conditional

    def read(self) -> tuple[bytes, str] | None:
        import time

        current = self._store.read()
        time.sleep(self._delay)  # e.g. between reading a dead holder's lock and replacing it
        return current

    def create(self, body: bytes) -> str | None:
        return self._store.create(body)

    def replace(self, body: bytes, version: str) -> str | None:
        return self._store.replace(body, version)

    def delete(self, version: str) -> bool:
        return self._store.delete(version)


def _race(storage: Storage, acquirers: int) -> list[LakeLock]:
    """Start `acquirers` threads at one barrier, every other one with stalled reads; return the
    locks that were acquired."""
    import threading

    barrier = threading.Barrier(acquirers)
    owners: list[LakeLock] = []

    def start(i: int) -> None:
        store = open_lock_store(storage)
        lock = LakeLock(storage, f"run-{i}", store=_SlowReads(store, 0.5) if i % 2 == 0 else store)
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
    assert _holder(LakeLock(lake_storage, "x")).token == owners[0].token


def test_concurrent_takeovers_of_a_dead_holder_keep_one_owner(lake_storage):
    import socket

    pid = _dead_pid()
    _plant_lock(lake_storage, pid=pid, expires_in=timedelta(minutes=5), host=socket.gethostname())
    owners = _race(lake_storage, 8)
    assert len(owners) == 1
    assert owners[0].taken_over is not None and owners[0].taken_over.run_id == "run-killed"
    assert _holder(LakeLock(lake_storage, "x")).token == owners[0].token


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
    from lakehouse.lake.storage.s3 import S3Storage

    storage = open_storage(s3_settings)
    assert isinstance(storage, S3Storage)
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
    assert _holder(LakeLock(storage, "x")).token == lock.token
    with pytest.raises(LockHeldError):
        LakeLock(storage, "run-other", store=store).acquire()
    lock.release()
    assert store.read() is None


@pytest.mark.s3
def test_a_command_on_a_lake_that_ignores_conditions_says_so(s3_settings, monkeypatch):
    from lakehouse.lake import lock_store
    from lakehouse.lake.storage import open_storage
    from lakehouse.lake.storage.s3 import S3Storage

    storage = open_storage(s3_settings)
    assert isinstance(storage, S3Storage)
    storage.ensure()
    bucket, prefix = s3_settings.bucket_and_prefix()
    monkeypatch.setitem(lock_store._PROBED, (storage.endpoint, bucket, prefix), False)
    notes: list[str] = []
    with held(storage, "run-x", notify=notes.append):
        pass
    assert any("ignores conditional writes" in n for n in notes)
