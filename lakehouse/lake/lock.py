"""A lock on the lake so two commands that write it cannot interleave.

The lock is the object `_ops/lock.json` (owner host, pid and name; acquired and expiry times;
a random token). It lives in the lake, not on the machine, so a laptop run and a run against
the same bucket from elsewhere see each other. Every command that writes the lake holds it
(`held()`); commands that only read do not.

Taking it is an atomic create (`lakehouse.lake.lock_store`): of any number of commands starting at
once, exactly one creates the object. A lock that exists is taken over, by one atomic
compare-and-swap against the version that was read, when its holder is gone:

- the holder ran on this host and its process no longer exists (a kill -9, a crash): taken
  over at once, with a message;
- the lock has expired: the holder refreshes the expiry every `ttl / 4` from a background
  thread while it lives, so an expired lock belongs to a process that died or hung elsewhere;
- `--break-lock` (`break_lock=True`): for a holder on another host known to be dead, before
  its expiry; refused for a process still alive on this host.

The holder's refresh is a compare-and-swap too, so a holder whose lock was taken over learns
it at its next refresh and stops (`check()`, called by the runner at every business day).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from lakehouse.errors import LakehouseError, StorageError
from lakehouse.lake.lock_store import LOCK_KEY, LockStore, open_lock_store
from lakehouse.lake.retry import RetryPolicy, retrying
from lakehouse.lake.storage import Storage

DEFAULT_TTL = timedelta(minutes=2)
"""How long a lock lives without a refresh (the holder refreshes every quarter of it)."""
ATTEMPTS = 5
"""Create-or-take-over rounds before giving up on a lock that keeps changing hands."""

__all__ = [
    "LOCK_KEY",
    "LakeLock",
    "LockHeldError",
    "LockInfo",
    "clear_lock",
    "command_owner",
    "held",
]


class LockHeldError(LakehouseError):
    """Another command holds the lake."""

    exit_code = 3


@dataclass
class LockInfo:
    host: str
    pid: int
    run_id: str
    """What holds the lock: a run id, or the command's name and a random suffix."""
    acquired_at: str
    expires_at: str
    token: str

    def expired(self, now: datetime | None = None) -> bool:
        return datetime.fromisoformat(self.expires_at) <= (now or datetime.now(UTC))

    def here(self) -> bool:
        return self.host == socket.gethostname()

    def dead_here(self) -> bool:
        """The holder ran on this host and its process is gone."""
        return self.here() and not pid_alive(self.pid)

    def describe(self) -> str:
        return (
            f"{self.run_id} (host {self.host}, pid {self.pid}), "
            f"acquired {self.acquired_at}, expires {self.expires_at}"
        )


def pid_alive(pid: int) -> bool:
    """A process with this pid runs on this host (one we may not signal counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parse(body: bytes) -> LockInfo:
    try:
        return LockInfo(**json.loads(body))
    except (ValueError, TypeError) as exc:
        raise LakehouseError(
            f"lock object {LOCK_KEY} is unreadable ({exc}); rerun with --break-lock"
        ) from None


class LakeLock:
    """Acquire with `acquire()`, refresh with `refresh()`, give back with `release()`."""

    def __init__(
        self,
        storage: Storage,
        run_id: str,
        ttl: timedelta = DEFAULT_TTL,
        store: LockStore | None = None,
    ) -> None:
        self.storage = storage
        self.run_id = run_id
        self.ttl = ttl
        self.token = uuid.uuid4().hex
        self._store = store
        self.version: str | None = None
        """The version of the lock object this lock wrote last (None: not held)."""
        self.acquired_at = ""
        self.taken_over: LockInfo | None = None
        """The lock of a dead or expired holder this one replaced, for the caller to report."""
        self.takeover_reason = ""
        self.lost: LockHeldError | None = None
        """Set by a refresh that found the lock in other hands."""

    @property
    def store(self) -> LockStore:
        if self._store is None:
            self._store = open_lock_store(self.storage)
        return self._store

    def read(self) -> LockInfo | None:
        current = self.store.read()
        return _parse(current[0]) if current is not None else None

    def _body(self) -> bytes:
        now = datetime.now(UTC)
        info = LockInfo(
            host=socket.gethostname(),
            pid=os.getpid(),
            run_id=self.run_id,
            acquired_at=self.acquired_at or now.isoformat(timespec="seconds"),
            expires_at=(now + self.ttl).isoformat(timespec="seconds"),
            token=self.token,
        )
        self.acquired_at = info.acquired_at
        return (json.dumps(asdict(info), indent=2) + "\n").encode()

    def _why_free(self, body: bytes, break_lock: bool) -> tuple[LockInfo | None, str]:
        """(holder, reason it may be taken over); raise LockHeldError if it may not."""
        try:
            holder = _parse(body)
        except LakehouseError:
            if break_lock:
                return None, "an unreadable lock object, cleared with --break-lock"
            raise
        if holder.dead_here():
            return holder, f"its process {holder.pid} on this host is gone"
        if holder.expired():
            return holder, f"it expired at {holder.expires_at} without a refresh"
        if holder.here():
            if break_lock:
                raise LockHeldError(
                    f"not breaking the lock: {holder.describe()} is still running on this host"
                )
            raise LockHeldError(
                f"the lake {self.storage.root} is locked by {holder.describe()}; "
                "wait for it to finish (it is running on this host)"
            )
        if break_lock:
            return holder, "broken with --break-lock"
        raise LockHeldError(
            f"the lake {self.storage.root} is locked by {holder.describe()}; wait for it to "
            f"finish, or if that process is dead on {holder.host}, rerun with --break-lock "
            f"(or wait until the lock expires at {holder.expires_at})"
        )

    def acquire(self, *, break_lock: bool = False) -> LockInfo:
        """Take the lock (atomically), taking over a dead or expired holder's lock."""
        for _ in range(ATTEMPTS):
            body = self._body()
            version = self.store.create(body)
            if version is None:
                current = self.store.read()
                if current is None:
                    continue  # released between our create and our read
                holder, reason = self._why_free(current[0], break_lock)
                version = self.store.replace(body, current[1])
                if version is None:
                    continue  # someone else took it over first, or the holder refreshed
                self.taken_over, self.takeover_reason = holder, reason
            self.version = version
            return _parse(body)
        raise LockHeldError(
            f"could not take the lock of {self.storage.root}: it changed hands {ATTEMPTS} "
            "times while we tried; another command is starting, try again"
        )

    def takeover_message(self) -> str:
        what = self.taken_over.describe() if self.taken_over else "an unreadable lock"
        return f"took over the lock of {what}: {self.takeover_reason}"

    def refresh(self) -> None:
        """Push the expiry forward, if the lock is still ours (else raise LockHeldError)."""
        if self.version is None:
            raise LockHeldError("the lake lock is not held")
        version = self.store.replace(self._body(), self.version)
        if version is None:
            self.version = None
            current = self.read()
            holder = current.describe() if current else "nobody (the lock was removed)"
            self.lost = LockHeldError(f"lost the lake lock to {holder}; stopping")
            raise self.lost
        self.version = version

    def check(self) -> None:
        """Fail if a refresh found the lock in other hands (the runner calls this per day)."""
        if self.lost is not None:
            raise self.lost

    def release(self) -> None:
        """Remove the lock if it is still ours (never someone else's)."""
        if self.version is not None:
            self.store.delete(self.version)
            self.version = None


class _Heartbeat:
    """Refreshes a held lock every `ttl / 4` until stopped, so it expires only if we die."""

    def __init__(self, lock: LakeLock) -> None:
        self.lock = lock
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="lake-lock-heartbeat", daemon=True)

    def _beat(self) -> None:
        interval = max(self.lock.ttl.total_seconds() / 4, 0.05)
        while not self.stopped.wait(interval):
            try:
                self.lock.refresh()
            except LockHeldError:
                return
            except StorageError:
                continue  # an outage: the lock lives until its expiry, try again next beat

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()


RELEASE_RETRY = RetryPolicy(max_elapsed_s=30.0)
"""How long a command waits for the store to answer so it can give the lock back."""


@contextmanager
def held(
    storage: Storage,
    owner: str,
    *,
    break_lock: bool = False,
    ttl: timedelta = DEFAULT_TTL,
    notify: Callable[[str], None] | None = None,
) -> Iterator[LakeLock]:
    """Hold the lake lock for the body of a `with`: acquire, refresh in the background,
    release (waiting out a short outage of the store). `notify` hears of a takeover.

    A release that fails even after the wait leaves the lock to expire; the next command on
    this host takes it over at once (its holder is gone by then). When the body failed too,
    its error is the one raised, with the release failure as a note."""
    lock = LakeLock(storage, owner, ttl=ttl)
    lock.acquire(break_lock=break_lock)
    tell = notify or (lambda _: None)
    if not lock.store.conditional:
        tell(
            f"the S3 server of {storage.root} ignores conditional writes, so the lake lock "
            "falls back to write, wait, read back: two commands starting at the same moment "
            "could both pass it"
        )
    if lock.takeover_reason:
        tell(lock.takeover_message())
    try:
        with _Heartbeat(lock):
            yield lock
    except BaseException as exc:
        try:
            retrying(lock.release, "release the lake lock", RELEASE_RETRY)
        except StorageError as failed:
            exc.add_note(f"the lake lock was not released: {failed}")
        raise
    retrying(lock.release, "release the lake lock", RELEASE_RETRY)


def command_owner(command: str) -> str:
    """The lock owner name of a CLI command: its name and a random suffix."""
    return f"{command}-{uuid.uuid4().hex[:8]}"


def clear_lock(storage: Storage) -> LockInfo | None:
    """Delete the lock object whoever holds it; return what it said (None if unreadable)."""
    store = open_lock_store(storage)
    current = store.read()
    if current is None:
        return None
    try:
        holder: LockInfo | None = _parse(current[0])
    except LakehouseError:
        holder = None
    store.delete(current[1])
    return holder
