"""DuckDB connections that read and write the lake, local or on S3 (through httpfs)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.engines.base import Engine, MaterializeResult
from lakehouse.errors import EngineError
from lakehouse.models import Model, render
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
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{settings.duckdb.memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    # Spill files go to the system temp folder, not `.tmp/` in the user's working directory.
    spill = settings.duckdb.temp_directory or str(Path(tempfile.gettempdir()) / "lakehouse-duckdb")
    con.execute(f"SET temp_directory = '{spill}'")
    if settings.storage == "s3":
        load_httpfs(con)
        create_s3_secret(con, settings)
    return con


class DuckDBEngine(Engine):
    """Models as Parquet tables in the lake, run by DuckDB in process (local folder or S3).

    Each kind is one `TableStore.write` (files staged locally, published atomically, stale
    files removed). The stages run batches of models through their own drivers with the same
    strategies (`lakehouse.strategies` stages a whole ingest for the journal; gold is written
    table by table); this class is the one-model-at-a-time form behind the engine interface.
    """

    name = "duckdb"
    dialect = "duckdb"

    SUPPORTS_MERGE = False  # Parquet files are immutable: an upsert rewrites the table's files
    SUPPORTS_TRANSACTIONS = False  # one write per table; multi-table atomicity is the journal's
    SUPPORTS_REPLACE_TABLE = True  # a table's files are replaced as a whole by TableStore.write
    SUPPORTS_PARTITION_REPLACE = True  # hive partitions present in a result are replaced alone
    READS_LAKE_FILES_DIRECTLY = True  # read_parquet/read_csv over lake paths

    def __init__(self, settings: Settings, con: duckdb.DuckDBPyConnection | None = None) -> None:
        from lakehouse.catalog import lake_tables
        from lakehouse.storage import open_storage
        from lakehouse.tables import TableStore

        super().__init__(settings)
        self.con = con or connect(settings)
        self.store = TableStore(open_storage(settings), self.con)
        self.store.register_views(list(lake_tables(self.store.storage)))

    def render(self, model: Model | str, params: dict[str, Any] | None = None) -> str:
        return render(model, params, dialect="duckdb")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self.con.execute(sql).fetchall()
        except duckdb_error() as exc:
            raise EngineError(f"DuckDB query failed: {exc}") from None

    def close(self) -> None:
        self.con.close()

    def _write(
        self, model: Model, query: str, *, partitions_only: bool = False
    ) -> MaterializeResult:
        self.store.write(
            model.name,
            query,
            partition_by=model.partitioned_by,
            replace_partitions_only=partitions_only,
        )
        self.store.register_views([model.name])
        return MaterializeResult(model.name, model.kind, self.name, 1)

    def materialize_full(self, model: Model, params: dict[str, Any]) -> MaterializeResult:
        return self._write(model, self.render(model, params))

    def materialize_incremental_by_partition(
        self, model: Model, params: dict[str, Any]
    ) -> MaterializeResult:
        return self._write(model, self.render(model, params), partitions_only=True)

    def materialize_incremental_by_unique_key(
        self, model: Model, params: dict[str, Any]
    ) -> MaterializeResult:
        """Current rows whose key the result does not hold, plus the result: a full rewrite."""
        result = f"_result_{model.table}"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {result} AS {self.render(model, params)}")
        if not self.store.exists(model.name):
            return self._write(model, f"SELECT * FROM {result}")
        match = " AND ".join(f"r.{k} = p.{k}" for k in model.unique_key)
        upsert = (
            f"SELECT * FROM {self.store.scan(model.name)} AS p WHERE NOT EXISTS "
            f"(SELECT 1 FROM {result} AS r WHERE {match}) UNION ALL BY NAME SELECT * FROM {result}"
        )
        return self._write(model, upsert)

    materialize_scd2 = materialize_incremental_by_unique_key

    def materialize_view(self, model: Model, params: dict[str, Any]) -> MaterializeResult:
        """An ephemeral model: computed once into the session, read by the models after it."""
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.layer}")
        self.con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {self.render(model, params)}")
        return MaterializeResult(model.name, model.kind, self.name, 1)


def duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error
