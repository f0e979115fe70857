"""Which errors are worth retrying, and for how long.

A storage outage (a restarting MinIO, a dropped connection, S3 throttling) usually clears in
seconds. Stages and the run's own bookkeeping (ledger entries, the lock) retry such errors with
exponential backoff for a bounded time, counted from the first failure, long enough to ride
out a short outage (`max_elapsed_s`, 30 s by default); anything else is a logic error and fails
at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from lakehouse.errors import RetriesExhaustedError, TransientStorageError

T = TypeVar("T")

_THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestTimeout",
    "RequestTimeoutException",
    "ServiceUnavailable",
    "InternalError",
    "ProvisionedThroughputExceededException",
}
_TRANSIENT_BOTO_ERRORS = {
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "EndpointConnectionError",
    "ConnectionClosedError",
}


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for transient errors; logic errors are never retried."""

    max_attempts: int = 10
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_elapsed_s: float = 30.0
    """No retry starts later than this many seconds after the first failure."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))

    def allows(self, attempt: int, spent_s: float) -> bool:
        """Whether failed attempt `attempt`, `spent_s` seconds after the first failure, may
        be followed by another."""
        return attempt < self.max_attempts and spent_s + self.delay(attempt) <= self.max_elapsed_s


def is_transient(exc: BaseException) -> bool:
    """Storage timeouts and throttling (ours, botocore's) are worth retrying; nothing else is."""
    if isinstance(exc, TransientStorageError):
        return True
    name = type(exc).__name__
    if name in _TRANSIENT_BOTO_ERRORS:
        return True
    response = getattr(exc, "response", None)
    if name == "ClientError" and isinstance(response, dict):
        return response.get("Error", {}).get("Code") in _THROTTLING_CODES
    return False


class Backoff:
    """The retry state of one operation: after each failure, `next_delay(exc)` says how long
    to wait before the next attempt, or None when the error is not transient or the policy's
    time or attempts are used up."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.attempt = 0
        self._first_failure: float | None = None
        self._waited = 0.0

    @property
    def spent_s(self) -> float:
        """Seconds since the first failure (the waits, when the caller's sleep is not real)."""
        if self._first_failure is None:
            return 0.0
        return max(time.monotonic() - self._first_failure, self._waited)

    def mark(self) -> None:
        """Start the clock at the first failure (`next_delay` does it if not done before)."""
        if self._first_failure is None:
            self._first_failure = time.monotonic()

    def next_delay(self, exc: BaseException) -> float | None:
        self.attempt += 1
        self.mark()
        if not is_transient(exc) or not self.policy.allows(self.attempt, self.spent_s):
            return None
        delay = self.policy.delay(self.attempt)
        self._waited += delay
        return delay

    def gave_up(self, what: str, exc: BaseException) -> BaseException:
        """The error to raise when retries end: `exc` itself for a logic error, else a (not
        transient) RetriesExhaustedError saying what failed for how long, so an outer retry
        in the same process does not start over."""
        if not is_transient(exc):
            return exc
        attempts = f"{self.attempt} attempt{'s' if self.attempt > 1 else ''}"
        return RetriesExhaustedError(
            f"{what}: still failing after {attempts} over {self.spent_s:.0f} s: {exc}"
        )


def retrying(
    fn: Callable[[], T],
    what: str,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`fn()`, retried under `policy` while it fails transiently (see `Backoff.gave_up`)."""
    backoff = Backoff(policy or RetryPolicy())
    while True:
        try:
            return fn()
        except Exception as exc:
            delay = backoff.next_delay(exc)
            if delay is None:
                error = backoff.gave_up(what, exc)
                if error is exc:
                    raise
                raise error from exc
            sleep(delay)
