"""Opening a DuckDB connection that reaches the lake: this machine's settings, the extensions
from their wheels, and the S3 secret of an S3 lake.

Below the catalog (which attaches DuckLake to such a connection) and the DuckDB engine (which
runs the models on it), so both open connections the same way.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.errors import EngineError
from lakehouse.lake import extensions as ext
from lakehouse.lake.storage.s3 import endpoint_parts

if TYPE_CHECKING:
    import duckdb


def _s3_credentials(settings: Settings) -> tuple[str, str, str]:
    """Explicit keys from config, else whatever the standard AWS credential chain resolves."""
    s3 = settings.s3
    if s3.access_key_id:
        return s3.access_key_id, s3.secret_access_key, s3.session_token
    import boto3

    creds = boto3.Session(region_name=s3.region).get_credentials()
    frozen = None if creds is None else creds.get_frozen_credentials()
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        raise EngineError(
            "no S3 credentials: set s3.access_key_id / s3.secret_access_key "
            "(or LAKEHOUSE_S3_ACCESS_KEY_ID / LAKEHOUSE_S3_SECRET_ACCESS_KEY, or AWS_* variables)"
        )
    return frozen.access_key, frozen.secret_key, frozen.token or ""


def s3_secret_sql(settings: Settings) -> str:
    """`CREATE OR REPLACE SECRET lake_s3 (...)` for the lake's bucket."""
    endpoint, secure = endpoint_parts(settings)
    key_id, secret, token = _s3_credentials(settings)
    bucket, _ = settings.bucket_and_prefix()
    options = {
        "TYPE": "s3",
        "KEY_ID": key_id,
        "SECRET": secret,
        "REGION": settings.s3.region,
        "ENDPOINT": endpoint,
        "URL_STYLE": "path" if settings.s3.path_style and settings.s3.endpoint else "vhost",
        "USE_SSL": "true" if secure else "false",
        "SCOPE": f"s3://{bucket}",
    }
    if token:
        options["SESSION_TOKEN"] = token
    body = ", ".join(
        f"{k} {v}" if k in ("TYPE", "USE_SSL") else f"{k} '{v.replace(chr(39), chr(39) * 2)}'"
        for k, v in options.items()
    )
    return f"CREATE OR REPLACE SECRET lake_s3 ({body})"


def connect(
    settings: Settings, database: str = ":memory:", extensions: tuple[str, ...] = ()
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection configured for this machine and able to reach the lake's storage,
    with `extensions` (and httpfs for an S3 lake) loaded from their wheels."""
    import duckdb

    needed = (*extensions, "httpfs") if settings.storage == "s3" else extensions
    trusted = bool(needed) and ext.verified(needed, f"v{duckdb.__version__}")
    config: dict[str, str | bool | int | float | list[str]] = (
        {"allow_unsigned_extensions": "true"} if trusted else {}
    )
    con = duckdb.connect(database, config=config)
    for name in needed:
        ext.load(con, name)
    if needed and not trusted:
        ext.remember(needed, f"v{duckdb.__version__}")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute(f"SET threads = {int(settings.duckdb.threads)}")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{settings.duckdb.memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    # Spill files go to the system temp folder, not `.tmp/` in the user's working directory.
    spill = settings.duckdb.temp_directory or str(Path(tempfile.gettempdir()) / "lakehouse-duckdb")
    con.execute(f"SET temp_directory = '{spill}'")
    if settings.storage == "s3":
        con.execute(s3_secret_sql(settings))
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The first value of a query that returns one row (an aggregate, a catalog function), so
    callers need not handle DuckDB's no-row case; a query that returns none is an EngineError."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise EngineError(f"expected one row, got none: {sql}")
    return row[0]
