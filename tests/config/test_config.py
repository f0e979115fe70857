from pathlib import Path

import pytest

from lakehouse.config import effective_items, env_var, load_settings
from lakehouse.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lakehouse.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(environ={})
    assert settings.lake == "./lake"
    assert settings.storage == "local"
    assert settings.engine == "duckdb"


def test_precedence_file_then_env_then_override(tmp_path: Path) -> None:
    path = write(tmp_path, 'lake = "from-file"\n[s3]\nregion = "eu-west-1"\n')
    assert load_settings(path, environ={}).lake == "from-file"
    env = {"LAKEHOUSE_LAKE": "from-env", "LAKEHOUSE_S3_REGION": "eu-central-1"}
    settings = load_settings(path, environ=env)
    assert (settings.lake, settings.s3.region) == ("from-env", "eu-central-1")
    assert load_settings(path, environ=env, overrides={"lake": "from-cli"}).lake == "from-cli"


def test_profile_overrides_top_level(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'lake = "./lake"\n[profile.minio]\nlake = "s3://b/p"\n[profile.minio.s3]\nendpoint = "http://h:9000"\n',
    )
    settings = load_settings(path, profile="minio", environ={})
    assert settings.storage == "s3"
    assert settings.bucket_and_prefix() == ("b", "p")
    assert settings.s3.endpoint == "http://h:9000"
    assert "profile.minio" in settings.source


def test_env_values_are_coerced(tmp_path: Path) -> None:
    env = {
        "LAKEHOUSE_S3_USE_SSL": "true",
        "LAKEHOUSE_DUCKDB_THREADS": "4",
        "LAKEHOUSE_EXPORT_TARGETS": "local, drive",
    }
    settings = load_settings(environ=env)
    assert settings.s3.use_ssl is True
    assert settings.duckdb.threads == 4
    assert settings.export.targets == ("local", "drive")


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ('lakee = "x"\n', {}, "unknown setting 'lakee'"),
        ('[s3]\nendpont = "x"\n', {}, "unknown setting 's3.endpont'"),
        ('engine = "spark"\n', {}, "setting 'engine' = 'spark'"),
        ('lake = "gs://bucket"\n', {}, "use a folder path or s3://bucket/prefix"),
        ('lake = "s3://"\n', {}, "names no bucket"),
        ("", {"LAKEHOUSE_DUCKDB_THREADS": "many"}, "LAKEHOUSE_DUCKDB_THREADS"),
        ("", {"LAKEHOUSE_S3_USE_SSL": "maybe"}, "expected true or false"),
        ('engine = "athena"\n', {}, "engine 'athena' needs an s3:// lake"),
        ('[export]\ntargets = ["ftp"]\n', {}, "'ftp'"),
        ("lake = \n", {}, "not valid TOML"),
        (
            "[maintain]\nkeep_batches = -1\n",
            {},
            "'maintain.keep_batches' must be 0 (never) or more",
        ),
    ],
)
def test_invalid_settings_name_the_setting_and_the_file(
    tmp_path: Path, text: str, env: dict, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_settings(path, environ=env)
    if not env:
        assert str(path) in str(info.value) or "engine 'athena'" in str(info.value)


def test_missing_explicit_file_and_profile(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})
    path = write(tmp_path, 'lake = "x"\n')
    with pytest.raises(ConfigError, match="profile 'prod' not found"):
        load_settings(path, profile="prod", environ={})


def test_secrets_are_masked() -> None:
    settings = load_settings(
        environ={}, overrides={"s3.secret_access_key": "supersecret", "s3.access_key_id": "AKIA"}
    )
    items = dict(effective_items(settings))
    assert "supersecret" not in items["s3.secret_access_key"]
    assert items["s3.access_key_id"] == "AKIA"
    assert env_var("s3.secret_access_key") == "LAKEHOUSE_S3_SECRET_ACCESS_KEY"


def test_shipped_config_profiles_are_valid() -> None:
    path = REPO / "lakehouse.toml"
    assert load_settings(path, environ={}).storage == "local"
    minio = load_settings(path, profile="minio", environ={})
    assert minio.storage == "s3" and minio.s3.endpoint == "http://localhost:9000"
    aws = load_settings(path, profile="aws", environ={})
    assert aws.engine == "athena" and aws.s3.endpoint == ""


def test_a_misspelled_variable_fails_naming_the_closest_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"LAKEHOUSE_S3_ENDPONT": "http://127.0.0.1:9000"})
    message = str(caught.value)
    assert "LAKEHOUSE_S3_ENDPONT" in message and "did you mean LAKEHOUSE_S3_ENDPOINT?" in message
    with pytest.raises(
        ConfigError, match="unknown environment variable LAKEHOUSE_QQQQQQQQQQ: known"
    ):
        load_settings(environ={"LAKEHOUSE_QQQQQQQQQQ": "1"})
    for other in ("LAKEHOUSE_CONFIG", "LAKEHOUSE_EVENT_BUS", "LAKEHOUSE_SQL_DIR"):
        load_settings(environ={other: ""})  # not settings, but known


@pytest.mark.parametrize("value", ["12345678901234", "true", "[1, 2]", "{ a = 1 }", "1.5"])
def test_a_secret_of_the_wrong_type_is_never_echoed(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f'[s3]\naccess_key_id = "AKIA"\nsecret_access_key = {value}\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert "s3.secret_access_key" in message and "value hidden" in message
    for piece in ("12345678901234", "true", "True", "[1, 2]", "'a'", "1.5"):
        assert piece not in message


def test_config_show_prints_no_part_of_a_secret() -> None:
    settings = load_settings(environ={}, overrides={"s3.secret_access_key": "wJalrXUtnFEMI"})
    items = dict(effective_items(settings))
    assert "wJ" not in items["s3.secret_access_key"] and "set" in items["s3.secret_access_key"]
