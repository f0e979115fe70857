"""`lakehouse init` and `lakehouse config show`: where the lake is and how it is configured."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from cli.context import App, console, lake_settings, settings
from lakehouse.config import effective_items, origin_of
from lakehouse.lake.storage import init_lake

config_app = App(help="Inspect the effective configuration.", no_args_is_help=True)

LAKE_FOLDERS = ("raw", "sim", "silver", "gold", "_ops", "exports")


def init(ctx: typer.Context) -> None:
    """Create the lake: the folder (local) or the bucket (S3), and check it is writable."""
    storage, described = init_lake(settings(ctx))
    console.print(f"[green]lake ready:[/] {escape(described)}")
    folders = ", ".join(f"{f}/" for f in LAKE_FOLDERS)
    console.print(f"layout: {folders} under {escape(storage.uri())}")


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print every effective setting (secrets masked) and where the settings came from."""
    cfg = settings(ctx)
    table = Table(title=escape(f"settings ({cfg.source})"), show_lines=False)
    table.add_column("setting", style="cyan")
    table.add_column("value", overflow="fold")
    table.add_column("from", style="dim", overflow="fold")
    for name, value in effective_items(cfg):
        table.add_row(name, escape(value), escape(origin_of(cfg, name)))
    console.print(table, soft_wrap=True)


@config_app.command("check")
def check(ctx: typer.Context) -> None:
    """Check the lake end to end: storage reachable with these credentials, DuckDB can read it."""
    from lakehouse.lake.doctor import check_lake

    result = check_lake(lake_settings(ctx))
    console.print(
        f"[green]ok:[/] {result.storage} is writable and DuckDB read "
        f"{result.engine_read_rows} probe rows back"
    )
