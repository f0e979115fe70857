"""Storage backends by name: the lake root decides which one is used."""

from __future__ import annotations

from lakehouse.config import Settings
from lakehouse.storage.base import Storage, clean_key


def open_storage(settings: Settings) -> Storage:
    """The storage for the configured lake (a folder, or s3://bucket/prefix)."""
    if settings.storage == "s3":
        from lakehouse.storage.s3 import S3Storage

        return S3Storage(settings)
    from lakehouse.storage.local import LocalStorage

    return LocalStorage(settings.lake)


__all__ = ["Storage", "clean_key", "open_storage"]
