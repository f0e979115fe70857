"""The drive target's settings: every way the key file or the folder id can be wrong gives a
message naming the setting and the file, before anything is read or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.errors import ConfigError
from lakehouse.export.stage import export
from lakehouse.export.targets import open_exporter
from lakehouse.export.targets.drive import DriveExporter
from lakehouse.lake.storage import open_storage
from tests.export.conftest import SERVICE_ACCOUNT, write_gold

pytestmark = pytest.mark.usefixtures("no_internet")


def drive_settings(tmp_path: Path, key: str, folder: str = "1AbCfolder") -> Settings:
    settings = load_settings(
        environ={},
        overrides={
            "lake": str(tmp_path / "lake"),
            "export.targets": "local,drive",
            "export.drive_folder_id": folder,
            "export.service_account_key": key,
        },
    )
    open_storage(settings).ensure()
    write_gold(settings)
    return settings


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("make_key", "expected"),
    [
        (lambda tmp, info: "", r"setting 'export.service_account_key' is empty"),
        (
            lambda tmp, info: str(tmp / "missing.json"),
            r"setting 'export.service_account_key' = '.*missing.json': key file .*missing.json "
            r"does not exist",
        ),
        (
            lambda tmp, info: write(tmp, "bad.json", "{not json"),
            r"'export.service_account_key' = .*bad.json is not a readable JSON key file",
        ),
        (
            lambda tmp, info: write(tmp, "user.json", json.dumps({"type": "authorized_user"})),
            r"user.json is not a service-account key \(its type is 'authorized_user', expected "
            r"'service_account'\)",
        ),
        (
            lambda tmp, info: write(tmp, "k.json", json.dumps({**info, "private_key": "garbage"})),
            r"k.json is not a valid service-account key",
        ),
        (
            lambda tmp, info: write(
                tmp, "k.json", json.dumps({k: v for k, v in info.items() if k != "client_email"})
            ),
            r"k.json is not a valid service-account key",
        ),
    ],
    ids=["empty", "missing", "not-json", "wrong-type", "bad-private-key", "no-email"],
)
def test_bad_key_file(tmp_path: Path, service_account_info: dict, make_key, expected: str) -> None:
    settings = drive_settings(tmp_path, make_key(tmp_path, service_account_info))
    with pytest.raises(ConfigError, match=expected):
        export(settings)
    assert open_storage(settings).list("exports") == []


def test_empty_folder_id(tmp_path: Path, key_file: str) -> None:
    settings = drive_settings(tmp_path, key_file, folder=" ")
    with pytest.raises(ConfigError, match=r"setting 'export.drive_folder_id' is empty"):
        export(settings)


def test_valid_settings_build_the_exporter(tmp_path: Path, key_file: str) -> None:
    settings = drive_settings(tmp_path, key_file)
    exporter = open_exporter("drive", settings, open_storage(settings))
    assert isinstance(exporter, DriveExporter)
    assert (exporter.folder_id, exporter.account) == ("1AbCfolder", SERVICE_ACCOUNT)
