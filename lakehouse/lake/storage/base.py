"""The storage interface: keys are '/'-separated paths relative to the lake root."""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path


class Storage(ABC):
    """A lake root (a local folder or an S3 bucket prefix) holding objects by key.

    Writes are atomic per object: a reader sees the old bytes or the new ones, never a mix.
    """

    kind: str
    root: str
    """The lake root as the user wrote it (folder path or s3://bucket/prefix)."""

    @abstractmethod
    def uri(self, key: str = "") -> str:
        """Location of `key` for a query engine: an absolute path or an s3:// URI."""

    @abstractmethod
    def ensure(self) -> str:
        """Create the root (folder or bucket) if missing; return a description of it."""

    @abstractmethod
    def check(self) -> None:
        """Fail with a StorageError unless the root exists and is readable and writable."""

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Every key under `prefix` (recursively), sorted."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def write_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def upload(self, local_path: Path, key: str) -> None:
        """Copy a local file to `key`, atomically."""

    @abstractmethod
    def download(self, key: str, local_path: Path) -> None: ...

    @abstractmethod
    def delete(self, keys: Sequence[str]) -> None:
        """Delete the given keys; missing keys are ignored."""

    def read_text(self, key: str) -> str:
        return self.read_bytes(key).decode("utf-8")

    def write_text(self, key: str, text: str) -> None:
        self.write_bytes(key, text.encode("utf-8"))

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under `prefix`; return how many were deleted."""
        keys = self.list(prefix)
        self.delete(keys)
        return len(keys)

    # `builtins.list`: inside this class `list` names the method above.
    def list_dirs(self, prefix: str) -> builtins.list[str]:
        """Immediate sub-folder names under `prefix` (e.g. the `ingest_date=...` folders)."""
        prefix = prefix.rstrip("/") + "/"
        names = {
            k[len(prefix) :].split("/", 1)[0] for k in self.list(prefix) if "/" in k[len(prefix) :]
        }
        return sorted(names)


def clean_key(key: str) -> str:
    """Normalise a key: no leading slash, no empty or '..' segments."""
    parts = [p for p in key.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"storage key may not contain '..': {key!r}")
    return "/".join(parts)
