"""Export stage: publish the gold tables to the configured targets (docs/export-and-report.md).

Gold tables are exported generically: every gold table of the lake except the intermediate
ones (`int_*`, building blocks of the others) is read with DuckDB from one snapshot (so all
files of a run come from the same gold), sorted by all columns once into a local Parquet file
(so a rerun over the same gold gives byte-identical files) whose rows the CSV copy keeps in
order; each target then publishes that snapshot: `local` into `exports/` in the lake, `drive`
as Google Sheets. Every target replaces what it published before, so the stage is idempotent.

A table whose rows did not change since a target last published it is not read or sent again
(`unchanged`): the lake's catalog says which snapshot last changed each table
(`catalog.table_versions`), and `_ops/export/versions.json` what each target published.
`force` publishes every table regardless. The stage only returns its result; the
orchestrator wraps `to_detail()` in the `tutor.gold.export` / `ExportCompleted` event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.config import Settings
from lakehouse.errors import ConfigError, LakehouseError
from lakehouse.export.targets import Exporter, TableExport, TableSnapshot, open_exporter
from lakehouse.lake.catalog import open_catalog, registered_views, table_versions
from lakehouse.lake.connection import scalar
from lakehouse.lake.scratch import scratch_dir
from lakehouse.lake.storage import Storage, open_storage

if TYPE_CHECKING:
    import duckdb

GOLD = "gold"
INTERMEDIATE_PREFIX = "int_"
VERSIONS_KEY = "_ops/export/versions.json"
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ExportResult:
    """What one export run published, per target and per table."""

    targets: tuple[str, ...]
    tables: tuple[str, ...]
    exports: tuple[TableExport, ...]
    removed: tuple[tuple[str, str], ...] = ()
    """(target, key) of exports deleted because their table left gold."""

    def for_target(self, target: str) -> dict[str, TableExport]:
        return {e.table: e for e in self.exports if e.target == target}

    @property
    def skipped(self) -> tuple[TableExport, ...]:
        return tuple(e for e in self.exports if e.action == "skipped")

    def to_detail(self) -> dict[str, Any]:
        """JSON-safe detail of the `ExportCompleted` event: rows per table, and per target and
        table the files (storage keys or Drive file ids), bytes and what was done."""
        rows: dict[str, int] = {}
        for e in self.exports:
            rows.setdefault(e.table, e.rows)
        return {
            "targets": list(self.targets),
            "tables": list(self.tables),
            "rows": rows,
            "exports": {
                t: {n: e.to_detail() for n, e in self.for_target(t).items()} for t in self.targets
            },
            "removed": {t: [k for tt, k in self.removed if tt == t] for t in self.targets},
            "skipped": [
                {"target": e.target, "table": e.table, "message": e.message} for e in self.skipped
            ],
        }


def gold_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the exported gold tables in a read session (`catalog.open_catalog`): all but
    the intermediate ones."""
    names = (v.split(".", 1)[1] for v in registered_views(con) if v.startswith(f"{GOLD}."))
    return sorted(n for n in names if not n.startswith(INTERMEDIATE_PREFIX))


def _select(tables: Iterable[str] | None, available: list[str], storage: Storage) -> list[str]:
    if tables is None:
        if not available:
            raise LakehouseError(
                f"no gold tables in the lake {storage.uri()}: run `lakehouse materialize` first"
            )
        selected = available
    else:
        # Accept `x`, `gold.x` and `gold/x`; keep the caller's order, drop repeats.
        wanted = [t.strip().removeprefix("gold.").removeprefix("gold/") for t in tables]
        selected = list(dict.fromkeys(t for t in wanted if t))
        missing = [t for t in selected if t not in available]
        if missing:
            raise LakehouseError(
                f"gold table(s) {', '.join(missing)} not found in the lake {storage.uri()}; "
                f"available: {', '.join(available) or 'none (run `lakehouse materialize`)'}"
            )
    for name in selected:
        if not _TABLE_NAME.match(name):
            raise LakehouseError(
                f"gold table folder {name!r} is not a valid table name (letters, digits, _)"
            )
    return selected


def snapshot_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> TableSnapshot:
    """Read one gold table once into `folder` as Parquet, rows sorted by all columns, and copy
    that file to CSV in the same order (no second sort: the session keeps insertion order).

    On an S3 lake the table crosses the network once. Sorting by every column makes the files
    a pure function of the table's rows."""
    parquet = folder / f"{table}.parquet"
    csv = folder / f"{table}.csv"
    rows = scalar(  # a COPY returns the number of rows it wrote
        con,
        f"COPY (SELECT * FROM {GOLD}.{table} ORDER BY ALL) "
        f"TO '{parquet.as_posix()}' (FORMAT parquet)",
    )
    local = f"read_parquet('{parquet.as_posix()}')"
    con.execute(f"COPY (SELECT * FROM {local}) TO '{csv.as_posix()}' (FORMAT csv, HEADER)")
    columns = len(con.execute(f"SELECT * FROM {local} LIMIT 0").description)
    return TableSnapshot(
        table=table, csv_path=csv, parquet_path=parquet, rows=int(rows or 0), columns=columns
    )


def _published(storage: Storage) -> dict[str, dict[str, dict[str, int]]]:
    """What each target published last: {target: {table: {version, rows, columns}}}."""
    if not storage.exists(VERSIONS_KEY):
        return {}
    try:
        return json.loads(storage.read_text(VERSIONS_KEY))
    except ValueError:  # a damaged record only costs one full export
        return {}


def export(
    settings: Settings,
    targets: Iterable[str] | None = None,
    tables: Iterable[str] | None = None,
    *,
    exporters: Mapping[str, Exporter] | None = None,
    force: bool = False,
) -> ExportResult:
    """Export gold tables to targets (default: `export.targets`, every exported gold table).

    Every target is checked (`prepare`) before any table is read, so a bad Drive key or folder
    fails the run before the local export is touched. A table a target already holds at the
    current version is left alone unless `force`. `exporters` supplies ready-made targets by
    name (tests pass a Drive exporter wired to a recorded HTTP transport).
    """
    names = tuple(dict.fromkeys(targets if targets is not None else settings.export.targets))
    if not names:
        raise ConfigError("no export target: set export.targets or pass --target")
    storage = open_storage(settings)
    con = open_catalog(settings, (GOLD,))
    results: list[TableExport] = []
    published = _published(storage)
    try:
        available = gold_tables(con)
        selected = _select(tables, available, storage)
        given = dict(exporters or {})
        built = [given[n] if n in given else open_exporter(n, settings, storage) for n in names]
        for exporter in built:
            exporter.prepare()
        versions = table_versions(con, GOLD)
        # Keep the ORDER BY of each COPY in the written files (connect() relaxes this for speed).
        con.execute("SET preserve_insertion_order = true")
        # gold tables are small aggregates: one thread copies them with half the CPU of two
        con.execute("SET threads = 1")
        with scratch_dir("export") as tmp:
            for table in selected:
                version = versions.get(table, -1)
                todo = []
                for exporter in built:
                    held = published.get(exporter.name, {}).get(table)
                    if not force and held and held["version"] == version and exporter.holds(table):
                        results.append(
                            TableExport(
                                target=exporter.name,
                                table=table,
                                action="unchanged",
                                rows=held["rows"],
                                columns=held["columns"],
                                bytes=0,
                                message=f"already published at lake snapshot {version}",
                            )
                        )
                    else:
                        todo.append(exporter)
                if not todo:
                    continue
                snapshot = snapshot_table(con, table, Path(tmp))
                for exporter in todo:
                    done = exporter.export_table(snapshot)
                    results.append(done)
                    if done.action != "skipped":
                        published.setdefault(exporter.name, {})[table] = {
                            "version": version,
                            "rows": snapshot.rows,
                            "columns": snapshot.columns,
                        }
                snapshot.csv_path.unlink()
                snapshot.parquet_path.unlink()
    finally:
        con.close()
    full = set(available) if tables is None else None
    removed = tuple((e.name, key) for e in built for key in e.finish(full))
    if full is not None:  # forget what left gold, so a table that returns is published again
        for target in published.values():
            for table in [t for t in target if t not in full]:
                del target[table]
    storage.write_text(VERSIONS_KEY, json.dumps(published, indent=1, sort_keys=True))
    order = {t: i for i, t in enumerate(selected)}
    results.sort(key=lambda e: (order[e.table], names.index(e.target)))
    return ExportResult(
        targets=names, tables=tuple(selected), exports=tuple(results), removed=removed
    )
