"""`lakehouse export`: publish the gold tables to `exports/` in the lake and/or Google Drive."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from cli.context import break_lock_option, console, err_console, lake_lock, lake_settings


def _split(values: list[str] | None) -> list[str]:
    """`--tables a,b --tables c` -> [a, b, c]."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _where(files: tuple[str, ...]) -> str:
    """`exports/x.csv`, `exports/x.parquet` -> `exports/x.{csv,parquet}`."""
    stems = {f.rsplit(".", 1)[0] for f in files}
    if len(stems) == 1 and len(files) > 1:
        return f"{stems.pop()}.{{{','.join(f.rsplit('.', 1)[1] for f in files)}}}"
    return ", ".join(files)


def export_command(
    ctx: typer.Context,
    target: list[str] | None = typer.Option(
        None,
        "--target",
        "-t",
        help="local (exports/ in the lake) or drive (Google Sheets); repeat for both. "
        "Default: the export.targets setting.",
    ),
    tables: list[str] | None = typer.Option(
        None,
        "--tables",
        help="Gold tables to export, comma-separated or repeated. Default: every gold table "
        "(and only then are exports of tables that left gold removed).",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Publish every table, also those a target already holds at their current "
        "version (by default an unchanged table is not read or sent again).",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the ExportCompleted event detail as JSON."
    ),
    break_lock: bool = break_lock_option(),
) -> None:
    """Export gold tables: CSV + Parquet under exports/, and/or a Google Sheet per table.

    Tables whose rows did not change since a target last received them are left alone
    (shown as `unchanged`); --force sends them again."""
    from lakehouse.export.stage import export

    cfg = lake_settings(ctx)
    with lake_lock(cfg, "export", break_lock):
        result = export(
            cfg, targets=_split(target) or None, tables=_split(tables) or None, force=force
        )
    if as_json:
        typer.echo(json.dumps(result.to_detail(), indent=2))
        return
    view = Table(
        title=f"export to {', '.join(result.targets)}", caption=f"lake: {escape(cfg.lake)}"
    )
    for column in ("target", "table", "action"):
        view.add_column(column)
    view.add_column("rows", justify="right")
    view.add_column("bytes", justify="right")
    view.add_column("written to", overflow="fold")
    for e in result.exports:
        where = _where(e.files) or e.url or e.file_id or ""
        view.add_row(e.target, Text(e.table), e.action, f"{e.rows:,}", f"{e.bytes:,}", Text(where))
    console.print(view)
    for target_name, key in result.removed:
        console.print(
            f"[dim]{target_name}: removed {escape(key)} (its table is no longer in gold)[/]"
        )
    for e in result.exports:
        if e.message:
            style = "yellow" if e.action == "skipped" else "dim"
            err_console.print(
                f"[{style}]{e.target} {escape(e.table)}: {escape(e.message)}[/]", highlight=False
            )
