"""Query engines: DuckDB in process (local folder or S3) and Athena (AWS).

`get_engine(settings)` picks the class named by the `engine` setting. Engine modules are
imported on first use, so choosing DuckDB never imports boto3 and Athena never imports DuckDB.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from lakehouse.errors import ConfigError

if TYPE_CHECKING:
    from lakehouse.config import Settings
    from lakehouse.engines.base import Engine

ENGINE_CLASSES: dict[str, str] = {
    "duckdb": "lakehouse.engines.duckdb:DuckDBEngine",
    "athena": "lakehouse.engines.athena:AthenaEngine",
}
"""Engine name (the `engine` setting) -> `module:Class`, imported lazily."""


def engine_class(name: str) -> type[Engine]:
    if name not in ENGINE_CLASSES:
        raise ConfigError(
            f"unknown engine {name!r}; choose one of {', '.join(sorted(ENGINE_CLASSES))}"
        )
    module, _, cls = ENGINE_CLASSES[name].partition(":")
    return getattr(import_module(module), cls)


def get_engine(settings: Settings, **kwargs: Any) -> Engine:
    """The engine the settings select, constructed with `kwargs` (e.g. an Athena client)."""
    return engine_class(settings.engine)(settings, **kwargs)
