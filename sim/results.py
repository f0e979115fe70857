"""What the simulator stage returns: frozen results whose `to_detail()` becomes the detail
of the SimulationCompleted event (JSON-safe)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from sim.landing import BatchCounts, Landed
from sim.scenario import DEFAULT_SCENARIO


@dataclass(frozen=True)
class HistoryResult:
    seed: int
    scale: float
    format: str
    first_day: date
    last_day: date
    ingest_date: date
    sessions: int
    students: int
    tutors: int
    active_students: int
    files: tuple[str, ...]
    scenario: str = DEFAULT_SCENARIO
    seconds: float = field(compare=False, default=0.0)

    def to_detail(self) -> dict[str, Any]:
        return {
            "business_date": self.last_day.isoformat(),
            "ingest_date": self.ingest_date.isoformat(),
            "source_batch_id": "migration",
            "first_business_date": self.first_day.isoformat(),
            "seed": self.seed,
            "scale": self.scale,
            "format": self.format,
            "scenario": self.scenario,
            "rows": {"sessions": self.sessions, "students": self.students, "tutors": self.tutors},
            "active_students": self.active_students,
            "files": list(self.files),
        }


@dataclass(frozen=True)
class DayResult(BatchCounts):
    forced: bool = False
    already_landed: bool = False
    """The day had landed before with identical files; nothing was written."""
    earlier: tuple[DayResult, ...] = ()
    """Days before `business_date` simulated first by the same call (to fill a gap)."""

    @classmethod
    def of(cls, landed: Landed, forced: bool = False, already_landed: bool = False) -> DayResult:
        counts = {f.name: getattr(landed, f.name) for f in fields(BatchCounts)}
        return cls(**counts, forced=forced, already_landed=already_landed)

    def to_detail(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "ingest_date": self.ingest_date.isoformat(),
            "source_batch_id": self.source_batch_id,
            "rows": {
                "sessions": self.raw_sessions,
                "students": self.students,
                "tutors": self.tutors,
            },
            "clean_sessions": self.clean_sessions,
            "corrupted": self.corrupted,
            "duplicated": self.duplicated,
            "inserts": {"students": self.student_inserts, "tutors": self.tutor_inserts},
            "updates": {
                "students": self.students - self.student_inserts,
                "tutors": self.tutors - self.tutor_inserts,
            },
            "forced": self.forced,
            "already_landed": self.already_landed,
            "files": list(self.files),
            "ingest_dates": [d.ingest_date.isoformat() for d in (*self.earlier, self)],
        }
