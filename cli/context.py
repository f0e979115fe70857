"""Shared CLI plumbing: global options, lazily loaded settings, error reporting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from lakehouse.config import Settings, load_settings
from lakehouse.errors import LakehouseError

if TYPE_CHECKING:
    import click

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppState:
    config: str | None = None
    profile: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(
                self.config, profile=self.profile, overrides=self.overrides
            )
        return self._settings


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def settings(ctx: typer.Context) -> Settings:
    return state(ctx).settings


class GuardedGroup(TyperGroup):
    """Turns a LakehouseError anywhere below into a red message and its exit code, and
    Ctrl-C into exit code 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LakehouseError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/]", highlight=False)
            raise typer.Exit(130) from None


def parse_date(value: str | None, option: str = "--date") -> date | None:
    """A YYYY-MM-DD option value as a date (None when the option was not given)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LakehouseError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def break_lock_option() -> Any:
    """The `--break-lock` option of every command that writes the lake."""
    return typer.Option(
        False,
        "--break-lock",
        help="Take the lake lock even if another host's command holds it (after that command "
        "was killed; a dead process on this host is taken over without it).",
    )


@contextmanager
def lake_lock(cfg: Settings, command: str, break_lock: bool = False) -> Iterator[None]:
    """Hold the lake lock while a command writes, so it cannot interleave with a run."""
    from lakehouse.lock import command_owner, held
    from lakehouse.storage import open_storage

    def told(message: str) -> None:
        err_console.print(f"[yellow]note:[/] {escape(message)}", highlight=False)

    with held(open_storage(cfg), command_owner(command), break_lock=break_lock, notify=told):
        yield
