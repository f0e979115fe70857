"""Storage backends by name: the lake root decides which one is used."""

from __future__ import annotations

import json

from lakehouse.config import Settings
from lakehouse.errors import LakeNotFoundError
from lakehouse.lake.storage.base import Storage, clean_key

LAKE_MARKER = "_ops/lake.json"
"""Written by `lakehouse init`: what makes a folder or bucket prefix a lake."""


def open_storage(settings: Settings) -> Storage:
    """The storage for the configured lake (a folder, or s3://bucket/prefix)."""
    if settings.storage == "s3":
        from lakehouse.lake.storage.s3 import S3Storage

        return S3Storage(settings)
    from lakehouse.lake.storage.local import LocalStorage

    return LocalStorage(settings.lake)


def init_lake(settings: Settings) -> tuple[Storage, str]:
    """Create the lake root, check it is writable and mark it as a lake; return the storage
    and a description of the root. Safe to rerun."""
    storage = open_storage(settings)
    described = storage.ensure()
    storage.check()
    marker = {"lake": settings.lake, "storage": settings.storage}
    storage.write_text(LAKE_MARKER, json.dumps(marker) + "\n")
    return storage, described


def require_lake(settings: Settings, init_command: str = "lakehouse init") -> Storage:
    """The storage of an initialised lake, or a LakeNotFoundError that says what to run."""
    storage = open_storage(settings)
    try:
        storage.check()
    except LakeNotFoundError as exc:
        raise LakeNotFoundError(exc.what, init_command) from None
    if not storage.exists(LAKE_MARKER):
        what = f"{storage.uri()} is not an initialised lake (it has no {LAKE_MARKER})"
        raise LakeNotFoundError(what, init_command)
    return storage


__all__ = ["LAKE_MARKER", "Storage", "clean_key", "init_lake", "open_storage", "require_lake"]
