"""The `lakehouse` app: global options and the command groups."""

from __future__ import annotations

import typer

from cli import gold as gold_cmd
from cli import history, lake, simulate
from cli import ingest as ingest_cmd
from cli import query as query_cmd
from cli import report as report_cmd
from cli import run as run_cmd
from cli.context import App, GuardedGroup, state
from cli.deploy import deploy_app
from cli.export import export_command

app = App(
    name="lakehouse",
    cls=GuardedGroup,
    help="Tutor Lakehouse: simulate a tutoring business, land raw CSV, build silver and gold "
    "tables with DuckDB, export them. Local folder or S3; DuckDB or Athena.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    ctx: typer.Context,
    lake_: str | None = typer.Option(
        None, "--lake", help="Lake root: a folder or s3://bucket/prefix (overrides LAKEHOUSE_LAKE)."
    ),
    config: str | None = typer.Option(
        None, "--config", help="Settings file (default ./lakehouse.toml, or LAKEHOUSE_CONFIG)."
    ),
    profile: str | None = typer.Option(
        None,
        "--profile",
        help="A \\[profile.NAME] table of the settings file (or LAKEHOUSE_PROFILE).",
    ),
) -> None:
    app_state = state(ctx)
    app_state.config = config
    app_state.profile = profile
    app_state.overrides["lake"] = lake_


app.command("init")(lake.init)
app.add_typer(lake.config_app, name="config")
app.add_typer(simulate.app, name="simulate")
app.command("land")(ingest_cmd.land_command)
app.command("ingest")(ingest_cmd.ingest_command)
app.command("check")(ingest_cmd.check_command)
app.command("materialize")(gold_cmd.materialize_command)
app.command("query")(query_cmd.query_command)
app.command("tables")(gold_cmd.tables_command)
app.command("export")(export_command)
app.command("run")(run_cmd.run)
app.command("status")(run_cmd.status)
app.add_typer(run_cmd.ledger_app, name="ledger")
app.command("report")(report_cmd.report)
app.command("snapshots")(history.snapshots_command)
app.command("rollback")(history.rollback_command)
app.command("rebuild")(history.rebuild_command)
app.command("maintain")(history.maintain_command)
app.command("shell")(history.shell_command)
app.add_typer(deploy_app, name="deploy")


if __name__ == "__main__":
    app()
