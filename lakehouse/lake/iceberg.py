"""Athena's silver and gold, read where Athena wrote them: Iceberg tables found through Glue.

The lake's read sessions on the Athena engine (`catalog.open_catalog`) are built here.

Every Iceberg table's Glue entry carries `metadata_location`, the metadata file of the table's
current snapshot; Athena points it at a new file on each commit. A read session (`expose`)
looks each table up once and reads that file with DuckDB's iceberg extension (`iceberg_scan`),
so export, the report and `lakehouse query` read exactly what Athena committed, without a copy,
and every query of the session sees the snapshot that was current when it opened. Athena
commits table by table (it has no multi-table transaction), so a session opened while a stage
runs may see one table before the stage's commit and another after it.

The session also records each table's current snapshot id (`table_versions`): a new commit
gives a new id, so export can tell a table it already published from one that changed, as it
does with DuckLake's snapshots.

Glue entries that are not Iceberg tables (the Parquet CTAS tables Athena's stages and ephemeral
models leave in the same databases) are not part of the lake and are skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.errors import EngineError
from lakehouse.models.transpile import database_for

if TYPE_CHECKING:
    import duckdb

EXTENSIONS = ("avro", "iceberg")
"""DuckDB extensions a session needs: iceberg reads the metadata, avro its manifest files."""
METADATA_KEY = "metadata_location"
"""The Glue table parameter naming the current metadata file (Athena's and pyiceberg's)."""
VERSIONS = "iceberg_versions"
"""The session's temporary table of `layer.table` -> current snapshot id."""
NO_SNAPSHOT = -1
"""The version of a table without any commit yet."""


def glue_client(settings: Settings) -> Any:
    """boto3's Glue client in the Athena region (`AWS_ENDPOINT_URL_GLUE` overrides the
    endpoint, as for any boto3 client)."""
    import boto3

    return boto3.client("glue", region_name=settings.athena.region)


def is_iceberg(table: dict[str, Any]) -> bool:
    return table.get("Parameters", {}).get("table_type", "").upper() == "ICEBERG"


def current_metadata(
    settings: Settings, layers: tuple[str, ...], client: Any = None
) -> dict[str, str]:
    """`layer.table` -> the current metadata file of every Iceberg table in the layers' Glue
    databases, sorted by name."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = client or glue_client(settings)
    found: dict[str, str] = {}
    for layer in layers:
        database = database_for(layer, settings.athena)
        try:
            pages = client.get_paginator("get_tables").paginate(DatabaseName=database)
            tables = [t for page in pages for t in page["TableList"]]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "EntityNotFoundException":
                raise EngineError(
                    f"the Glue database {database} ({layer}) does not exist: create the "
                    "tables with `lakehouse deploy setup`"
                ) from None
            raise EngineError(f"cannot list the Glue tables of {database}: {exc}") from None
        except BotoCoreError as exc:
            raise EngineError(f"cannot list the Glue tables of {database}: {exc}") from None
        for table in filter(is_iceberg, tables):
            location = table["Parameters"].get(METADATA_KEY)
            if not location:
                raise EngineError(
                    f"the Glue table {database}.{table['Name']} is an Iceberg table without "
                    f"{METADATA_KEY}: it cannot be read"
                )
            found[f"{layer}.{table['Name']}"] = location
    return dict(sorted(found.items()))


def expose(
    con: duckdb.DuckDBPyConnection, settings: Settings, layers: tuple[str, ...]
) -> list[str]:
    """`layer.table` views over each Iceberg table's current snapshot; returns their names.

    `con` needs `EXTENSIONS` loaded and the lake's S3 secret (`lake.connection.connect`)."""
    tables = current_metadata(settings, layers)
    for layer in layers:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {VERSIONS} (name VARCHAR, version BIGINT)")
    for name, metadata in tables.items():
        literal = "'" + metadata.replace("'", "''") + "'"
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM iceberg_scan({literal})")
        con.execute(
            f"INSERT INTO {VERSIONS} SELECT ?, coalesce(CAST(json_extract(json, "
            f"'$.\"current-snapshot-id\"') AS BIGINT), {NO_SNAPSHOT}) "
            f"FROM read_json_objects({literal})",
            [name],
        )
    return list(tables)


def table_versions(con: duckdb.DuckDBPyConnection, layer: str) -> dict[str, int]:
    """`table` -> the snapshot id each Iceberg table of `layer` had when the session opened."""
    rows = con.execute(f"SELECT name, version FROM {VERSIONS} ORDER BY name").fetchall()
    prefix = f"{layer}."
    return {n.removeprefix(prefix): int(v) for n, v in rows if n.startswith(prefix)}
