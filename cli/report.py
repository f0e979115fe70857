"""`lakehouse report`: write the gold tables as one self-contained HTML dashboard."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from cli.context import console, err_console, lake_settings
from lakehouse.config import Settings
from lakehouse.errors import LakehouseError

LAKE_ZONES = ("raw", "sim", "silver", "gold", "_ops", "_catalog", "exports")
"""The lake's own folders: a report written there would be read as table or batch data."""


def check_out_path(cfg: Settings, out: Path) -> None:
    """Refuse an --out inside the lake's data folders, or over a file that is not a report."""
    target = out.expanduser().resolve()
    if cfg.storage == "local":
        root = Path(cfg.lake).expanduser().resolve()
        for zone in LAKE_ZONES:
            if target.is_relative_to(root / zone):
                raise LakehouseError(
                    f"--out {out} is inside the lake's {zone}/ folder, where it would be read "
                    "as lake data; write the report outside the lake (default reports/)"
                )
    if target.is_file():
        with target.open("rb") as fh:
            head = fh.read(64).lstrip().lower()
        if not head.startswith((b"<!doctype html", b"<html")):
            raise LakehouseError(
                f"--out {out} exists and is not an HTML report; not overwriting it (choose "
                "another path or delete the file)"
            )


def report(
    ctx: typer.Context,
    out: Path = typer.Option(
        Path("reports/report.html"),
        "--out",
        "-o",
        help="HTML file to write (folders are created). Opens offline, by double-click.",
        dir_okay=False,
    ),
) -> None:
    """Write the gold tables as one self-contained HTML dashboard (opens offline).

    Key figures, revenue and margin, students, contractor utilization, subject demand and
    data quality, read from the lake's gold tables.
    """
    from lakehouse.report import build_report

    cfg = lake_settings(ctx)
    check_out_path(cfg, out)
    result = build_report(cfg, out)
    for table in result.missing_tables:
        err_console.print(
            f"[yellow]note:[/] {escape(table)} is not in the lake; its part is left out"
        )
    console.print(
        f"[green]report written:[/] {escape(str(result.path))} "
        f"({result.size_bytes / 1e6:.1f} MB, {len(result.charts)} charts)",
        highlight=False,
        soft_wrap=True,
    )
