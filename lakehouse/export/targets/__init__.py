"""Export targets by name (`export.targets` in the settings): one module per target, imported
only when used, so the local target never loads the Google client libraries."""

from __future__ import annotations

from importlib import import_module

from lakehouse.config import EXPORT_TARGETS, Settings
from lakehouse.errors import ConfigError
from lakehouse.export.targets.base import Exporter, ExportError, TableExport, TableSnapshot
from lakehouse.lake.storage import Storage

_TARGETS: dict[str, str] = {
    "local": "lakehouse.export.targets.local:LocalExporter",
    "drive": "lakehouse.export.targets.drive:DriveExporter",
}
assert set(_TARGETS) == set(EXPORT_TARGETS), "every configurable target needs a module"


def open_exporter(name: str, settings: Settings, storage: Storage) -> Exporter:
    """The exporter for target `name`, built from the settings."""
    if name not in _TARGETS:
        raise ConfigError(f"unknown export target {name!r}: choose from {', '.join(_TARGETS)}")
    module, _, cls = _TARGETS[name].partition(":")
    return getattr(import_module(module), cls).from_settings(settings, storage)


__all__ = ["ExportError", "Exporter", "TableExport", "TableSnapshot", "open_exporter"]
