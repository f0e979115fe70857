"""One body, both backends: the local folder and a real S3 server (moto_server)."""

import os
import stat
from pathlib import Path

import pytest

from lakehouse.errors import StorageError
from lakehouse.lake.storage import Storage, clean_key


def test_write_read_list_delete(lake_storage: Storage) -> None:
    lake_storage.write_text("raw/sessions/ingest_date=2026-01-01/a.csv", "x\n1\n")
    lake_storage.write_bytes("raw/sessions/ingest_date=2026-01-02/a.csv", b"x\n2\n")
    lake_storage.write_text("raw/students/ingest_date=2026-01-01/s.csv", "y\n")
    lake_storage.write_text("rawish/file.txt", "not under raw/")

    assert lake_storage.read_text("raw/sessions/ingest_date=2026-01-01/a.csv") == "x\n1\n"
    assert lake_storage.list("raw/sessions") == [
        "raw/sessions/ingest_date=2026-01-01/a.csv",
        "raw/sessions/ingest_date=2026-01-02/a.csv",
    ]
    assert lake_storage.list("raw") == [
        "raw/sessions/ingest_date=2026-01-01/a.csv",
        "raw/sessions/ingest_date=2026-01-02/a.csv",
        "raw/students/ingest_date=2026-01-01/s.csv",
    ]
    assert lake_storage.list_dirs("raw/sessions") == [
        "ingest_date=2026-01-01",
        "ingest_date=2026-01-02",
    ]
    assert lake_storage.exists("rawish/file.txt")
    assert not lake_storage.exists("raw/nothing.csv")

    assert lake_storage.delete_prefix("raw/sessions") == 2
    assert lake_storage.list("raw/sessions") == []
    lake_storage.delete(["raw/never-existed.csv"])  # missing keys are ignored


def test_overwrite_replaces_whole_object(lake_storage: Storage) -> None:
    lake_storage.write_text("k.txt", "a much longer first version\n")
    lake_storage.write_text("k.txt", "v2\n")
    assert lake_storage.read_text("k.txt") == "v2\n"
    assert lake_storage.list() == ["k.txt"]


def test_upload_and_download(lake_storage: Storage, tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(bytes(range(256)) * 4096)
    lake_storage.upload(src, "blobs/big.bin")
    out = tmp_path / "back.bin"
    lake_storage.download("blobs/big.bin", out)
    assert out.read_bytes() == src.read_bytes()


def test_missing_object_is_a_clear_error(lake_storage: Storage) -> None:
    with pytest.raises(StorageError, match="not found"):
        lake_storage.read_bytes("nope/missing.csv")


def test_uri_points_inside_the_lake(lake_storage: Storage) -> None:
    uri = lake_storage.uri("silver/fct_sessions")
    assert uri.endswith("/silver/fct_sessions")
    assert uri.startswith("s3://") == (lake_storage.kind == "s3")


def test_local_write_is_atomic_on_failure(local_settings, tmp_path: Path) -> None:
    from lakehouse.lake.storage import open_storage

    storage = open_storage(local_settings)
    storage.ensure()
    storage.write_text("t.txt", "old")
    src = tmp_path / "missing-source"
    with pytest.raises(FileNotFoundError):
        storage.upload(src, "t.txt")
    assert storage.read_text("t.txt") == "old"
    assert storage.list() == ["t.txt"]  # no temp file left behind


@pytest.mark.parametrize("key", ["../escape", "a/../../b"])
def test_keys_cannot_escape_the_root(key: str) -> None:
    with pytest.raises(ValueError, match=r"\.\."):
        clean_key(key)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_local_files_are_created_as_the_umask_says(local_settings, tmp_path, umask, mode) -> None:
    """Exports, gold, raw and the report are meant to be shared: never a fixed 0600."""
    from lakehouse.lake.storage import open_storage
    from lakehouse.report import _write_atomic

    storage = open_storage(local_settings)
    storage.ensure()
    source = tmp_path / "source.bin"
    source.write_bytes(b"x")
    previous = os.umask(umask)
    try:
        storage.write_text("exports/a.csv", "a\n")
        storage.upload(source, "gold/t/data_0.parquet")
        _write_atomic(tmp_path / "reports" / "report.html", "<html></html>")
    finally:
        os.umask(previous)
    written = [
        Path(storage.uri("exports/a.csv")),
        Path(storage.uri("gold/t/data_0.parquet")),
        tmp_path / "reports" / "report.html",
    ]
    assert [stat.S_IMODE(p.stat().st_mode) for p in written] == [mode] * 3
