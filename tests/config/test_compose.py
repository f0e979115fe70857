"""docker-compose.yml cannot run here (no Docker engine): check that it parses and agrees with
the `minio` profile of lakehouse.toml."""

from pathlib import Path

import yaml

from lakehouse.config import load_settings

REPO = Path(__file__).resolve().parents[2]


def test_compose_matches_the_minio_profile() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    minio = compose["services"]["minio"]
    init = compose["services"]["minio-init"]
    settings = load_settings(REPO / "lakehouse.toml", profile="minio", environ={})

    port = settings.s3.endpoint.rsplit(":", 1)[1]
    assert f"{port}:9000" in minio["ports"]
    assert minio["environment"]["MINIO_ROOT_USER"] == settings.s3.access_key_id
    assert minio["environment"]["MINIO_ROOT_PASSWORD"] == settings.s3.secret_access_key
    assert "healthcheck" in minio
    assert any(v.endswith(":/data") for v in minio["volumes"])
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"

    bucket, _ = settings.bucket_and_prefix()
    assert f"mb --ignore-existing lake/{bucket}" in init["entrypoint"]
    assert f"{settings.s3.access_key_id} {settings.s3.secret_access_key}" in init["entrypoint"]


def test_compose_postgres_is_the_minio_profiles_catalog() -> None:
    from urllib.parse import urlsplit

    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    postgres = compose["services"]["postgres"]
    settings = load_settings(REPO / "lakehouse.toml", profile="minio", environ={})
    url = urlsplit(settings.catalog)
    assert url.scheme == "postgresql"
    assert f"{url.port}:5432" in postgres["ports"]
    env = postgres["environment"]
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == (url.username, url.password)
    assert env["POSTGRES_DB"] == url.path.lstrip("/")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
