"""DuckDB extensions loaded offline, from the PyPI wheels of the running DuckDB's version.

DuckDB normally downloads an extension on first use. The lake must work without network, so
each extension it needs comes from a `duckdb-extension-<name>` wheel pinned to the same version
as `duckdb` (pyproject.toml), and is loaded from the wheel's file, never from DuckDB's own
extension folder.

DuckDB checks an extension's signature on every LOAD, which for these 20-40 MB binaries costs
about 0.25 s each, per connection: more than a whole daily ingest. So the check runs once per
installed binary: the first connection that needs a wheel's extension loads it with DuckDB's
signature check on, and on success its path, size and modification time are remembered in
`~/.cache/tutor-lakehouse/verified-extensions.json` (`$XDG_CACHE_HOME` if set). Connections
whose extensions are all remembered skip the check (`allow_unsigned_extensions`); a binary that
changes on disk is checked again.
"""

from __future__ import annotations

import importlib
import json
import os
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
    "avro": "duckdb_extension_avro",
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


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tutor-lakehouse" / "verified-extensions.json"


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _verified() -> dict[str, str]:
    try:
        return json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def verified(names: tuple[str, ...], version: str) -> bool:
    """Every wheel binary of `names` passed DuckDB's signature check before, unchanged since."""
    known = _verified()
    try:
        paths = [wheel_path(name, version) for name in names]
    except EngineError:
        return False
    return all(known.get(str(p)) == _fingerprint(p) for p in paths)


def remember(names: tuple[str, ...], version: str) -> None:
    """Record that these wheel binaries loaded with the signature check on."""
    known = _verified()
    for name in names:
        path = wheel_path(name, version)
        known[str(path)] = _fingerprint(path)
    cache = _cache_file()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # an unwritable cache only means the check runs again next time


def duckdb_version(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("PRAGMA version").fetchone()
    assert row is not None
    return str(row[0])


def load(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load `name` from its wheel's binary, without network (nothing if already loaded)."""
    import duckdb

    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if loaded and loaded[0]:
        return
    try:
        con.execute(f"LOAD '{wheel_path(name, duckdb_version(con))}'")
    except duckdb.Error as exc:
        raise EngineError(f"cannot load DuckDB's {name} extension: {exc}; {_hint(name)}") from None
