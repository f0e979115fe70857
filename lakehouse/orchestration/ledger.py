"""The run ledger: what happened to each business day and stage, kept in the lake itself.

One small JSON object per (business date, stage) at
`_ops/ledger/business_date=YYYY-MM-DD/<stage>.json`, written atomically through Storage. Keeping
it in the lake (not a local database) means a stateless Lambda and a laptop run read the same
ledger, and resuming after a failure needs nothing but the lake. Timings are wall-clock
measurements: the ledger is operational metadata, never a table the models read.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lakehouse.chain import STAGES
from lakehouse.lake.storage import Storage

LEDGER_PREFIX = "_ops/ledger"
STARTED, SUCCEEDED, FAILED = "started", "succeeded", "failed"
INTERRUPTED = "interrupted"
"""Stopped by Ctrl-C or SIGTERM; like a failure, the next run resumes the stage."""
MAX_HISTORY = 20
"""Attempts kept per entry; older ones are dropped so the object stays small."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class LedgerEntry:
    """The state of one stage for one business date, with its attempt history."""

    business_date: str
    stage: str
    status: str = STARTED
    attempt: int = 0
    """Times the stage has been started for this date, across runs and retries."""
    run_id: str = ""
    started_at: str = ""
    finished_at: str = ""
    duration_s: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    """The stage's result (`to_detail()`): counts, and what the next event carries."""
    error: str = ""
    error_type: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    _t0: float = field(default=0.0, repr=False)

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("_t0")
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LedgerEntry:
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "_t0"}
        return cls(**known)


class Ledger:
    """Reads and writes ledger entries in one lake."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @staticmethod
    def key(business_date: date | str, stage: str) -> str:
        return f"{LEDGER_PREFIX}/business_date={business_date}/{stage}.json"

    def get(self, business_date: date | str, stage: str) -> LedgerEntry | None:
        key = self.key(business_date, stage)
        if not self.storage.exists(key):
            return None
        return LedgerEntry.from_json(self.storage.read_text(key))

    def _save(self, entry: LedgerEntry) -> None:
        entry.history = entry.history[-MAX_HISTORY:]
        self.storage.write_text(self.key(entry.business_date, entry.stage), entry.to_json())

    def start(self, business_date: date | str, stage: str, run_id: str) -> LedgerEntry:
        """Record a new attempt of `stage` (status started) and return the entry."""
        previous = self.get(business_date, stage)
        entry = LedgerEntry(
            business_date=str(business_date),
            stage=stage,
            attempt=(previous.attempt if previous else 0) + 1,
            run_id=run_id,
            started_at=_now(),
            history=previous.history if previous else [],
            _t0=time.perf_counter(),
        )
        self._save(entry)
        return entry

    def _finish(self, entry: LedgerEntry, status: str) -> None:
        entry.status = status
        entry.finished_at = _now()
        if entry._t0:
            entry.duration_s = round(time.perf_counter() - entry._t0, 4)
        else:  # an entry read back from the lake: time it by the wall clock
            started = datetime.strptime(entry.started_at, "%Y-%m-%dT%H:%M:%S.%fZ")
            elapsed = datetime.now(UTC) - started.replace(tzinfo=UTC)
            entry.duration_s = round(elapsed.total_seconds(), 4)
        entry.history.append(
            {
                "attempt": entry.attempt,
                "run_id": entry.run_id,
                "status": status,
                "started_at": entry.started_at,
                "duration_s": entry.duration_s,
                "error": entry.error,
            }
        )
        self._save(entry)

    def succeed(self, entry: LedgerEntry, detail: dict[str, Any]) -> None:
        entry.detail, entry.error, entry.error_type = detail, "", ""
        self._finish(entry, SUCCEEDED)

    def fail(self, entry: LedgerEntry, exc: BaseException) -> None:
        entry.error = f"{type(exc).__name__}: {exc}"[:4000]
        entry.error_type = type(exc).__name__
        self._finish(entry, FAILED)

    def interrupt(self, entry: LedgerEntry) -> None:
        entry.error, entry.error_type = "interrupted (Ctrl-C or SIGTERM)", "KeyboardInterrupt"
        self._finish(entry, INTERRUPTED)

    def clear(self, business_date: date | str, stage: str | None = None) -> list[str]:
        """Forget one date's entries (all its stages, or `stage` and the stages after it),
        so the next run starts the date afresh there; return the stages forgotten."""
        stages = STAGES[STAGES.index(stage) :] if stage else STAGES
        gone = [s for s in stages if self.storage.exists(self.key(business_date, s))]
        self.storage.delete([self.key(business_date, s) for s in gone])
        return gone

    def incomplete(self) -> list[tuple[date, str, LedgerEntry | None]]:
        """(date, first stage that has not succeeded, its entry if any) for every date."""
        found = []
        for d in self.dates():
            entries = self.day(d)
            for stage in STAGES:
                entry = entries.get(stage)
                if entry is None or entry.status != SUCCEEDED:
                    found.append((d, stage, entry))
                    break
        return found

    def day(self, business_date: date | str) -> dict[str, LedgerEntry]:
        """Every recorded stage of one date, in chain order."""
        entries = {}
        for stage in STAGES:
            entry = self.get(business_date, stage)
            if entry is not None:
                entries[stage] = entry
        return entries

    def pending_stage(self, business_date: date | str) -> str | None:
        """The first stage of the chain that has not succeeded for this date (None: all did)."""
        for stage in STAGES:
            entry = self.get(business_date, stage)
            if entry is None or entry.status != SUCCEEDED:
                return stage
        return None

    def forget(self, business_date: date | str, stages: tuple[str, ...]) -> bool:
        """Delete the entries of `stages` for one date (their effect was undone, e.g. by a
        rollback); True when there was one."""
        keys = [self.key(business_date, s) for s in stages]
        present = [k for k in keys if self.storage.exists(k)]
        self.storage.delete(present)
        return bool(present)

    def dates(self) -> list[date]:
        """Business dates with any ledger entry, oldest first."""
        names = self.storage.list_dirs(LEDGER_PREFIX)
        return [
            date.fromisoformat(n.split("=", 1)[1]) for n in names if n.startswith("business_date=")
        ]

    def entries(self, dates: list[date]) -> dict[date, dict[str, LedgerEntry]]:
        """{date: {stage: entry}} for the given dates, reading each date's objects once."""
        return {d: self.day(d) for d in dates}
