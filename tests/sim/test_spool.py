"""A file spooled chunk by chunk is byte for byte the file written from the whole frame."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.spool import open_spool, row_groups
from sim.writer import encode


def _frame(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    tutor = pl.Series(rng.integers(0, 50, rows)).set(pl.Series(rng.random(rows) < 0.01), None)
    return pl.DataFrame(
        {
            "session_id": np.arange(rows, dtype=np.int64),
            "tutor_id": tutor,
            "stamp": pl.from_epoch(pl.Series(rng.integers(0, 2**31, rows)), time_unit="s"),
            "duration": rng.choice([0.5, 1.0, 1.5, 60.0], rows),
            "ingest_ts": pl.from_epoch(pl.Series(rng.integers(0, 2**40, rows)), time_unit="ms"),
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_spooled_file_equals_the_whole_frame_written_at_once(tmp_path, fmt):
    frame = _frame(200_001)  # several Parquet row groups, cut across the chunks below
    assert frame["tutor_id"].head(5000).null_count()  # the first chunk decides the floats
    assert len(row_groups(frame.height)) > 1
    spool = open_spool(tmp_path / f"out.{fmt}", fmt)
    for start, length in ((0, 5000), (5000, 65_001), (70_001, 0), (70_001, 130_000)):
        spool.add(frame.slice(start, length))
    assert spool.rows == frame.height
    assert spool.finish().read_bytes() == encode(frame, fmt)


def test_a_csv_spool_refuses_a_null_in_a_column_already_written_as_integers(tmp_path):
    frame = _frame(1000)
    spool = open_spool(tmp_path / "out.csv", "csv")
    spool.add(frame.slice(0, 1).with_columns(pl.lit(1, pl.Int64).alias("tutor_id")))
    with pytest.raises(ValueError, match=r"out.csv: rows 1\.\. have nulls in .*tutor_id"):
        spool.add(frame.slice(1))
