"""`lakehouse simulate`: land the simulated business as raw files (history, then day by day)."""

from __future__ import annotations

import time
from datetime import timedelta

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.context import App, break_lock_option, console, lake_lock, lake_settings, parse_date

app = App(
    help="Simulate the tutoring business and land its raw batches in the lake.",
    no_args_is_help=True,
)


def _counts(title: str, rows: dict[str, object]) -> Table:
    console.print(f"[bold]{title}[/]")
    table = Table(show_header=False)
    table.add_column(style="cyan")
    table.add_column(justify="right")
    for name, value in rows.items():
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    return table


@app.command("history")
def history(
    ctx: typer.Context,
    seed: int = typer.Option(42, "--seed", min=0, help="Random seed: same seed, same files."),
    scale: float = typer.Option(1.0, "--scale", min=0.001, help="Business size multiplier."),
    until: str | None = typer.Option(
        None, "--until", help="Last business day of the history (default 2025-12-30)."
    ),
    fmt: str = typer.Option("csv", "--format", help="Raw file format: csv or parquet."),
    force: bool = typer.Option(
        False, "--force", help="Start over: delete sim/state/ and the raw batches first."
    ),
    scenario: str = typer.Option(
        "default",
        "--scenario",
        help="A preset (default: the richer business; fixed: the original's with its school "
        "year fixed; original: the original's, to compare with its figures) or the path of a "
        "TOML scenario file. Daily steps continue it.",
    ),
    break_lock: bool = break_lock_option(),
) -> None:
    """Simulate the pre-migration history and land it at ingest_date = until + 1."""
    from sim.api import simulate_history

    last = parse_date(until, "--until")
    cfg = lake_settings(ctx)
    columns = (
        TextColumn("simulating days"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        lake_lock(cfg, "simulate-history", break_lock),
        Progress(*columns, console=console, transient=True) as bar,
    ):
        task = bar.add_task("history", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = simulate_history(
            cfg,
            seed=seed,
            scale=scale,
            until=last,
            progress=advance,
            fmt=fmt,
            force=force,
            scenario=scenario,
        )
    console.print(
        _counts(
            f"history {result.first_day} .. {result.last_day} (seed {seed}, scale {scale:g}, "
            f"scenario {escape(result.scenario)})",
            {
                "sessions": result.sessions,
                "students": result.students,
                "tutors": result.tutors,
                f"students active on {result.last_day}": result.active_students,
                "seconds": f"{result.seconds:.2f}",
            },
        )
    )
    console.print(f"[green]landed[/] raw/*/ingest_date={result.ingest_date}/ ({fmt})")
    console.print(f"next: `lakehouse simulate day` simulates {result.ingest_date}")


@app.command("day")
def day(
    ctx: typer.Context,
    date_: str | None = typer.Option(
        None, "--date", help="Business day to simulate (default: the day after the state)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Rewrite a day that has already landed (identically)."
    ),
    break_lock: bool = break_lock_option(),
) -> None:
    """Simulate one business day D from the saved state and land it at ingest_date = D + 1
    (a later date first simulates the days in between)."""
    from sim.api import simulate_day

    started = time.perf_counter()
    cfg = lake_settings(ctx)
    business_day = parse_date(date_, "--date")
    with lake_lock(cfg, "simulate-day", break_lock):
        result = simulate_day(cfg, business_day, force=force)
    if result.already_landed:
        console.print(
            f"business day {result.business_date} had already landed, identical to what the "
            f"simulator state gives: nothing written (--force rewrites it)"
        )
        return
    for landed in (*result.earlier, result):
        detail = landed.to_detail()
        console.print(
            f"[green]{'rewrote' if landed.forced else 'landed'}[/] business day "
            f"{detail['business_date']} -> ingest_date={detail['ingest_date']}: "
            f"{detail['rows']['sessions']} session rows ({detail['corrupted']} corrupted, "
            f"{detail['duplicated']} duplicated), {detail['rows']['students']} student and "
            f"{detail['rows']['tutors']} tutor delta rows"
        )
    console.print(f"done in {time.perf_counter() - started:.2f} s")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the simulator state of the lake: seed, scale, last simulated day."""
    from sim.api import read_state

    pointer = read_state(lake_settings(ctx))
    if pointer is None:
        console.print("no simulation yet: run `lakehouse simulate history`")
        raise typer.Exit(1)
    console.print(
        _counts(
            "simulator state",
            {
                "seed": pointer.seed,
                "scale": f"{pointer.scale:g}",
                "raw format": pointer.format,
                "scenario": escape(pointer.scenario.name),
                "school year rule": pointer.scenario.school_year,
                "history through": pointer.history_end,
                "last business day": pointer.last_day,
                "next business day": (pointer.last_date + timedelta(days=1)).isoformat(),
            },
        )
    )
