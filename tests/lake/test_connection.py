"""The S3 secret of an S3 lake: keys from config, else the standard AWS credential chain."""

from __future__ import annotations

import pytest

from lakehouse.config import load_settings
from lakehouse.errors import EngineError
from lakehouse.lake.connection import s3_secret_sql, scalar


def _chain_from(monkeypatch: pytest.MonkeyPatch, credentials_file) -> None:
    """Leave the AWS credential chain only the given shared credentials file."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials_file))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(credentials_file.parent / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_a_key_pair_from_the_chain_goes_into_the_secret(tmp_path, monkeypatch):
    creds = tmp_path / "credentials"
    creds.write_text("[default]\naws_access_key_id = AKIDCHAIN\naws_secret_access_key = s3cr'et\n")
    _chain_from(monkeypatch, creds)
    settings = load_settings(environ={}, overrides={"lake": "s3://bucket/lake"})
    sql = s3_secret_sql(settings)
    assert "KEY_ID 'AKIDCHAIN'" in sql
    assert "SECRET 's3cr''et'" in sql


def test_a_chain_without_an_access_key_is_refused_with_the_settings_to_set(tmp_path, monkeypatch):
    creds = tmp_path / "credentials"
    creds.write_text("[default]\naws_access_key_id =\naws_secret_access_key = only-a-secret\n")
    _chain_from(monkeypatch, creds)
    settings = load_settings(environ={}, overrides={"lake": "s3://bucket/lake"})
    with pytest.raises(EngineError, match=r"no S3 credentials: set s3\.access_key_id"):
        s3_secret_sql(settings)


def test_scalar_is_the_first_value_of_the_one_row_and_no_row_is_an_error():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS n FROM range(5)")
    assert scalar(con, "SELECT count(*) FROM t WHERE n >= ?", [2]) == 3
    assert scalar(con, "SELECT max(n) FROM t WHERE n > 9") is None
    with pytest.raises(EngineError, match="expected one row, got none: SELECT n FROM t"):
        scalar(con, "SELECT n FROM t WHERE n > 9")
