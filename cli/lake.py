"""`lakehouse init` and `lakehouse config show`: where the lake is and how it is configured."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from cli.context import console, settings
from lakehouse.config import effective_items
from lakehouse.storage import open_storage

config_app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)

LAKE_FOLDERS = ("raw", "sim", "silver", "gold", "_ops", "exports")


def init(ctx: typer.Context) -> None:
    """Create the lake: the folder (local) or the bucket (S3), and check it is writable."""
    cfg = settings(ctx)
    storage = open_storage(cfg)
    described = storage.ensure()
    storage.check()
    storage.write_text("_ops/lake.json", f'{{"lake": "{cfg.lake}", "storage": "{cfg.storage}"}}\n')
    console.print(f"[green]lake ready:[/] {escape(described)}")
    console.print(
        f"layout: {', '.join(f'{f}/' for f in LAKE_FOLDERS)} under {escape(storage.uri())}"
    )


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print every effective setting (secrets masked) and where the settings came from."""
    cfg = settings(ctx)
    table = Table(title=f"settings ({escape(cfg.source)})", show_lines=False)
    table.add_column("setting", style="cyan")
    table.add_column("value")
    for name, value in effective_items(cfg):
        table.add_row(name, Text(value))
    console.print(table)


@config_app.command("check")
def check(ctx: typer.Context) -> None:
    """Check the lake end to end: storage reachable with these credentials, DuckDB can read it."""
    from lakehouse.doctor import check_lake

    result = check_lake(settings(ctx))
    console.print(
        f"[green]ok:[/] {result.storage} is writable and DuckDB read "
        f"{result.engine_read_rows} probe rows back"
    )
