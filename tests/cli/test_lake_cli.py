"""`lakehouse init`, `config show` and `config check` on a local lake and on a real S3 server,
and the messages for a bad endpoint, wrong credentials, a missing bucket, an unknown setting."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from lakehouse.lake.local_s3 import start_local_s3

runner = CliRunner()


def invoke(args: list[str], env: dict | None = None, cwd: Path | None = None):
    base = {"LAKEHOUSE_CONFIG": "", "LAKEHOUSE_PROFILE": ""}
    return runner.invoke(app, args, env={**base, **(env or {})})


def s3_env(endpoint: str, bucket: str, key: str = "k", secret: str = "s") -> dict:
    return {
        "LAKEHOUSE_LAKE": f"s3://{bucket}/lake",
        "LAKEHOUSE_S3_ENDPOINT": endpoint,
        "LAKEHOUSE_S3_ACCESS_KEY_ID": key,
        "LAKEHOUSE_S3_SECRET_ACCESS_KEY": secret,
    }


@pytest.fixture(scope="module")
def auth_s3():
    """A moto server that enforces credentials: one IAM user with S3 access."""
    import boto3

    with start_local_s3(env={"INITIAL_NO_AUTH_ACTION_COUNT": "3"}) as server:
        iam = boto3.client(
            "iam",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="lake")
        key = iam.create_access_key(UserName="lake")["AccessKey"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="lake", PolicyName="s3", PolicyDocument=json.dumps(policy))
        yield server.endpoint, key["AccessKeyId"], key["SecretAccessKey"]


def test_help_lists_commands() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    assert "init" in result.output and "config" in result.output


def test_init_and_show_local(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    result = invoke(["--lake", str(lake), "init"])
    assert result.exit_code == 0, result.output
    assert lake.is_dir() and (lake / "_ops" / "lake.json").is_file()
    shown = invoke(["--lake", str(lake), "config", "show"])
    assert shown.exit_code == 0
    assert "storage" in shown.output and "local" in shown.output
    checked = invoke(["--lake", str(lake), "config", "check"])
    assert checked.exit_code == 0, checked.output
    assert "read 2 probe rows" in checked.output


def test_init_show_check_on_s3(auth_s3) -> None:
    endpoint, key, secret = auth_s3
    env = s3_env(endpoint, "cli-bucket", key, secret)
    result = invoke(["init"], env)
    assert result.exit_code == 0, result.output
    assert "created bucket s3://cli-bucket" in result.output
    again = invoke(["init"], env)
    assert again.exit_code == 0 and "created" not in again.output

    shown = invoke(["config", "show"], env)
    assert shown.exit_code == 0
    assert secret not in shown.output and "********" in shown.output
    checked = invoke(["config", "check"], env)
    assert checked.exit_code == 0, checked.output
    assert "s3://cli-bucket/lake" in checked.output


def test_wrong_secret_is_refused_clearly(auth_s3) -> None:
    endpoint, key, _ = auth_s3
    result = invoke(["init"], s3_env(endpoint, "cli-bucket", key, "wrong-secret"))
    assert result.exit_code == 1
    assert "refused the credentials" in result.output
    assert "s3.secret_access_key" in result.output


def test_missing_bucket_is_named(auth_s3) -> None:
    endpoint, key, secret = auth_s3
    result = invoke(["config", "check"], s3_env(endpoint, "no-such-bucket", key, secret))
    assert result.exit_code == 1
    assert "bucket 'no-such-bucket' does not exist" in result.output
    assert "lakehouse init" in result.output


def test_bad_endpoint_is_named() -> None:
    result = invoke(["init"], s3_env("http://127.0.0.1:9", "any-bucket"))
    assert result.exit_code == 1
    assert "cannot reach S3 endpoint 127.0.0.1:9" in result.output


def test_unknown_setting_names_setting_and_file(tmp_path: Path) -> None:
    config = tmp_path / "lakehouse.toml"
    config.write_text('lake = "x"\n[s3]\nbucket = "nope"\n')
    result = invoke(["--config", str(config), "config", "show"])
    assert result.exit_code == 2
    assert "unknown setting 's3.bucket'" in result.output
    assert str(config) in result.output.replace("\n", "")


def test_config_show_names_the_profile_and_where_each_setting_came_from(tmp_path) -> None:
    config = tmp_path / "lakehouse.toml"
    config.write_text(
        'engine = "duckdb"\n[profile.minio]\nlake = "s3://b/lake"\n'
        '[profile.minio.s3]\nendpoint = "http://localhost:9000"\n'
    )
    env = {"LAKEHOUSE_S3_ENDPOINT": "http://127.0.0.1:9999", "COLUMNS": "200"}
    result = invoke(["--config", str(config), "--profile", "minio", "config", "show"], env)
    assert result.exit_code == 0, result.output
    assert f"settings ({config} [profile.minio])" in result.output
    rows = {
        cells[0]: cells[1:]
        for line in result.output.splitlines()
        if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 3
    }
    assert rows["lake"] == ["s3://b/lake", f"{config} [profile.minio]"]
    assert rows["engine"] == ["duckdb", str(config)]
    assert rows["s3.endpoint"] == [
        "http://127.0.0.1:9999",
        "environment variable LAKEHOUSE_S3_ENDPOINT",
    ]
    assert rows["s3.region"] == ["us-east-1", "default"]
    assert rows["storage"] == ["s3", "follows lake"]
