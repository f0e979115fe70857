"""Whether the user asked this process to stop (Ctrl-C or SIGTERM).

Python delivers such a signal as a KeyboardInterrupt raised wherever the main thread is. Inside
a library that is calling back into Python at that moment (polars converting a value, say),
the exception can come out as another error. The CLI's handlers note the request before they
raise, so a stage that fails after it is recorded as interrupted, not as failed."""

from __future__ import annotations

_requested = False


def request_stop() -> None:
    """Note that a stop was asked for (called by the signal handlers)."""
    global _requested
    _requested = True


def stop_requested() -> bool:
    return _requested


def clear() -> None:
    """Forget a request (a new run starts)."""
    global _requested
    _requested = False
