"""The drive target at its HTTP boundary: the exact Drive v3 requests for create, update in
place, resumable upload, retries and the errors, with real service-account credentials (a
throwaway key; the token exchange goes through the same recorded transport)."""

from __future__ import annotations

import json

import pytest

from lakehouse.config import Settings
from lakehouse.export.stage import export
from lakehouse.export.targets.base import ExportError
from lakehouse.export.targets.drive import DriveExporter
from lakehouse.export.targets.drive_api import DRIVE_SCOPE, load_credentials
from lakehouse.lake.storage import open_storage
from tests.export.conftest import SERVICE_ACCOUNT, TOKEN_URI, write_gold
from tests.export.drive_http import (
    DRIVE,
    FOLDER,
    FOLDER_OK,
    TOKEN,
    TOKEN_VALUE,
    UPLOAD,
    RecordingHttp,
    error,
    list_query,
    listing,
    sheet,
)
from tests.export.test_export_local import PEOPLE_CSV, THINGS_CSV

pytestmark = pytest.mark.usefixtures("no_internet")
SHEET = "application/vnd.google-apps.spreadsheet"


@pytest.fixture
def gold(local_settings: Settings) -> Settings:
    open_storage(local_settings).ensure()
    write_gold(local_settings)
    return local_settings


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """googleapiclient's backoff sleeps, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr("googleapiclient.http.time.sleep", recorded.append)
    return recorded


def drive(key_file: str, responses: list, **options) -> tuple[DriveExporter, RecordingHttp]:
    http = RecordingHttp(list(responses))
    return DriveExporter(FOLDER, load_credentials(key_file), http=http, **options), http


def run(settings: Settings, exporter: DriveExporter, **kwargs):
    return export(settings, targets=["drive"], exporters={"drive": exporter}, **kwargs)


def test_first_run_creates_sheets_then_unchanged_tables_are_not_sent_and_force_updates(
    gold: Settings, key_file: str
) -> None:
    first, http = drive(
        key_file, [TOKEN, FOLDER_OK, listing(), sheet("S-things"), listing(), sheet("S-people")]
    )
    result = run(gold, first)

    token, folder, list_things, create_things, list_people, create_people = http.calls()
    assert (token.method, token.url) == ("POST", TOKEN_URI)
    claims = token.jwt_claims()
    assert claims["iss"] == SERVICE_ACCOUNT and claims["scope"] == DRIVE_SCOPE
    assert (folder.method, folder.url) == ("GET", f"{DRIVE}/{FOLDER}")
    assert folder.params == {
        "fields": "id,name,mimeType,driveId,trashed",
        "supportsAllDrives": "true",
        "alt": "json",
    }
    assert folder.headers["authorization"] == f"Bearer {TOKEN_VALUE}"
    assert (list_things.method, list_things.url) == ("GET", DRIVE)
    assert list_things.params == {
        "q": list_query("monthly_things"),
        "fields": "files(id,name,createdTime)",
        "orderBy": "createdTime",
        "pageSize": "10",
        "supportsAllDrives": "true",
        "includeItemsFromAllDrives": "true",
        "corpora": "user",
        "alt": "json",
    }
    assert list_people.params["q"] == list_query("people")
    for create, table, csv in (
        (create_things, "monthly_things", THINGS_CSV),
        (create_people, "people", PEOPLE_CSV),
    ):
        assert (create.method, create.url) == ("POST", UPLOAD)
        assert create.params == {
            "uploadType": "multipart",
            "fields": "id,name,webViewLink",
            "supportsAllDrives": "true",
            "alt": "json",
        }
        assert create.headers["content-type"].startswith("multipart/related")
        metadata, media_type, media = create.multipart()
        assert metadata == {"name": table, "parents": [FOLDER], "mimeType": SHEET}
        assert (media_type, media.decode()) == ("text/csv", csv)

    detail = result.to_detail()
    assert detail["exports"]["drive"]["people"] == {
        "action": "created",
        "rows": 2,
        "columns": 4,
        "bytes": len(PEOPLE_CSV),
        "file_id": "S-people",
        "url": "https://docs.google.com/s/S-people",
    }
    assert detail["exports"]["drive"]["monthly_things"]["file_id"] == "S-things"

    # gold did not change: the target is checked, and nothing is looked up or uploaded
    idle, http = drive(key_file, [TOKEN, FOLDER_OK])
    same = run(gold, idle)
    assert [c.method for c in http.calls()] == ["POST", "GET"]
    assert {e.table: (e.action, e.rows, e.bytes) for e in same.exports} == {
        "monthly_things": ("unchanged", 3, 0),
        "people": ("unchanged", 2, 0),
    }

    second, http = drive(
        key_file,
        [
            TOKEN,
            FOLDER_OK,
            listing("S-things"),
            sheet("S-things"),
            listing("S-people"),
            sheet("S-people"),
        ],
    )
    again = run(gold, second, force=True)
    calls = http.calls()
    assert [c.method for c in calls] == ["POST", "GET", "GET", "PATCH", "GET", "PATCH"]
    update = calls[5]
    assert update.url == f"{UPLOAD}/S-people"
    assert update.params["uploadType"] == "media" and update.params["supportsAllDrives"] == "true"
    assert update.headers["content-type"] == "text/csv"
    assert update.body is not None and update.body.decode() == PEOPLE_CSV
    assert {e.table: (e.action, e.file_id) for e in again.exports} == {
        "monthly_things": ("updated", "S-things"),
        "people": ("updated", "S-people"),
    }


def test_large_table_uses_resumable_upload_in_chunks(gold: Settings, key_file: str) -> None:
    location = f"{UPLOAD}?upload_id=U1"
    exporter, http = drive(
        key_file,
        [
            TOKEN,
            FOLDER_OK,
            listing(),
            ({"status": "200", "location": location}, ""),
            ({"status": "308", "range": "bytes=0-63"}, ""),
            sheet("S-people"),
        ],
        resumable_threshold=10,
        chunk_size=64,
    )
    run(gold, exporter, tables=["people"])
    start, first_chunk, last_chunk = http.calls()[3:]
    assert (start.method, start.url, start.params["uploadType"]) == ("POST", UPLOAD, "resumable")
    assert start.headers["x-upload-content-type"] == "text/csv"
    assert start.headers["x-upload-content-length"] == str(len(PEOPLE_CSV))
    assert start.body is not None
    assert json.loads(start.body) == {"name": "people", "parents": [FOLDER], "mimeType": SHEET}
    assert (first_chunk.method, first_chunk.url, first_chunk.params) == (
        "PUT",
        UPLOAD,
        {"upload_id": "U1"},
    )
    assert first_chunk.headers["content-range"] == f"bytes 0-63/{len(PEOPLE_CSV)}"
    assert (
        last_chunk.headers["content-range"] == f"bytes 64-{len(PEOPLE_CSV) - 1}/{len(PEOPLE_CSV)}"
    )
    assert first_chunk.body is not None and last_chunk.body is not None
    assert (first_chunk.body + last_chunk.body).decode() == PEOPLE_CSV


def test_retries_429_5xx_and_rate_limit_403_with_backoff(
    gold: Settings, key_file: str, sleeps: list[float]
) -> None:
    exporter, http = drive(
        key_file,
        [
            TOKEN,
            error(429, "rateLimitExceeded", "Too Many Requests"),
            FOLDER_OK,
            error(503, "backendError"),
            listing(),
            error(403, "userRateLimitExceeded", "User Rate Limit Exceeded"),
            sheet("S-people"),
        ],
    )
    result = run(gold, exporter, tables=["people"])
    calls = http.calls()
    assert [(c.method, c.url) for c in calls[1:]] == [
        ("GET", f"{DRIVE}/{FOLDER}"),
        ("GET", f"{DRIVE}/{FOLDER}"),
        ("GET", DRIVE),
        ("GET", DRIVE),
        ("POST", UPLOAD),
        ("POST", UPLOAD),
    ]
    assert calls[5].body == calls[6].body
    assert len(sleeps) == 3 and all(0 <= s <= 2 for s in sleeps)
    assert result.for_target("drive")["people"].file_id == "S-people"


def test_gives_up_after_the_configured_retries(gold: Settings, key_file: str, sleeps) -> None:
    exporter, http = drive(key_file, [TOKEN] + [error(429, "rateLimitExceeded")] * 3, num_retries=2)
    with pytest.raises(ExportError, match=r"still answered 429 rateLimitExceeded after 2 retries"):
        run(gold, exporter)
    assert len(http.calls()) == 4 and len(sleeps) == 2


def test_folder_not_found_or_not_shared(gold: Settings, key_file: str) -> None:
    exporter, http = drive(key_file, [TOKEN, error(404, "notFound", f"File not found: {FOLDER}.")])
    with pytest.raises(ExportError) as info:
        export(gold, targets=["local", "drive"], exporters={"drive": exporter})
    assert str(info.value) == (
        f"check Drive folder {FOLDER}: folder {FOLDER} (setting 'export.drive_folder_id') does "
        f"not exist or is not shared with the service account {SERVICE_ACCOUNT}: share it with "
        "that address as Editor"
    )
    assert len(http.calls()) == 2
    # The Drive check runs before any table is read, so the local target wrote nothing.
    assert open_storage(gold).list("exports") == []


def test_not_a_folder(gold: Settings, key_file: str) -> None:
    not_folder = sheet("x")[0], json.dumps({"id": FOLDER, "name": "a sheet", "mimeType": SHEET})
    exporter, _ = drive(key_file, [TOKEN, not_folder])
    with pytest.raises(
        ExportError, match=r"\('a sheet', application/vnd.google-apps.spreadsheet\) is not a folder"
    ):
        run(gold, exporter)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (
            "insufficientFilePermissions",
            rf"{SERVICE_ACCOUNT} is not allowed to do this \(insufficientFilePermissions\): "
            rf"share the folder with {SERVICE_ACCOUNT} as Editor",
        ),
        (
            "storageQuotaExceeded",
            rf"the service account {SERVICE_ACCOUNT} has no Drive storage of its own.*shared drive",
        ),
    ],
)
def test_forbidden_is_not_retried_and_explained(
    gold: Settings, key_file: str, sleeps, reason: str, expected: str
) -> None:
    exporter, http = drive(key_file, [TOKEN, FOLDER_OK, listing(), error(403, reason)])
    with pytest.raises(
        ExportError, match=rf"^create Sheet 'people' in Drive folder {FOLDER}: {expected}"
    ):
        run(gold, exporter, tables=["people"])
    assert len(http.calls()) == 4 and sleeps == []


def test_table_over_the_cell_limit_is_skipped(gold: Settings, key_file: str) -> None:
    # people: (2 rows + header) x 4 columns = 12 cells; monthly_things: 4 x 4 = 16 cells.
    exporter, http = drive(
        key_file, [TOKEN, FOLDER_OK, listing("S-old"), listing(), sheet("S-people")], cell_limit=12
    )
    result = run(gold, exporter)
    assert [c.method for c in http.calls()] == ["POST", "GET", "GET", "GET", "POST"]
    skipped = result.to_detail()["skipped"]
    assert skipped == [
        {
            "target": "drive",
            "table": "monthly_things",
            "message": "not uploaded to Drive: 3 rows x 4 columns = 16 cells with the header, "
            "over the Google Sheets limit of 12 cells; the Sheet from an earlier export (S-old) "
            "is left as it was; use the local CSV/Parquet export",
        }
    ]
    assert result.for_target("drive")["people"].action == "created"


def test_shared_drive_folder_and_duplicate_sheets(gold: Settings, key_file: str) -> None:
    in_shared_drive = (
        FOLDER_OK[0],
        json.dumps(
            {
                "id": FOLDER,
                "name": "lakehouse",
                "mimeType": "application/vnd.google-apps.folder",
                "driveId": "0Adrive",
            }
        ),
    )
    exporter, http = drive(key_file, [TOKEN, in_shared_drive, listing("S-a", "S-b"), sheet("S-a")])
    result = run(gold, exporter, tables=["people"])
    listed, update = http.calls()[2:]
    assert (listed.params["corpora"], listed.params["driveId"]) == ("drive", "0Adrive")
    assert update.url == f"{UPLOAD}/S-a"
    people = result.for_target("drive")["people"]
    assert people.action == "updated"
    assert people.message == "2 Sheets named 'people' in the folder; updated the oldest, not S-b"


def test_rejected_key_at_token_exchange(gold: Settings, key_file: str) -> None:
    refused = (
        {"status": "400"},
        json.dumps({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
    )
    exporter, _ = drive(key_file, [refused])
    with pytest.raises(
        ExportError,
        match=rf"Google refused the service account {SERVICE_ACCOUNT}.*Invalid JWT Signature",
    ):
        run(gold, exporter)
