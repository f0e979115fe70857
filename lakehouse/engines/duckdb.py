"""DuckDB connections that read and write the lake, local or on S3 (through httpfs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.config import Settings
from lakehouse.errors import EngineError
from lakehouse.storage.s3 import endpoint_parts

if TYPE_CHECKING:
    import duckdb

HTTPFS_HINT = (
    "install the offline copy of the extension with "
    "`pip install duckdb-extension-httpfs==<your duckdb version>`"
)


def httpfs_path(version: str) -> Path:
    """The httpfs binary shipped by the `duckdb-extension-httpfs` wheel for this DuckDB version."""
    try:
        import duckdb_extension_httpfs
    except ImportError:
        raise EngineError(f"DuckDB's httpfs extension is not available: {HTTPFS_HINT}") from None
    path = (
        Path(duckdb_extension_httpfs.__file__).parent
        / "extensions"
        / version
        / "httpfs.duckdb_extension"
    )
    if not path.is_file():
        raise EngineError(
            f"the duckdb-extension-httpfs package has no build for DuckDB {version} "
            f"(looked for {path}): {HTTPFS_HINT}"
        )
    return path


def load_httpfs(con: duckdb.DuckDBPyConnection) -> None:
    """Load httpfs without network: the installed extension if any, else the wheel's binary."""
    import duckdb

    try:
        con.execute("LOAD httpfs")
        return
    except duckdb.Error:
        pass
    version = con.execute("PRAGMA version").fetchone()[0]
    try:
        con.execute(f"LOAD '{httpfs_path(version)}'")
    except duckdb.Error as exc:
        raise EngineError(f"cannot load DuckDB's httpfs extension: {exc}; {HTTPFS_HINT}") from None


def _s3_credentials(settings: Settings) -> tuple[str, str, str]:
    """Explicit keys from config, else whatever the standard AWS credential chain resolves."""
    s3 = settings.s3
    if s3.access_key_id:
        return s3.access_key_id, s3.secret_access_key, s3.session_token
    import boto3

    creds = boto3.Session(region_name=s3.region).get_credentials()
    if creds is None:
        raise EngineError(
            "no S3 credentials: set s3.access_key_id / s3.secret_access_key "
            "(or LAKEHOUSE_S3_ACCESS_KEY_ID / LAKEHOUSE_S3_SECRET_ACCESS_KEY, or AWS_* variables)"
        )
    frozen = creds.get_frozen_credentials()
    return frozen.access_key, frozen.secret_key, frozen.token or ""


def create_s3_secret(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
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
    con.execute(f"CREATE OR REPLACE SECRET lake_s3 ({body})")


def connect(settings: Settings, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection configured for this machine and able to reach the lake."""
    import duckdb

    con = duckdb.connect(database)
    con.execute("SET autoinstall_known_extensions = false")
    con.execute(f"SET threads = {int(settings.duckdb.threads)}")
    con.execute(f"SET memory_limit = '{settings.duckdb.memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    if settings.duckdb.temp_directory:
        con.execute(f"SET temp_directory = '{settings.duckdb.temp_directory}'")
    if settings.storage == "s3":
        load_httpfs(con)
        create_s3_secret(con, settings)
    return con
