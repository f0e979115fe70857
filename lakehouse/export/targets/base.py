"""What every export target shares: the snapshot it publishes, what it reports, its interface.

The stage reads each gold table once into a local snapshot (a CSV and a Parquet file with rows
in a deterministic order); every target then publishes that same snapshot. So two targets can
never disagree about the rows of a run, and a target never needs a query engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lakehouse.config import Settings
from lakehouse.errors import LakehouseError
from lakehouse.lake.storage import Storage


class ExportError(LakehouseError):
    """A target refused or failed an export (credentials, folder, permissions, quota)."""


@dataclass(frozen=True)
class TableSnapshot:
    """One gold table, read once, as local files ready to publish."""

    table: str
    """Bare table name (`active_students`): also the export file and Sheet name."""
    csv_path: Path
    parquet_path: Path
    rows: int
    columns: int

    @property
    def csv_bytes(self) -> int:
        return self.csv_path.stat().st_size

    @property
    def parquet_bytes(self) -> int:
        return self.parquet_path.stat().st_size


@dataclass(frozen=True)
class TableExport:
    """What one target did with one table: the detail the `ExportCompleted` event carries."""

    target: str
    table: str
    action: str
    """`written` (local), `created` / `updated` (Drive), `unchanged` (published before at
    the table's current version, so not sent again), or `skipped` (see `message`)."""
    rows: int
    columns: int
    bytes: int
    """Bytes published (CSV + Parquet for local, the uploaded CSV for Drive; 0 when skipped)."""
    files: tuple[str, ...] = ()
    """Storage keys written (local target)."""
    file_id: str | None = None
    """Google Drive file id of the Sheet (Drive target)."""
    url: str | None = None
    message: str = ""

    def to_detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "action": self.action,
            "rows": self.rows,
            "columns": self.columns,
            "bytes": self.bytes,
        }
        if self.files:
            detail["files"] = list(self.files)
        if self.file_id:
            detail["file_id"] = self.file_id
        if self.url:
            detail["url"] = self.url
        if self.message:
            detail["message"] = self.message
        return detail


class Exporter(ABC):
    """One export target. The stage calls `prepare`, then `export_table` per table, then
    `finish`; `prepare` must fail before anything is written when the target is unusable."""

    name: str

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings, storage: Storage) -> Exporter:
        """Build the target from the `[export]` settings (and the lake, for the local target)."""

    def prepare(self) -> None:  # noqa: B027 - optional hook, most targets need no check
        """Check the target can be written (credentials, folder) before any table is read."""

    def holds(self, table: str) -> bool:
        """Whether what this target published for `table` is still there (the stage skips a
        table it holds at the current version). Targets that cannot tell cheaply trust it."""
        return True

    @abstractmethod
    def export_table(self, snapshot: TableSnapshot) -> TableExport:
        """Publish one snapshot, replacing what an earlier run published for the table."""

    def finish(self, gold_tables: set[str] | None) -> tuple[str, ...]:
        """Called once after every table. `gold_tables` is the full set of gold tables when
        the whole of gold was exported (None for a partial export); return what was removed."""
        return ()
