"""A lock on the lake so two runs cannot interleave their days.

The lock is the object `_ops/lock.json` (owner host, pid and run id; acquired and expiry
times; a random token). It lives in the lake, not on the machine, so a laptop run and a run
against the same bucket from elsewhere see each other.

Not every S3 server offers a conditional put, so acquisition is: read; refuse if a live lock
exists; write ours; wait `settle_s`; read back and check the token is ours. Two runs that both
read "no lock" write one after the other, and the wait lets the later write land before the
earlier writer reads back, so only the later one keeps the lock. The remaining race: a run
whose read-to-write gap exceeds `settle_s` (a store stalling for longer than that) can still
miss the other's write, and both proceed. The runner also re-verifies the token at the start of
every business day (`refresh()`), so such a loser stops at its next day; closing the race
completely needs a compare-and-swap (conditional put) in the store.

A live holder refreshes the expiry at every business day (`refresh()`); a lock past its expiry
belongs to a run that died or hung and is taken over with a warning. `break_lock=True` clears a lock
that has not expired yet (after a kill), except one held by a process still alive on this host.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from lakehouse.errors import LakehouseError
from lakehouse.storage import Storage

LOCK_KEY = "_ops/lock.json"
DEFAULT_TTL = timedelta(minutes=10)
"""How long a lock lives without a refresh; a business day longer than this would lose it."""
SETTLE_S = 0.2
"""Pause between writing the lock and reading it back (see the module docstring)."""


class LockHeldError(LakehouseError):
    """Another run holds the lake."""

    exit_code = 3


@dataclass
class LockInfo:
    host: str
    pid: int
    run_id: str
    acquired_at: str
    expires_at: str
    token: str

    def expired(self, now: datetime | None = None) -> bool:
        return datetime.fromisoformat(self.expires_at) <= (now or datetime.now(UTC))

    def describe(self) -> str:
        return (
            f"run {self.run_id} (host {self.host}, pid {self.pid}), "
            f"acquired {self.acquired_at}, expires {self.expires_at}"
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LakeLock:
    """Acquire with `acquire()`, refresh with `refresh()`, give back with `release()`."""

    def __init__(
        self,
        storage: Storage,
        run_id: str,
        ttl: timedelta = DEFAULT_TTL,
        settle_s: float = SETTLE_S,
    ) -> None:
        self.storage = storage
        self.run_id = run_id
        self.ttl = ttl
        self.settle_s = settle_s
        self.token = uuid.uuid4().hex
        self.taken_over: LockInfo | None = None
        """The expired or broken lock this one replaced, for the caller to report."""

    def read(self) -> LockInfo | None:
        if not self.storage.exists(LOCK_KEY):
            return None
        try:
            return LockInfo(**json.loads(self.storage.read_text(LOCK_KEY)))
        except (ValueError, TypeError) as exc:
            raise LakehouseError(
                f"lock object {LOCK_KEY} is unreadable ({exc}); delete it or use --break-lock"
            ) from None

    def _write(self, acquired_at: str | None = None) -> LockInfo:
        now = datetime.now(UTC)
        info = LockInfo(
            host=socket.gethostname(),
            pid=os.getpid(),
            run_id=self.run_id,
            acquired_at=acquired_at or now.isoformat(timespec="seconds"),
            expires_at=(now + self.ttl).isoformat(timespec="seconds"),
            token=self.token,
        )
        self.storage.write_text(LOCK_KEY, json.dumps(asdict(info), indent=2) + "\n")
        return info

    def acquire(self, *, break_lock: bool = False) -> LockInfo:
        try:
            current = self.read()
        except LakehouseError:
            if not break_lock:
                raise
            current = None
        if current is not None and current.token != self.token:
            same_host = current.host == socket.gethostname()
            alive_here = same_host and current.pid != os.getpid() and _pid_alive(current.pid)
            if not current.expired() and not break_lock:
                raise LockHeldError(
                    f"the lake {self.storage.root} is locked by {current.describe()}; "
                    "wait for that run to finish, or if it was killed, rerun with --break-lock"
                )
            if break_lock and alive_here and not current.expired():
                raise LockHeldError(
                    f"not breaking the lock: {current.describe()} is still running on this host"
                )
            self.taken_over = current
        info = self._write()
        time.sleep(self.settle_s)
        self.verify()
        return info

    def verify(self) -> None:
        """Fail unless the lock object still carries this run's token."""
        current = self.read()
        if current is None or current.token != self.token:
            holder = current.describe() if current else "nobody (the lock was removed)"
            raise LockHeldError(f"lost the lake lock to {holder}; stopping this run")

    def refresh(self) -> None:
        """Check ownership and push the expiry forward (called at every business day)."""
        current = self.read()
        if current is None or current.token != self.token:
            self.verify()
        self._write(acquired_at=current.acquired_at if current else None)

    def release(self) -> None:
        """Remove the lock if it is still ours (never someone else's)."""
        current = self.read()
        if current is not None and current.token == self.token:
            self.storage.delete([LOCK_KEY])


def clear_lock(storage: Storage) -> LockInfo | None:
    """Delete the lock object whoever holds it; return what it said (None if unreadable)."""
    try:
        holder = LakeLock(storage, run_id="clear-lock").read()
    except LakehouseError:
        holder = None
    storage.delete([LOCK_KEY])
    return holder
