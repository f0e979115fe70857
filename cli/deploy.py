"""`lakehouse deploy render | sql`: the AWS deployment, rendered for review without an account."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from cli.context import App, console, parse_date, settings


class Orchestration(StrEnum):
    """Mirrors `lakehouse.aws.template.ORCHESTRATIONS` (tests keep the two equal)."""

    EventBridge = "EventBridge"
    StepFunctions = "StepFunctions"


deploy_app = App(
    help="Render the AWS deployment (SAM template, Athena DDL and SQL); no AWS account needed.",
    no_args_is_help=True,
)


@deploy_app.command("render")
def render(
    ctx: typer.Context,
    out: Path = typer.Option(Path("build/aws"), "--out", help="Folder to write the bundle to."),
    lake: str | None = typer.Option(
        None,
        "--lake-uri",
        help="s3:// lake the SQL is written for (default: the configured lake if it is on S3, "
        "else s3://my-tutor-lakehouse/lake).",
    ),
    code: bool = typer.Option(True, "--code/--no-code", help="Also stage the Lambda code."),
    orchestration: Orchestration = typer.Option(
        Orchestration.EventBridge,
        "--orchestration",
        help="Default of the template's Orchestration parameter: EventBridge chains the stage "
        "functions with event rules; StepFunctions runs each day as one state machine "
        "(retries, a failure state). `sam deploy --parameter-overrides` can switch it later.",
        case_sensitive=False,
    ),
) -> None:
    """Write template.yaml, statemachine.asl.json, ddl/*.sql, sql/<layer>/<model>.sql and
    lambda/ under --out."""
    from lakehouse.aws.render import deploy_settings, write_bundle

    cfg = deploy_settings(settings(ctx), lake)
    written = write_bundle(cfg, out, with_code=code, orchestration=orchestration.value)
    for path in written:
        console.print(f"  {path}", highlight=False)
    console.print(
        f"[green]rendered[/] {len(written)} files for {cfg.lake} under {out}; "
        f"deploy with: cd {out} && sam build && sam deploy --guided"
    )


@deploy_app.command("setup")
def setup(ctx: typer.Context) -> None:
    """Create the Glue databases and the bronze/silver/gold tables through Athena (needs AWS
    credentials and the deployed workgroup; safe to rerun)."""
    from lakehouse.aws.render import setup_statements
    from lakehouse.engines.athena import AthenaClient
    from lakehouse.errors import ConfigError

    cfg = settings(ctx)
    if cfg.engine != "athena":
        raise ConfigError("deploy setup runs on Athena: use a profile with engine = athena")
    client = AthenaClient(cfg)
    statements = setup_statements(cfg)
    for sql_text in statements:
        client.execute(sql_text)
        console.print(f"  ok: {sql_text.split('(')[0][:90]}", highlight=False)
    console.print(
        f"[green]{len(statements)} DDL statements ran in workgroup {cfg.athena.workgroup}"
    )


@deploy_app.command("sql")
def sql(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="Model name, e.g. gold.monthly_revenue."),
    day: str | None = typer.Option(
        None, "--date", help="Batch (ingest date YYYY-MM-DD) to bind; default the example batch."
    ),
    select_only: bool = typer.Option(
        False, "--select", help="Print only the transpiled SELECT, not the statements around it."
    ),
) -> None:
    """Print one model's Athena SQL: the statements its @kind runs (or just its SELECT)."""
    from lakehouse.aws.render import deploy_settings
    from lakehouse.aws.schemas import EXAMPLE_INGEST_DATE, example_params
    from lakehouse.engines.athena import AthenaEngine

    batch = parse_date(day) or EXAMPLE_INGEST_DATE
    engine = AthenaEngine(deploy_settings(settings(ctx)))
    params = example_params(batch)
    if select_only:
        print(engine.render(model, params))
        return
    print(";\n\n".join(engine.statements(model, params, pretty=True)) + ";")
