"""Recording stage functions for testing the orchestration alone (events, ledger, retries,
lock, resume). They have the real entry points' signatures and write a small object per call
into the lake, so a test can see what ran, in which order, and compare lake contents. The
product never uses them: the end-to-end tests run the real stages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lakehouse.config import Settings
from lakehouse.lake.storage import open_storage


@dataclass(frozen=True)
class FakeResult:
    detail: dict[str, Any]

    def to_detail(self) -> dict[str, Any]:
        return dict(self.detail)


@dataclass
class RecordingStages:
    """Stage callables that log (stage, date) and can fail on chosen calls.

    `fail` maps (stage, business date) to an exception raised instead of running; a list of
    exceptions is consumed one per call (so a transient error can clear on retry).
    """

    calls: list[tuple[str, str]] = field(default_factory=list)
    fail: dict[tuple[str, str], Any] = field(default_factory=dict)

    def _maybe_fail(self, stage: str, day: str) -> None:
        self.calls.append((stage, day))
        planned = self.fail.get((stage, day))
        if isinstance(planned, list):
            if planned:
                raise planned.pop(0)
        elif planned is not None:
            raise planned

    @staticmethod
    def _write(settings: Settings, stage: str, day: str, payload: dict[str, Any]) -> None:
        key = f"fake/{stage}/{day}.json"
        open_storage(settings).write_text(key, json.dumps(payload, sort_keys=True))

    def simulate(self, settings: Settings, day: date, force: bool = False) -> FakeResult:
        self._maybe_fail("simulate", day.isoformat())
        self._write(settings, "simulate", day.isoformat(), {"sessions": day.day})
        return FakeResult({"business_date": day.isoformat(), "sessions": day.day})

    def ingest(self, settings: Settings, ingest_date: date) -> list[FakeResult]:
        """Like `silver.ingest.ingest_through`: the raw batches landed before `ingest_date`
        and not ingested yet go first, then `ingest_date`; one result each, in order."""
        from lakehouse.bronze.files import landed_batches

        storage = open_storage(settings)
        done = {k.rsplit("=", 1)[1].removesuffix(".json") for k in storage.list("fake/ingested")}
        waiting = [d for d in landed_batches(storage) if d < ingest_date and str(d) not in done]
        results = []
        for batch in [*waiting, ingest_date]:
            day = date.fromordinal(batch.toordinal() - 1).isoformat()
            self._maybe_fail("ingest", day)
            self._write(settings, "ingest", day, {"ingest_date": batch.isoformat()})
            storage.write_text(f"fake/ingested/batch={batch}.json", "{}")
            results.append(FakeResult({"ingest_date": batch.isoformat(), "kept_rows": 10}))
        return results

    def materialize(self, settings: Settings, as_of: date | None = None) -> FakeResult:
        assert as_of is not None
        day = date.fromordinal(as_of.toordinal() - 1).isoformat()
        self._maybe_fail("materialize", day)
        self._write(settings, "materialize", day, {"as_of": as_of.isoformat()})
        return FakeResult({"tables": 4})

    def export(self, settings: Settings, targets=None, tables=None) -> FakeResult:
        self._maybe_fail("export", "?")
        return FakeResult({"files": 8})

    def mapping(self) -> dict[str, Any]:
        return {
            "simulate": self.simulate,
            "ingest": self.ingest,
            "materialize": self.materialize,
            "export": self.export,
        }
