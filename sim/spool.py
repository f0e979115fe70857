"""Writing one file a chunk at a time, byte for byte the file written from the whole frame.

The history is simulated day by day; holding all its sessions to write them at the end made
the simulator's memory grow with the session count (5 GB at scale 1000). A spool takes the
days as they come and keeps only the file on local disk:

- CSV is appended chunk by chunk. Which integer columns are written as floats (those with a
  null, `writer.float_columns`) is decided by the first chunk; a later chunk with a null in
  a column already written as integers would change earlier rows, and is refused.
- Parquet is spooled to an Arrow IPC file, then read back in the row groups polars gives a
  frame of that many rows (they depend on the row count alone) and fed, one frame per row
  group, to polars' own Parquet sink, so the file equals `DataFrame.write_parquet` of the
  whole frame while only a row group or two is in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
from polars.io.plugins import register_io_source

from sim.writer import float_columns, write_csv


class Spool(Protocol):
    rows: int

    def add(self, frame: pl.DataFrame) -> None: ...

    def finish(self) -> Path:
        """Complete the file and return its local path."""
        ...


class CsvSpool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._out: IO[bytes] = open(path, "wb")  # noqa: SIM115 (closed by finish)
        self._floats: set[str] | None = None

    def add(self, frame: pl.DataFrame) -> None:
        nulls, first = float_columns(frame), self._floats is None
        if self._floats is None:
            self._floats = nulls
        elif nulls - self._floats:
            raise ValueError(
                f"{self.path.name}: rows {self.rows}.. have nulls in integer column(s) "
                f"{', '.join(sorted(nulls - self._floats))}, written as integers above"
            )
        write_csv(frame, self._out, self._floats, header=first)
        self.rows += frame.height

    def finish(self) -> Path:
        self._out.close()
        return self.path


class ParquetSpool:
    def __init__(self, path: Path, *, statistics: bool) -> None:
        self.path = path
        self.rows = 0
        self.statistics = statistics
        self._spooled = path.with_name(path.name + ".spool.arrow")
        self._writer: ipc.RecordBatchFileWriter | None = None

    def add(self, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        if self._writer is None:
            self._writer = ipc.new_file(str(self._spooled), table.schema)
        self._writer.write_table(table)
        self.rows += frame.height

    def finish(self) -> Path:
        if self._writer is None:
            raise ValueError(f"{self.path.name}: no rows were added, so it has no columns")
        self._writer.close()
        with pa.OSFile(str(self._spooled), "rb") as spooled:
            reader = ipc.open_file(spooled)
            schema = pl.from_arrow(reader.schema.empty_table()).schema  # type: ignore[union-attr]

            def source(*_: object) -> Iterator[pl.DataFrame]:
                yield from _rebatched(reader, row_groups(self.rows))

            register_io_source(source, schema=schema).sink_parquet(
                self.path, compression="zstd", statistics=self.statistics
            )
        self._spooled.unlink()
        return self.path


def open_spool(path: Path, fmt: str, *, statistics: bool = True) -> Spool:
    """A spool writing `path` as `writer.encode` writes `fmt` (Parquet: `statistics` off for
    the simulator's state, which writes none)."""
    return CsvSpool(path) if fmt == "csv" else ParquetSpool(path, statistics=statistics)


def row_groups(rows: int) -> list[int]:
    """The row-group sizes of polars' Parquet file of a frame of `rows` rows (probed on an
    all-null column, as they depend on the row count alone)."""
    probe = io.BytesIO()
    pl.DataFrame({"probe": pl.repeat(None, rows, dtype=pl.Int8, eager=True)}).write_parquet(probe)
    meta = pq.ParquetFile(io.BytesIO(probe.getvalue())).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def _rebatched(reader: ipc.RecordBatchFileReader, sizes: list[int]) -> Iterator[pl.DataFrame]:
    """The rows of `reader` in order, as one single-chunk frame per entry of `sizes`."""
    batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
    batch = next(batches)
    for size in sizes:
        pending: list[pa.RecordBatch] = []
        while size:
            while not batch.num_rows:
                batch = next(batches)
            pending.append(batch.slice(0, size))
            size -= pending[-1].num_rows
            batch = batch.slice(pending[-1].num_rows)
        yield pl.from_arrow(pa.Table.from_batches(pending).combine_chunks())  # type: ignore[misc]
