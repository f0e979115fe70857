"""The drive target: each gold table becomes one Google Sheet in a Drive folder, for Looker Studio.

The CSV snapshot is uploaded with the Sheet mime type, so Drive converts it. The Sheet is found
again by name in the folder and updated in place (same file id, so Looker Studio data sources
keep working); a second Sheet is never created. Uploads above `resumable_threshold` bytes use
resumable upload in `chunk_size` pieces. A table over the Sheets cell limit is skipped with a
message (not split: Looker Studio reads one Sheet per data source, and a split table would
silently lose rows there); its local CSV/Parquet export is unaffected. Sheets of tables that
left gold are never deleted: a shared folder may hold dashboards' sources; delete them by hand.
"""

from __future__ import annotations

from typing import Any

from lakehouse.config import Settings
from lakehouse.errors import ConfigError
from lakehouse.export.targets.base import Exporter, ExportError, TableExport, TableSnapshot
from lakehouse.export.targets.drive_api import build_drive, execute, load_credentials
from lakehouse.lake.storage import Storage

SHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
SHEETS_CELL_LIMIT = 10_000_000
"""Google Sheets' cell limit per spreadsheet (header row included)."""
FILE_FIELDS = "id,name,webViewLink"


def _quote(value: str) -> str:
    """A string literal for a Drive search query (backslash and quote escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class DriveExporter(Exporter):
    name = "drive"
    NUM_RETRIES = 5
    """Retries per request, with googleapiclient's backoff (1-2 s, 2-4 s, ... up to 64 s)."""
    RESUMABLE_THRESHOLD = 5 * 1024 * 1024
    """Google's advice: multipart below 5 MB, resumable above."""
    CHUNK_SIZE = 5 * 1024 * 1024
    """Resumable chunk size: a multiple of 256 KiB (the protocol's rule), at most 5 MB (the
    client library's advice)."""

    def __init__(
        self,
        folder_id: str,
        credentials: Any,
        *,
        http: Any = None,
        num_retries: int = NUM_RETRIES,
        cell_limit: int = SHEETS_CELL_LIMIT,
        resumable_threshold: int = RESUMABLE_THRESHOLD,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        """`http` is the transport under the authorization layer (default: `httplib2.Http`)."""
        self.folder_id = folder_id
        self.credentials = credentials
        self.account = getattr(credentials, "service_account_email", "the service account")
        self.http = http
        self.num_retries = num_retries
        self.cell_limit = cell_limit
        self.resumable_threshold = resumable_threshold
        self.chunk_size = chunk_size
        self._drive: Any = None
        self._shared_drive_id: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, storage: Storage) -> DriveExporter:
        if not settings.export.drive_folder_id.strip():
            raise ConfigError(
                "setting 'export.drive_folder_id' is empty: the drive export target needs the "
                "id of a Google Drive folder shared with the service account "
                "(see docs/export-and-report.md)"
            )
        credentials = load_credentials(settings.export.service_account_key)
        return cls(settings.export.drive_folder_id.strip(), credentials)

    @property
    def drive(self) -> Any:
        if self._drive is None:
            self._drive = build_drive(self.credentials, self.http)
        return self._drive

    def _run(self, request: Any, action: str, on_404: str | None = None) -> Any:
        return execute(
            request, action, account=self.account, retries=self.num_retries, on_404=on_404
        )

    def prepare(self) -> None:
        """Check the folder exists, is a folder and is visible to the service account."""
        folder = self._run(
            self.drive.files().get(
                fileId=self.folder_id,
                fields="id,name,mimeType,driveId,trashed",
                supportsAllDrives=True,
            ),
            f"check Drive folder {self.folder_id}",
            on_404=f"folder {self.folder_id} (setting 'export.drive_folder_id') does not exist "
            f"or is not shared with the service account {self.account}: share it with that "
            "address as Editor",
        )
        if folder.get("mimeType") != FOLDER_MIME:
            raise ExportError(
                f"Drive file {self.folder_id} ({folder.get('name')!r}, {folder.get('mimeType')}) "
                "is not a folder: set 'export.drive_folder_id' to a folder id (the last part of "
                "the folder's URL)"
            )
        if folder.get("trashed"):
            raise ExportError(
                f"Drive folder {self.folder_id} ({folder.get('name')!r}) is in the trash"
            )
        self._shared_drive_id = folder.get("driveId")

    def find_sheets(self, table: str) -> list[dict[str, Any]]:
        """Sheets named `table` in the folder (not trashed), oldest first."""
        query = (
            f"name = {_quote(table)} and {_quote(self.folder_id)} in parents "
            f"and trashed = false and mimeType = '{SHEET_MIME}'"
        )
        scope: dict[str, Any] = (
            {"corpora": "drive", "driveId": self._shared_drive_id}
            if self._shared_drive_id
            else {"corpora": "user"}
        )
        answer = self._run(
            self.drive.files().list(
                q=query,
                fields="files(id,name,createdTime)",
                orderBy="createdTime",
                pageSize=10,
                supportsAllDrives=True,
                includeItemsFromAllDrives=True,
                **scope,
            ),
            f"look up Sheet {table!r} in Drive folder {self.folder_id}",
        )
        return list(answer.get("files", []))

    def export_table(self, snapshot: TableSnapshot) -> TableExport:
        from googleapiclient.http import MediaIoBaseUpload

        table = snapshot.table
        existing = self.find_sheets(table)
        file_id = existing[0]["id"] if existing else None
        cells = (snapshot.rows + 1) * snapshot.columns
        if cells > self.cell_limit:
            kept = (
                f"; the Sheet from an earlier export ({file_id}) is left as it was"
                if file_id
                else ""
            )
            return TableExport(
                target=self.name,
                table=table,
                action="skipped",
                rows=snapshot.rows,
                columns=snapshot.columns,
                bytes=0,
                file_id=file_id,
                message=f"not uploaded to Drive: {snapshot.rows} rows x {snapshot.columns} "
                f"columns = {cells} cells with the header, over the Google Sheets limit of "
                f"{self.cell_limit} cells{kept}; use the local CSV/Parquet export",
            )
        size = snapshot.csv_bytes
        resumable = size > self.resumable_threshold
        with open(snapshot.csv_path, "rb") as fh:
            media = MediaIoBaseUpload(
                fh, mimetype="text/csv", chunksize=self.chunk_size, resumable=resumable
            )
            files = self.drive.files()
            if file_id:
                request = files.update(
                    fileId=file_id, media_body=media, fields=FILE_FIELDS, supportsAllDrives=True
                )
            else:
                body = {"name": table, "parents": [self.folder_id], "mimeType": SHEET_MIME}
                request = files.create(
                    body=body, media_body=media, fields=FILE_FIELDS, supportsAllDrives=True
                )
            verb = "update Sheet" if file_id else "create Sheet"
            answer = self._run(request, f"{verb} {table!r} in Drive folder {self.folder_id}")
        note = ""
        if len(existing) > 1:
            others = ", ".join(f["id"] for f in existing[1:])
            note = (
                f"{len(existing)} Sheets named {table!r} in the folder; "
                f"updated the oldest, not {others}"
            )
        return TableExport(
            target=self.name,
            table=table,
            action="updated" if file_id else "created",
            rows=snapshot.rows,
            columns=snapshot.columns,
            bytes=size,
            file_id=answer["id"],
            url=answer.get("webViewLink"),
            message=note,
        )
