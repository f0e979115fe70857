"""Fixtures of the bronze tests: the silver tests' initialised local lake (bronze files are
checked by the ingest that reads them)."""

from tests.silver.conftest import lake, storage

__all__ = ["lake", "storage"]
