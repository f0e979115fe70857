"""`lakehouse deploy render`: everything a deployment needs, written without an AWS account.

    <out>/template.yaml              the SAM template (`sam build && sam deploy --guided`)
    <out>/statemachine.asl.json      the Step Functions definition the template embeds (for
                                     review; `${...}` are filled in by the template)
    <out>/ddl/00_databases.sql       Glue databases (also in the template; kept for manual setup)
    <out>/ddl/10_bronze.sql          external CSV tables with partition projection
    <out>/ddl/20_silver.sql          Iceberg tables of the silver contract
    <out>/ddl/30_gold.sql            Iceberg tables with the gold models' output types
    <out>/sql/<layer>/<model>.sql    each model's Athena statements, bound to an example batch
    <out>/lambda/                    the functions' image: Dockerfile, requirements, lakehouse/,
                                     sim/, lakehouse_sql/ (SAM builds it with Docker)

Every file is rendered from the models, the contract and `lakehouse.orchestration.events`, in a
stable order, so the output is byte-identical from run to run (the golden tests rely on it).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from importlib.metadata import requires
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.aws.ddl import bronze_ddl, create_databases, iceberg_table
from lakehouse.aws.schemas import athena_models, example_params, partition_column, stored_schemas
from lakehouse.aws.template import ORCHESTRATIONS
from lakehouse.models.transpile import layer_databases

if TYPE_CHECKING:
    from sqlglot import exp

    from lakehouse.config import Settings

DISTRIBUTION = "tutor-lakehouse"
CODE_PACKAGES = ("lakehouse", "sim", "lakehouse_sql")
"""Copied from where they are installed (a checkout or a wheel): the code and the SQL models."""
RUNTIME_PROVIDED = ("boto3",)
"""Dependencies the Lambda Python runtime already ships (left out of requirements.txt)."""
EXAMPLE_LAKE = "s3://my-tutor-lakehouse/lake"


def deploy_settings(settings: Settings, lake: str | None = None) -> Settings:
    """The settings the rendered SQL is written for: an s3:// lake (an example one if the
    current lake is a folder) and the athena engine."""
    if lake is None:
        lake = settings.lake if settings.storage == "s3" else EXAMPLE_LAKE
    return replace(settings, lake=lake, engine="athena")


def _script(statements: Sequence[exp.Expr | str], header: str) -> str:
    texts = [s if isinstance(s, str) else s.sql(dialect="athena", pretty=True) for s in statements]
    return f"-- {header}\n\n" + ";\n\n".join(texts) + ";\n"


def sql_files(settings: Settings, params: dict[str, Any] | None = None) -> dict[str, str]:
    """Relative path -> text of the DDL scripts and every model's Athena statements."""
    from lakehouse.engines.athena import AthenaEngine

    params = example_params() if params is None else params
    files = {
        "ddl/00_databases.sql": _script(create_databases(settings), "Glue databases"),
        "ddl/10_bronze.sql": _script(
            bronze_ddl(settings), "bronze: raw CSV as landed, partitions projected on ingest_date"
        ),
    }
    schemas = stored_schemas(params)
    for number, layer in ((20, "silver"), (30, "gold")):
        tables = [
            iceberg_table(settings, layer, name.split(".")[1], cols, partition_column(name))
            for name, cols in schemas.items()
            if name.startswith(f"{layer}.")
        ]
        files[f"ddl/{number}_{layer}.sql"] = _script(tables, f"{layer}: Iceberg tables")
    engine = AthenaEngine(settings)
    bound = ", ".join(f"{k} = {v}" for k, v in sorted(params.items()))
    for model in athena_models():
        header = (
            f"{model.name} (@kind {model.kind}): the statements `materialize` runs, in order; "
            f"parameters bound to the example batch: {bound}"
        )
        files[f"sql/{model.layer}/{model.table}.sql"] = _script(
            engine.statements(model, params, pretty=True), header
        )
    return dict(sorted(files.items()))


def setup_statements(settings: Settings) -> list[str]:
    """Every DDL statement, in order: databases, bronze, silver and gold tables (idempotent:
    each is IF NOT EXISTS)."""
    files = sql_files(settings)
    statements: list[str] = []
    for rel in sorted(k for k in files if k.startswith("ddl/")):
        statements += _split(files[rel])
    return statements


def _split(script: str) -> list[str]:
    import sqlglot

    return [
        s.sql(dialect="athena", comments=False) for s in sqlglot.parse(script, read="athena") if s
    ]


def requirements() -> str:
    """The project's runtime dependencies for the Lambda package (pinned as installed)."""
    deps = [
        d
        for d in requires(DISTRIBUTION) or []
        if "extra ==" not in d
        and re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0] not in RUNTIME_PROVIDED
    ]
    return "\n".join(deps) + "\n"


def dockerfile() -> str:
    """The image every stage function runs (each sets its handler as the image command)."""
    from lakehouse.aws.template import BASE_IMAGE, HANDLER_MODULE

    copies = "".join(f"COPY {p} ${{LAMBDA_TASK_ROOT}}/{p}\n" for p in CODE_PACKAGES)
    return (
        "# Rendered by `lakehouse deploy render`: the stage functions' image.\n"
        f"FROM {BASE_IMAGE}\n"
        "COPY requirements.txt ${LAMBDA_TASK_ROOT}/\n"
        "RUN pip install --no-cache-dir -r ${LAMBDA_TASK_ROOT}/requirements.txt\n"
        f"{copies}"
        f'CMD ["{HANDLER_MODULE}.simulate_handler"]\n'
    )


def template_yaml(settings: Settings, orchestration: str = ORCHESTRATIONS[0]) -> str:
    import yaml

    from lakehouse.aws.template import template

    databases = layer_databases(settings.athena)
    layers = {"raw": databases["raw"], "silver": databases["silver"], "gold": databases["gold"]}
    body = yaml.safe_dump(template(layers, orchestration=orchestration), sort_keys=False, width=100)
    return (
        "# Rendered by `lakehouse deploy render`; edit lakehouse/aws/template.py instead.\n" + body
    )


def write_bundle(
    settings: Settings,
    out: Path,
    *,
    with_code: bool = True,
    orchestration: str = ORCHESTRATIONS[0],
) -> list[Path]:
    """Write the deployment bundle under `out`; return the files written (code excluded).
    `orchestration` is the default of the template's `Orchestration` parameter."""
    import json

    from lakehouse.aws.statemachine import definition

    settings = deploy_settings(settings) if settings.storage != "s3" else settings
    files = {
        **sql_files(settings),
        "template.yaml": template_yaml(settings, orchestration),
        "statemachine.asl.json": json.dumps(definition(), indent=2) + "\n",
    }
    if with_code:
        files["lambda/requirements.txt"] = requirements()
        files["lambda/Dockerfile"] = dockerfile()
    for old in ("sql", "ddl"):
        shutil.rmtree(out / old, ignore_errors=True)
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if with_code:
        for package in CODE_PACKAGES:
            target = out / "lambda" / package
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                Path(str(resources.files(package))),
                target,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
    return written
