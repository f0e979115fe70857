"""`lakehouse deploy render | sql` through the Typer app, without an AWS account."""

from __future__ import annotations

import sqlglot
import yaml
from typer.testing import CliRunner

from cli.main import app


def test_render_writes_template_ddl_sql_and_lambda_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no lakehouse.toml here: default (local) settings
    out = tmp_path / "build" / "aws"
    result = CliRunner().invoke(app, ["deploy", "render", "--out", str(out)])
    assert result.exit_code == 0, result.output
    template = yaml.safe_load((out / "template.yaml").read_text())
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert sorted(p.name for p in (out / "ddl").iterdir()) == [
        "00_databases.sql",
        "10_bronze.sql",
        "20_silver.sql",
        "30_gold.sql",
    ]
    assert (out / "sql" / "silver" / "fct_sessions.sql").read_text().count("MERGE INTO") == 1
    # the folder lake was swapped for an example s3 lake, never written into the SQL
    assert (
        "s3://my-tutor-lakehouse/lake/iceberg/silver/fct_sessions/"
        in (out / "ddl" / "20_silver.sql").read_text()
    )
    assert (out / "lambda" / "lakehouse" / "orchestration" / "handlers.py").is_file()
    dockerfile = (out / "lambda" / "Dockerfile").read_text()
    assert dockerfile.splitlines()[1] == "FROM public.ecr.aws/lambda/python:3.11"
    for package in ("lakehouse", "sim", "lakehouse_sql"):
        assert f"COPY {package} ${{LAMBDA_TASK_ROOT}}/{package}" in dockerfile
    assert (out / "lambda" / "lakehouse_sql" / "gold" / "monthly_revenue.sql").is_file()
    requirements = (out / "lambda" / "requirements.txt").read_text().splitlines()
    assert "duckdb==1.5.5" in requirements and not any(r.startswith("boto3") for r in requirements)


def test_sql_prints_one_models_athena_statements(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app,
        [
            "--lake",
            "s3://acme-lake/prod",
            "deploy",
            "sql",
            "gold.monthly_revenue",
            "--date",
            "2026-02-01",
        ],
    )
    assert result.exit_code == 0, result.output
    statements = sqlglot.parse(result.output, read="athena")
    assert [type(s).__name__ for s in statements] == ["Drop", "Create", "Delete", "Insert", "Drop"]
    assert "CAST('2026-02-01 00:00:00' AS TIMESTAMP)" in result.output
    select = CliRunner().invoke(app, ["deploy", "sql", "gold.monthly_revenue", "--select"])
    assert select.exit_code == 0 and select.output.lstrip().startswith("/*")
    assert "tutor_gold.int_priced_sessions" in select.output


def test_sql_of_an_unknown_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["deploy", "sql", "gold.nope"])
    assert result.exit_code == 1
    assert "no model named 'gold.nope'" in result.output


def test_setup_runs_every_ddl_statement_through_athena(tmp_path, monkeypatch, aws):
    from moto.athena.models import athena_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    from lakehouse.aws.render import setup_statements
    from lakehouse.config import load_settings

    monkeypatch.chdir(tmp_path)
    for name, value in {
        "LAKEHOUSE_LAKE": "s3://tutor-test-lake/lake",
        "LAKEHOUSE_ENGINE": "athena",
        "LAKEHOUSE_ATHENA_WORKGROUP": "tutor-lakehouse",
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["deploy", "setup"])
    assert result.exit_code == 0, result.output
    sent = [e.query for e in athena_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].executions.values()]
    expected = setup_statements(load_settings())
    assert sent == expected
    assert [s.split()[0:3] for s in sent[:3]] == [["CREATE", "DATABASE", "IF"]] * 3
    assert sum(s.startswith("CREATE EXTERNAL TABLE") for s in sent) == 5  # raw entities
    assert sum("'table_type'='ICEBERG'" in s for s in sent) == len(sent) - 8
    databases = athena_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].databases
    assert {"tutor_raw", "tutor_silver", "tutor_gold"} <= {name for _, name in databases}


def test_setup_refuses_a_duckdb_profile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["deploy", "setup"])
    assert result.exit_code == 2
    assert "deploy setup runs on Athena" in result.output


def test_render_writes_the_state_machine_and_takes_the_mode(tmp_path, monkeypatch):
    import json

    from cli.deploy import Orchestration
    from lakehouse.aws.statemachine import definition
    from lakehouse.aws.template import ORCHESTRATIONS

    assert [o.value for o in Orchestration] == list(ORCHESTRATIONS)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "aws"
    args = ["deploy", "render", "--no-code", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--orchestration", "stepfunctions"])
    assert result.exit_code == 0, result.output
    template = yaml.safe_load((out / "template.yaml").read_text())
    assert template["Parameters"]["Orchestration"]["Default"] == "StepFunctions"
    written = json.loads((out / "statemachine.asl.json").read_text())
    assert written == definition()
    assert template["Resources"]["DailyStateMachine"]["Properties"]["Definition"] == written
    default = CliRunner().invoke(app, args)
    assert default.exit_code == 0, default.output
    template = yaml.safe_load((out / "template.yaml").read_text())
    assert template["Parameters"]["Orchestration"]["Default"] == "EventBridge"
    wrong = CliRunner().invoke(app, [*args, "--orchestration", "cron"])
    assert wrong.exit_code == 2 and "cron" in wrong.output
