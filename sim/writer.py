"""Raw files in the contract's exact look (docs/CONTRACTS.md, the original's pandas output).

Frames are built typed (nullable ints, timestamps, dates); `encode` then writes them as the
original did: CSV with `YYYY-MM-DD HH:MM:SS` stamps, `ingest_ts` with milliseconds, and an
id or status column that has a null in the file written as floats (`3.0`), because pandas
turned such a column into floats. Parquet keeps the types (nullable integers, timestamps).
"""

from __future__ import annotations

import io
from datetime import date
from typing import IO

import numpy as np
import polars as pl

from sim.population import TUTOR_STATUSES
from sim.table import Columns

FORMATS = ("csv", "parquet")
HISTORY_STEMS = {"sessions": "sessions", "students": "students", "tutors": "tutors"}
DAILY_STEMS = {
    "sessions": "new_sessions",
    "students": "students_delta",
    "tutors": "tutors_delta",
    "feedback": "feedback_delta",
    "test_scores": "test_scores_delta",
}
BATCH_COLUMNS = ["source_batch_id", "ingest_ts"]
DELTA_COLUMNS = ["change_type", *BATCH_COLUMNS]
_SEX = np.array(["F", "M"], dtype=object)
_STATUS = np.array(["Inactive", "Active"], dtype=object)


def raw_key(entity: str, ingest_date: date, daily: bool, fmt: str) -> str:
    stem = (DAILY_STEMS if daily else HISTORY_STEMS)[entity]
    return f"raw/{entity}/ingest_date={ingest_date.isoformat()}/{stem}.{fmt}"


def _seconds(values: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series(values, dtype=pl.Int64), time_unit="s")


def _days(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype(np.int32), dtype=pl.Int32).cast(pl.Date)


def _int_or_null(values: np.ndarray) -> pl.Series:
    """An integer column from an int array, or from a float array whose NaN mean null."""
    series = pl.Series(values)
    if series.dtype.is_float():
        series = series.fill_nan(None)
    return series.cast(pl.Int64)


def sessions_frame(rows: dict[str, np.ndarray]) -> pl.DataFrame:
    """Session rows (epoch-second stamps; NaN for a missing field) as a typed frame."""
    duration = pl.Series(rows["duration"], dtype=pl.Float64).fill_nan(None)
    return pl.DataFrame(
        {
            "session_id": _int_or_null(rows["session_id"]),
            "student_id": _int_or_null(rows["student_id"]),
            "tutor_id": _int_or_null(rows["tutor_id"]),
            "subject_id": _int_or_null(rows["subject_id"]),
            "stamp": _seconds(rows["stamp"]),
            "duration": duration,
            "status": _int_or_null(rows["status"]),
        }
    )


def pristine_frame(rows: dict[str, np.ndarray]) -> pl.DataFrame:
    """Clean session rows with the rates valid at each session and whether it was a burst
    week's extra session (the simulator's truth, kept in its state only: the raw files carry
    neither)."""
    return sessions_frame(rows).with_columns(
        pl.Series("student_rate", rows["student_rate"], dtype=pl.Int64),
        pl.Series("tutor_rate", rows["tutor_rate"], dtype=pl.Int64),
        pl.Series("is_extra", rows["is_extra"], dtype=pl.Boolean),
    )


def students_frame(students: Columns, ids: np.ndarray | None = None) -> pl.DataFrame:
    cols = students.arrays() if ids is None else {k: v[ids] for k, v in students.arrays().items()}
    n = len(cols["grade"])
    return pl.DataFrame(
        {
            "student_id": np.arange(n, dtype=np.int64) if ids is None else ids.astype(np.int64),
            "first_name": pl.Series(cols["first_name"], dtype=pl.String),
            "last_name": pl.Series(cols["last_name"], dtype=pl.String),
            "sex": pl.Series(_SEX[cols["sex"]], dtype=pl.String),
            "date_of_birth": _days(cols["dob"]),
            "grade": cols["grade"].astype(np.int64),
            "status": pl.Series(_STATUS[cols["active"].astype(np.int8)], dtype=pl.String),
            "contract_rate": cols["rate"].astype(np.int64),
            "created": _seconds(cols["created"]),
            "updated": _seconds(cols["updated"]),
        }
    )


def tutors_frame(tutors: Columns, ids: np.ndarray | None = None) -> pl.DataFrame:
    cols = tutors.arrays() if ids is None else {k: v[ids] for k, v in tutors.arrays().items()}
    n = len(cols["rate"])
    return pl.DataFrame(
        {
            "tutor_id": np.arange(n, dtype=np.int64) if ids is None else ids.astype(np.int64),
            "first_name": pl.Series(cols["first_name"], dtype=pl.String),
            "last_name": pl.Series(cols["last_name"], dtype=pl.String),
            "sex": pl.Series(_SEX[cols["sex"]], dtype=pl.String),
            "date_of_birth": _days(cols["dob"]),
            "contract_rate": cols["rate"].astype(np.int64),
            "active_students": cols["load"].astype(np.int64),
            "created": _seconds(cols["created"]),
            "updated": _seconds(cols["updated"]),
        }
    )


def with_batch(frame: pl.DataFrame, batch_id: str, ingest_ms: np.ndarray) -> pl.DataFrame:
    """Add the batch columns; `ingest_ms` is each row's ingest time in epoch milliseconds."""
    ts = pl.from_epoch(pl.Series(ingest_ms, dtype=pl.Int64), time_unit="ms")
    return frame.with_columns(pl.lit(batch_id).alias("source_batch_id"), ts.alias("ingest_ts"))


def with_tutor_status(frame: pl.DataFrame, tutors: Columns, ids: np.ndarray) -> pl.DataFrame:
    """Append the tutors' `status` (Active, Leaving, Departed) after the batch columns: the
    optional last column of a daily tutor delta, written only by scenarios where tutors leave
    (the original's files have none)."""
    status = np.array(TUTOR_STATUSES, dtype=object)[tutors["status"][ids]]
    return frame.with_columns(pl.Series("status", status, dtype=pl.String))


def with_change_type(frame: pl.DataFrame, inserted: np.ndarray) -> pl.DataFrame:
    """INSERT for a row first seen in this batch, UPDATE otherwise."""
    change = np.where(inserted, "INSERT", "UPDATE")
    return frame.with_columns(pl.Series("change_type", change, dtype=pl.String))


def float_columns(frame: pl.DataFrame) -> set[str]:
    """The integer columns a CSV writes as floats: those with a null, as pandas did."""
    return {
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.Int64 and frame[name].null_count()
    }


def write_csv(frame: pl.DataFrame, out: IO[bytes], floats: set[str], header: bool = True) -> None:
    """Write `frame` as the original's CSV to `out`, the columns `floats` as floats."""
    casts = [pl.col(name).cast(pl.Float64) for name in floats]
    if "ingest_ts" in frame.columns:
        casts.append(pl.col("ingest_ts").dt.strftime("%Y-%m-%d %H:%M:%S%.3f"))
    if casts:
        frame = frame.with_columns(casts)
    frame.write_csv(
        out,
        include_header=header,
        datetime_format="%Y-%m-%d %H:%M:%S",
        date_format="%Y-%m-%d",
        null_value="",
    )


def encode(frame: pl.DataFrame, fmt: str) -> bytes:
    """Bytes of one raw file in `fmt` (csv, as the original wrote it, or parquet)."""
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer, compression="zstd", statistics=True)
    else:
        write_csv(frame, buffer, float_columns(frame))
    return buffer.getvalue()
