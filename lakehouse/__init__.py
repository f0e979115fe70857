"""Tutor Lakehouse: a local-first lakehouse on DuckDB and S3-compatible storage."""

__version__ = "0.1.0"
