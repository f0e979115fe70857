"""Hand-built silver tables (the contracts of `lakehouse.models.contracts`) loaded into the lake as
DuckLake tables, so gold can be tested against rows whose expected results are computed by hand.

`SilverBuilder` collects rows with short calls (`session`, `student`, `tutor`, `batch`, `error`)
and fills every other contract column the way silver would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from lakehouse.config import Settings
from lakehouse.lake.catalog import write_tables
from lakehouse.lake.storage import open_storage
from lakehouse.models import get_model
from lakehouse.models.contracts import CONTRACTS

OPEN_END = dt.datetime(9999, 12, 31, 23, 59, 59)
SUBJECTS = [
    (0, "Other", False),
    (1, "SAT/ACT/PSAT+", True),
    (2, "Math", False),
    (3, "Science", False),
    (4, "Foreign Language", False),
    (5, "Language Arts", False),
    (6, "Social Studies", False),
]
STATUSES = [(0, "Completed", True), (1, "No-Show", True), (2, "Cancelled", False)]

POLARS_TYPES = {
    "BIGINT": pl.Int64,
    "INTEGER": pl.Int32,
    "DOUBLE": pl.Float64,
    "BOOLEAN": pl.Boolean,
    "VARCHAR": pl.Utf8,
    "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us"),
}
"""The polars type that DuckDB reads back as each contract type."""
SCHEMAS: dict[str, dict[str, Any]] = {
    contract.table.split(".")[1]: {c.name: POLARS_TYPES[c.type] for c in contract.columns}
    for contract in CONTRACTS
}
"""The silver contracts (`lakehouse.models.contracts`), by table name, as polars schemas."""
PARTITIONS = {
    name: model.partitioned_by
    for name in SCHEMAS
    if (model := get_model(f"silver.{name}")).partitioned_by
}


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def batch_id(ingest_date: dt.date) -> str:
    return "migration" if ingest_date == dt.date(2025, 12, 31) else f"sim_{ingest_date}"


@dataclass
class SilverBuilder:
    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in SCHEMAS}
    )

    def session(
        self,
        session_id: int,
        student_id: int,
        tutor_id: int | None,
        subject_id: int,
        at: str,
        *,
        hours: float = 1.0,
        status: int = 0,
        ingest: str,
        orphan: bool = False,
    ) -> None:
        session_ts, ingest_date = ts(at), day(ingest)
        self.rows["fct_sessions"].append(
            {
                "session_id": session_id,
                "student_id": student_id,
                "tutor_id": tutor_id,
                "subject_id": subject_id,
                "session_ts": session_ts,
                "duration_hours": hours,
                "status": status,
                "is_billable": status in (0, 1),
                "student_sk": self._sk("dim_students", "student", student_id, session_ts),
                "tutor_sk": self._sk("dim_tutors", "tutor", tutor_id, session_ts),
                "is_orphan": orphan,
                "dq_flags": "",
                "source_batch_id": batch_id(ingest_date),
                "ingest_date": ingest_date,
                "raw_ingest_ts": dt.datetime.combine(ingest_date, dt.time()),
                "slv_ingest_ts": dt.datetime.combine(ingest_date, dt.time(1)),
                "session_month": session_ts.strftime("%Y-%m"),
            }
        )

    def _sk(self, table: str, entity: str, entity_id: int | None, at: dt.datetime) -> int | None:
        for row in self.rows[table]:
            if (
                row[f"{entity}_id"] == entity_id
                and row["effective_start_ts"] <= at < row["effective_end_ts"]
            ):
                return row[f"{entity}_sk"]
        return None

    def _versions(
        self,
        table: str,
        entity: str,
        entity_id: int,
        versions: list[dict[str, Any]],
        profile: dict[str, Any],
    ) -> None:
        """SCD2 rows of one id: each version's `since` closes the one before it."""
        starts = [ts(v["since"]) for v in versions]
        ends = [*starts[1:], OPEN_END]
        for i, (version, start, end) in enumerate(zip(versions, starts, ends, strict=True)):
            row = {**profile, **{k: v for k, v in version.items() if k != "since"}}
            row.update(
                {
                    f"{entity}_sk": len(self.rows[table]) + 1,
                    f"{entity}_id": entity_id,
                    "created_ts": starts[0],
                    "updated_ts": start,
                    "effective_start_ts": start,
                    "effective_end_ts": end,
                    "is_current": end == OPEN_END,
                    "change_type": "INSERT" if i == 0 else "UPDATE",
                    "source_batch_id": "fixture",
                    "raw_ingest_ts": start,
                    "slv_ingest_ts": start,
                }
            )
            self.rows[table].append(row)

    def student(
        self, student_id: int, first: str, last: str, versions: list[dict[str, Any]]
    ) -> None:
        """versions: dicts with `since` (ISO time), `contract_rate`, `status`, optional `grade`."""
        profile = {
            "first_name": first,
            "last_name": last,
            "sex": "F",
            "date_of_birth": dt.date(2009, 1, 1),
            "grade": 10,
        }
        self._versions("dim_students", "student", student_id, versions, profile)

    def tutor(self, tutor_id: int, first: str, last: str, versions: list[dict[str, Any]]) -> None:
        """versions: dicts with `since`, `contract_rate`, optional `status` (Active)."""
        profile = {
            "first_name": first,
            "last_name": last,
            "sex": "M",
            "date_of_birth": dt.date(1990, 1, 1),
            "active_students": 0,
            "status": "Active",
        }
        self._versions("dim_tutors", "tutor", tutor_id, versions, profile)

    def batch(
        self,
        ingest: str,
        entity: str = "sessions",
        *,
        raw: int,
        kept: int,
        repaired: int = 0,
        superseded: int = 0,
        rejected: int = 0,
    ) -> None:
        ingest_date = day(ingest)
        self.rows["ingest_batches"].append(
            {
                "ingest_date": ingest_date,
                "source_batch_id": batch_id(ingest_date),
                "entity": entity,
                "source_files": f"{entity}.csv",
                "raw_rows": raw,
                "kept_rows": kept,
                "repaired_rows": repaired,
                "superseded_rows": superseded,
                "rejected_rows": rejected,
                "slv_ingest_ts": dt.datetime.combine(ingest_date, dt.time(1)),
            }
        )

    def error(
        self, ingest: str, reason_code: str, action: str, session_id: int | None = None
    ) -> None:
        ingest_date = day(ingest)
        rows = self.rows["err_sessions"]
        rows.append(
            {
                "source_batch_id": batch_id(ingest_date),
                "source_file": "sessions.csv",
                "source_row": len(rows) + 1,
                "raw_session_id": str(session_id),
                "raw_student_id": "1",
                "raw_tutor_id": "1",
                "raw_subject_id": "1",
                "raw_stamp": "",
                "raw_duration": "",
                "raw_status": "",
                "session_id": session_id,
                "reason_code": reason_code,
                "action": action,
                "detail": reason_code.lower(),
                "slv_ingest_ts": dt.datetime.combine(ingest_date, dt.time(1)),
                "ingest_date": ingest_date,
            }
        )

    def rating(self, session_id: int, rating: int, *, ingest: str, comment: str | None = None):
        """A client's rating of a session, submitted at 20:00 of the day before `ingest`."""
        ingest_date = day(ingest)
        self.rows["fct_feedback"].append(
            {
                "session_id": session_id,
                "rating": rating,
                "comment": comment,
                "submitted_ts": dt.datetime.combine(ingest_date, dt.time()) - dt.timedelta(hours=4),
                "is_orphan": False,
                "source_batch_id": batch_id(ingest_date),
                "ingest_date": ingest_date,
                "raw_ingest_ts": dt.datetime.combine(ingest_date, dt.time()),
                "slv_ingest_ts": dt.datetime.combine(ingest_date, dt.time(1)),
            }
        )

    def score(self, student_id: int, on: str, score: int, *, ingest: str, orphan: bool = False):
        """A student's SAT practice score on the date `on`."""
        ingest_date = day(ingest)
        self.rows["fct_test_scores"].append(
            {
                "student_id": student_id,
                "test": "SAT practice",
                "test_date": day(on),
                "score": score,
                "is_orphan": orphan,
                "source_batch_id": batch_id(ingest_date),
                "ingest_date": ingest_date,
                "raw_ingest_ts": dt.datetime.combine(ingest_date, dt.time()),
                "slv_ingest_ts": dt.datetime.combine(ingest_date, dt.time(1)),
            }
        )

    def through(self, ingest: str) -> SilverBuilder:
        """Silver as it stood after the batch `ingest`: later sessions, batches and errors gone.

        Dimension versions are kept: versions from later batches start after every session
        ingested by then, so they change no result as of `ingest`.
        """
        cutoff = day(ingest)
        rows = {
            name: [r for r in table if r.get("ingest_date", cutoff) <= cutoff]
            for name, table in self.rows.items()
        }
        return SilverBuilder(rows)

    def frames(self) -> dict[str, pl.DataFrame]:
        static = {
            "dim_subjects": [dict(zip(SCHEMAS["dim_subjects"], r, strict=True)) for r in SUBJECTS],
            "dim_appt_status": [
                dict(zip(SCHEMAS["dim_appt_status"], r, strict=True)) for r in STATUSES
            ],
        }
        return {
            name: pl.DataFrame(static.get(name) or self.rows[name], schema=schema)
            for name, schema in SCHEMAS.items()
        }

    def write(self, settings: Settings) -> None:
        """Load every silver table into the lake of `settings`, in one commit."""
        open_storage(settings).ensure()
        frames = {name: frame.to_arrow() for name, frame in self.frames().items()}
        write_tables(
            settings,
            {f"silver.{name}": f"SELECT * FROM frame_{name}" for name in frames},
            partitioned_by={f"silver.{n}": c for n, c in PARTITIONS.items()},
            sources={f"frame_{name}": frame for name, frame in frames.items()},
        )
