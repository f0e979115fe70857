"""`lakehouse report`: write the gold tables as one self-contained HTML dashboard."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.context import console, err_console, lake_settings


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

    result = build_report(lake_settings(ctx), out)
    for table in result.missing_tables:
        err_console.print(f"[yellow]note:[/] {table} is not in the lake; its part is left out")
    console.print(
        f"[green]report written:[/] {result.path} "
        f"({result.size_bytes / 1e6:.1f} MB, {len(result.charts)} charts)",
        highlight=False,
        soft_wrap=True,
    )
