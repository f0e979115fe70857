"""Shared CLI plumbing: global options, lazily loaded settings, the lake check, error
reporting, and command classes that show boolean flags as flags."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, overload

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup, TyperOption

from lakehouse.config import Settings, load_settings
from lakehouse.errors import LakehouseError, UsageError

if TYPE_CHECKING:
    # Typer vendors Click since 0.26 and its command classes take that Click's Context (only
    # typer.Context, a subclass, is public); the annotations below must match theirs.
    from typer._click import Context

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
    """The effective settings, for commands that do not need the lake to exist."""
    return state(ctx).settings


def lake_settings(ctx: typer.Context) -> Settings:
    """The effective settings of an initialised lake; otherwise an error naming the `init`
    command to run (with the same global options)."""
    from lakehouse.lake.storage import require_lake

    cfg = settings(ctx)
    require_lake(cfg, init_command=command_line(ctx, "init"))
    return cfg


def command_line(ctx: typer.Context, *command: str) -> str:
    """`lakehouse [the global options given] COMMAND...`, to print as a next step."""
    app_state = state(ctx)
    words = ["lakehouse"]
    for option, value in (
        ("--config", app_state.config),
        ("--profile", app_state.profile),
        ("--lake", app_state.overrides.get("lake")),
    ):
        if value is not None:
            words += [option, value]
    return shlex.join([*words, *command])


def _flags_as_flags(params: list[Any]) -> list[Any]:
    """Typer labels every option with its type; a flag takes no value, so it gets none."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    def get_params(self, ctx: Context) -> list[Any]:
        return _flags_as_flags(super().get_params(ctx))


class Group(TyperGroup):
    def get_params(self, ctx: Context) -> list[Any]:
        return _flags_as_flags(super().get_params(ctx))


class App(typer.Typer):
    """A Typer app whose commands and groups use the classes above."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs: Any) -> Any:
        kwargs["cls"] = kwargs.get("cls") or Command
        return super().command(name, **kwargs)


class GuardedGroup(Group):
    """Turns a LakehouseError anywhere below into a red message and its exit code, and
    Ctrl-C into exit code 130."""

    def invoke(self, ctx: Context) -> Any:
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


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@overload
def parse_date(value: str, option: str = ...) -> date: ...
@overload
def parse_date(value: None, option: str = ...) -> None: ...
@overload
def parse_date(value: str | None, option: str = ...) -> date | None: ...


def parse_date(value: str | None, option: str = "--date") -> date | None:
    """A YYYY-MM-DD option value as a date (None when the option was not given): the one date
    parser of every command. Other ISO forms (20260201, week dates) are refused."""
    if value is None:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


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
    from lakehouse.lake.lock import command_owner, held
    from lakehouse.lake.storage import open_storage

    def told(message: str) -> None:
        err_console.print(f"[yellow]note:[/] {escape(message)}", highlight=False)

    with held(open_storage(cfg), command_owner(command), break_lock=break_lock, notify=told):
        yield
