"""The statements that open the lake in any DuckDB process of this version (`lakehouse shell`).

They load the extensions from this installation's wheels, give DuckDB the S3 credentials of an
S3 lake, attach the DuckLake catalog read-only as `lake` and make it the default catalog, so
`silver.fct_sessions` and `gold.monthly_revenue` are named as everywhere else.
"""

from __future__ import annotations

import re

from lakehouse.config import Settings, mask_url_password
from lakehouse.lake.catalog import ALIAS, location
from lakehouse.lake.connection import s3_secret_sql
from lakehouse.lake.extensions import wheel_path


def shell_statements(settings: Settings, *, mask_secrets: bool) -> list[str]:
    """The statements, in order; with `mask_secrets`, secret values are replaced by stars."""
    import duckdb

    where = location(settings)
    version = f"v{duckdb.__version__}"
    names = (*where.extensions, "httpfs") if settings.storage == "s3" else where.extensions
    statements = [f"LOAD '{wheel_path(name, version)}';" for name in names]
    if settings.storage == "s3":
        secret = s3_secret_sql(settings)
        if mask_secrets:
            secret = re.sub(r"(SECRET|SESSION_TOKEN) '(?:[^']|'')*'", r"\1 '********'", secret)
        statements.append(secret + ";")
    uri = where.uri
    if mask_secrets and where.kind == "postgres":
        uri = f"ducklake:postgres:{mask_url_password(where.target)}"
    options = "READ_ONLY" + (
        f", DATA_PATH '{where.data_path}', OVERRIDE_DATA_PATH true" if where.inside_lake else ""
    )
    statements.append(f"ATTACH '{uri}' AS {ALIAS} ({options});")
    statements.append(f"USE {ALIAS};")
    return statements
