"""A growable set of equal-length numpy columns: the in-memory form of students and tutors.

Rows are only ever appended (ids are row numbers), so appends amortise by doubling the
capacity, and every per-day operation is a vectorized read or write of a few columns.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class Columns:
    """Named numpy columns; `t["grade"]` is a writable view of the first `len(t)` rows."""

    def __init__(self, schema: Mapping[str, np.dtype | type], capacity: int = 1024) -> None:
        self.schema = {name: np.dtype(dtype) for name, dtype in schema.items()}
        self._data = {name: np.zeros(capacity, dtype) for name, dtype in self.schema.items()}
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name][: self.n]

    def append(self, rows: Mapping[str, np.ndarray]) -> np.ndarray:
        """Append rows given as one array per column (all columns required); return their ids."""
        missing = set(self.schema) - set(rows)
        if missing:
            raise ValueError(f"append is missing columns {sorted(missing)}")
        count = len(next(iter(rows.values())))
        self._reserve(self.n + count)
        start = self.n
        for name, values in rows.items():
            self._data[name][start : start + count] = values
        self.n += count
        return np.arange(start, start + count, dtype=np.int64)

    def _reserve(self, size: int) -> None:
        capacity = len(next(iter(self._data.values())))
        if size <= capacity:
            return
        new_capacity = max(size, 2 * capacity)
        for name, old in self._data.items():
            grown = np.zeros(new_capacity, old.dtype)
            grown[: self.n] = old[: self.n]
            self._data[name] = grown

    @classmethod
    def from_arrays(cls, schema: Mapping[str, np.dtype | type], arrays: Mapping[str, np.ndarray]):
        table = cls(schema, capacity=max(1024, 2 * len(next(iter(arrays.values())))))
        table.append({name: arrays[name] for name in schema})
        return table

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: self[name] for name in self.schema}
