"""`lakehouse materialize` and `lakehouse tables`: build gold, and list what the lake holds
(`lakehouse query` is in cli/query.py)."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from cli.context import break_lock_option, console, lake_lock, lake_settings, parse_date


def materialize_command(
    ctx: typer.Context,
    date: str | None = typer.Option(
        None,
        "--date",
        help="Ingest date to build gold as of (YYYY-MM-DD). Default: the latest ingested batch.",
    ),
    full: bool = typer.Option(
        False,
        "--full",
        help="Rebuild every gold row from silver instead of only the rows the batches since "
        "the last build can change (both give the same rows).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the MaterializationCompleted event detail as JSON."
    ),
    break_lock: bool = break_lock_option(),
) -> None:
    """Build the gold tables from silver: incrementally (only the rows the new batches can
    change) when the last build can be updated, else in full. Reruns change nothing."""
    from lakehouse.gold.materialize import materialize

    cfg = lake_settings(ctx)
    as_of = parse_date(date)
    with lake_lock(cfg, "materialize", break_lock):
        result = materialize(cfg, as_of=as_of, full=full)
    if as_json:
        typer.echo(json.dumps(result.to_detail(), indent=2))
        return
    how = "full build" if result.mode == "full" else "incremental build"
    view = Table(
        title=f"gold as of {result.as_of} (as_of_ts {result.as_of_ts}, "
        f"generated_at {result.generated_at})",
        caption=f"{how}{f': {escape(result.reason)}' if result.reason else ''}",
    )
    view.add_column("table")
    view.add_column("rows", justify="right")
    view.add_column("this build")
    for name, rows in result.row_counts.items():
        view.add_row(name, f"{rows:,}", "rebuilt" if name in result.changed else "unchanged")
    console.print(view)
    console.print(
        f"revenue {result.total_revenue:,.2f}  contractor pay {result.total_contractor_pay:,.2f}  "
        f"margin {result.total_revenue - result.total_contractor_pay:,.2f}"
    )


def tables_command(ctx: typer.Context) -> None:
    """List every silver and gold table with its row and data-file counts."""
    from lakehouse.lake.catalog import lake_stats

    cfg = lake_settings(ctx)
    stats = lake_stats(cfg)
    if not stats:
        console.print(
            f"no tables under {escape(cfg.lake)}: run `lakehouse ingest` and `materialize`"
        )
        return
    view = Table(caption=f"lake: {escape(cfg.lake)}")
    view.add_column("table")
    view.add_column("rows", justify="right")
    view.add_column("files", justify="right")
    for info in stats:
        view.add_row(Text(info.name), f"{info.rows:,}", f"{info.files:,}")
    console.print(view)
