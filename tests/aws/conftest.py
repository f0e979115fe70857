"""Fixtures for the AWS target: Athena settings, an in-process moto account, tiny models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.models import Model, parse_model

REGION = "us-east-1"
WORKGROUP = "tutor-lakehouse"


@pytest.fixture
def athena_settings() -> Settings:
    return load_settings(
        environ={},
        overrides={
            "lake": "s3://tutor-test-lake/lake",
            "engine": "athena",
            "athena.workgroup": WORKGROUP,
            "athena.region": REGION,
            "athena.output_location": "s3://tutor-test-lake/athena-results/",
        },
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's in-process AWS (no network) with fake credentials and the workgroup created."""
    import boto3
    from moto import mock_aws

    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="tutor-test-lake")
        boto3.client("athena", region_name=REGION).create_work_group(
            Name=WORKGROUP,
            Configuration={
                "ResultConfiguration": {"OutputLocation": "s3://tutor-test-lake/athena-results/"}
            },
        )
        yield


def write_model(root: Path, name: str, text: str) -> Model:
    """A model file `root/<layer>/<table>.sql` with `text`, parsed."""
    layer, table = name.split(".")
    path = root / layer / f"{table}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return parse_model(path, root)
