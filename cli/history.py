"""`lakehouse snapshots | rollback | rebuild | maintain | shell`: the lake's history and upkeep.

Every ingest and materialize is one DuckLake snapshot; these commands list them, return the
lake to an earlier batch, rebuild it from bronze, keep it small, and open it in DuckDB's own
shell.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import typer
from rich.markup import escape
from rich.table import Table

from cli.context import break_lock_option, console, lake_lock, lake_settings, parse_date
from lakehouse.errors import LakehouseError


def snapshots_command(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", "-n", help="Newest snapshots to show (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the snapshots as JSON."),
) -> None:
    """List the lake's snapshots: which stage made each, for which batch, rows per table.

    Any of them can be read with `query --at-batch` or restored with `rollback --to-batch`."""
    from lakehouse.lake.catalog import CatalogMissing, connect_lake, snapshots

    cfg = lake_settings(ctx)
    try:
        con = connect_lake(cfg, read_only=True)
    except CatalogMissing:
        console.print(f"no snapshots: the lake {escape(cfg.lake)} has no tables yet")
        return
    try:
        found = [s for s in snapshots(con) if s.stage]
    finally:
        con.close()
    shown = found if limit <= 0 else found[-limit:]
    if as_json:
        records = [
            {
                "snapshot": s.id,
                "time": s.time.isoformat(sep=" "),
                "stage": s.stage,
                "batch": s.batch.isoformat() if s.batch else None,
                "message": s.message,
                "rows": s.rows,
            }
            for s in shown
        ]
        typer.echo(json.dumps(records, indent=2))
        return
    view = Table(caption=f"{len(shown)} of {len(found)} snapshots (newest last)")
    for column in ("snapshot", "time (UTC)", "stage", "batch"):
        view.add_column(column, justify="right" if column == "snapshot" else "left", no_wrap=True)
    view.add_column("rows written (largest tables)")
    for snap in shown:
        largest = sorted(snap.rows.items(), key=lambda kv: (-kv[1], kv[0]))
        rows = ", ".join(f"{t.split('.', 1)[1]} {n:,}" for t, n in largest[:3])
        if len(largest) > 3:
            rows += f", {len(largest) - 3} more"
        view.add_row(
            str(snap.id),
            snap.time.strftime("%Y-%m-%d %H:%M:%S"),
            snap.stage,
            str(snap.batch or ""),
            escape(rows or snap.message),
        )
    console.print(view)


def rollback_command(
    ctx: typer.Context,
    to_batch: str = typer.Option(
        ..., "--to-batch", help="Ingest date (YYYY-MM-DD) whose state silver and gold return to."
    ),
    break_lock: bool = break_lock_option(),
) -> None:
    """Return silver, gold and the run ledger to the state right after batch --to-batch.

    The later batches stay landed in raw/: `lakehouse ingest --all` (or `run`) takes them
    again. The rolled-back state stays readable in the snapshots until `maintain` expires it."""
    from lakehouse.orchestration.rollback import rollback

    cfg = lake_settings(ctx)
    day = parse_date(to_batch)
    assert day is not None
    with lake_lock(cfg, "rollback", break_lock):
        result = rollback(cfg, day)
    if result.snapshot == result.restored_snapshot:
        console.print(f"the lake is already as it was after batch {day}")
        return
    console.print(
        f"[green]rolled back[/] to batch {day}: {len(result.restored)} tables restored from "
        f"snapshot {result.restored_snapshot}"
        + (f", {len(result.dropped)} dropped" if result.dropped else "")
        + f" (new snapshot {result.snapshot})"
    )
    if result.forgotten_days:
        console.print(
            f"run ledger: {len(result.forgotten_days)} business days to ingest again, "
            f"from {result.forgotten_days[0]}"
        )
    console.print("next: `lakehouse ingest --all` or `lakehouse run` takes the later batches")


def rebuild_command(ctx: typer.Context, break_lock: bool = break_lock_option()) -> None:
    """Rebuild silver and gold from the raw batches, from scratch (bronze is the source).

    Also the way to bring a lake written by an earlier version (plain Parquet tables, no
    catalog) to the current format."""
    from lakehouse.orchestration.rebuild import rebuild

    cfg = lake_settings(ctx)
    with lake_lock(cfg, "rebuild", break_lock), console.status("rebuilding from raw/ ..."):
        result = rebuild(cfg)
    console.print(
        f"[green]rebuilt[/]: {len(result.batches)} batches ingested"
        + (f" (dropped {len(result.dropped)} tables first)" if result.dropped else "")
        + (
            f", {result.stray_files_deleted} stray files removed"
            if result.stray_files_deleted
            else ""
        )
    )
    if result.gold is not None:
        console.print(
            f"gold as of {result.gold.as_of}: revenue {result.gold.total_revenue:,.2f}, "
            f"{sum(result.gold.row_counts.values()):,} rows in {len(result.gold.row_counts)} tables"
        )


def maintain_command(ctx: typer.Context, break_lock: bool = break_lock_option()) -> None:
    """Compact the lake: flush inlined rows to Parquet, merge small files, expire snapshots
    older than maintain.expire_older_than, delete files nothing needs any more."""
    from lakehouse.lake.maintenance import maintain

    cfg = lake_settings(ctx)
    with lake_lock(cfg, "maintain", break_lock):
        result = maintain(cfg)
    console.print(
        f"[green]maintained[/]: {result.rows_flushed:,} inlined rows flushed, "
        f"{result.files_rewritten:,} files with deleted rows rewritten, "
        f"{result.files_merged:,} files merged into {result.files_created:,}, "
        f"{result.snapshots_expired:,} snapshots expired ({result.snapshots_left:,} left), "
        f"{result.files_deleted + result.stray_files_deleted:,} files deleted"
    )


def shell_command(
    ctx: typer.Context,
    print_only: bool = typer.Option(
        False, "--print", help="Print the statements that open the lake instead of a shell."
    ),
) -> None:
    """Open the DuckDB shell with the lake attached read-only (`silver.*` and `gold.*`).

    With --print, print the statements (extension LOADs, secret, ATTACH, USE) so any DuckDB
    process of the same version can open the lake; secrets are masked there."""
    from lakehouse.lake.shell import shell_statements

    cfg = lake_settings(ctx)
    if print_only:
        typer.echo("\n".join(shell_statements(cfg, mask_secrets=True)))
        return
    # the duckdb-cli wheel puts `duckdb` beside this interpreter, which may not be on PATH
    binary = shutil.which("duckdb", path=os.path.dirname(sys.executable)) or shutil.which("duckdb")
    if binary is None:
        raise LakehouseError(
            "the DuckDB shell is not installed: `pip install duckdb-cli==1.5.5` (a dependency "
            "of this project), or use `lakehouse shell --print` with your own DuckDB"
        )
    os.execv(binary, [binary, "-cmd", " ".join(shell_statements(cfg, mask_secrets=False))])
