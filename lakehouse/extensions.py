"""DuckDB extensions loaded offline, from the PyPI wheels of the running DuckDB's version.

DuckDB normally downloads an extension on first use. The lake must work without network, so
each extension it needs comes from a `duckdb-extension-<name>` wheel pinned to the same version
as `duckdb` (pyproject.toml); an extension already installed in the user's DuckDB folder is
used first, so a machine with a newer install keeps it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.errors import EngineError

if TYPE_CHECKING:
    import duckdb

WHEELS = {
    "httpfs": "duckdb_extension_httpfs",
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "iceberg": "duckdb_extension_iceberg",
}


def _hint(name: str) -> str:
    package = WHEELS[name].replace("_", "-")
    return f"install the offline copy with `pip install {package}==<your duckdb version>`"


def wheel_path(name: str, version: str) -> Path:
    """The extension binary shipped by its wheel for this DuckDB version (`v1.5.5`)."""
    try:
        module = importlib.import_module(WHEELS[name])
    except ImportError:
        raise EngineError(f"DuckDB's {name} extension is not available: {_hint(name)}") from None
    assert module.__file__ is not None
    path = Path(module.__file__).parent / "extensions" / version / f"{name}.duckdb_extension"
    if not path.is_file():
        raise EngineError(
            f"the {WHEELS[name]} package has no build for DuckDB {version} "
            f"(looked for {path}): {_hint(name)}"
        )
    return path


def duckdb_version(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("PRAGMA version").fetchone()
    assert row is not None
    return str(row[0])


def load(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load `name` without network: an installed copy if any, else the wheel's binary."""
    import duckdb

    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    try:
        con.execute(f"LOAD {name}")
        return
    except duckdb.Error:
        pass
    try:
        con.execute(f"LOAD '{wheel_path(name, duckdb_version(con))}'")
    except duckdb.Error as exc:
        raise EngineError(f"cannot load DuckDB's {name} extension: {exc}; {_hint(name)}") from None


def load_statements(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> list[str]:
    """`LOAD '<wheel path>'` for each extension, for another DuckDB process of this version."""
    version = duckdb_version(con)
    return [f"LOAD '{wheel_path(name, version)}';" for name in names]
