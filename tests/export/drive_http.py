"""Canned Google answers and a readable view of the requests a Drive exporter sent.

The transport is googleapiclient's own `HttpMockSequence` (the HTTP boundary of the client
library): every request, the OAuth token exchange included, is recorded and answered from the
list, so a test asserts exactly what would have gone over the wire.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from urllib.parse import parse_qsl, urlsplit

from googleapiclient.http import HttpMockSequence

from lakehouse.export.targets.drive import FOLDER_MIME, SHEET_MIME

FOLDER = "1AbCfolder"
TOKEN_VALUE = "ya29.test-token"
DRIVE = "https://www.googleapis.com/drive/v3/files"
UPLOAD = "https://www.googleapis.com/upload/drive/v3/files"


def ok(body: dict, **headers: str) -> tuple[dict, str]:
    return {"status": "200", **headers}, json.dumps(body)


def error(status: int, reason: str, message: str = "an error") -> tuple[dict, str]:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": "global", "reason": reason, "message": message}],
        }
    }
    return {"status": str(status)}, json.dumps(body)


TOKEN = ok({"access_token": TOKEN_VALUE, "expires_in": 3600, "token_type": "Bearer"})
FOLDER_OK = ok({"id": FOLDER, "name": "lakehouse", "mimeType": FOLDER_MIME, "trashed": False})


def listing(*ids: str) -> tuple[dict, str]:
    files = [{"id": i, "name": "t", "createdTime": "2026-01-01T00:00:00Z"} for i in ids]
    return ok({"files": files})


def sheet(file_id: str) -> tuple[dict, str]:
    return ok({"id": file_id, "name": "t", "webViewLink": f"https://docs.google.com/s/{file_id}"})


def list_query(table: str, folder: str = FOLDER) -> str:
    return (
        f"name = '{table}' and '{folder}' in parents and trashed = false "
        f"and mimeType = '{SHEET_MIME}'"
    )


class RecordingHttp(HttpMockSequence):
    """HttpMockSequence that reads streamed bodies (resumable chunks) while the file is open."""

    def request(self, uri, method="GET", body=None, headers=None, *args, **kwargs):
        if hasattr(body, "read"):
            body = body.read()
        return super().request(uri, method, body, headers, *args, **kwargs)

    def calls(self) -> list[Call]:
        out = []
        for uri, method, body, headers in self.request_sequence:
            parts = urlsplit(uri)
            out.append(
                Call(
                    method=method,
                    url=f"{parts.scheme}://{parts.netloc}{parts.path}",
                    params=dict(parse_qsl(parts.query)),
                    headers={k.lower(): v for k, v in (headers or {}).items()},
                    body=body.encode() if isinstance(body, str) else body,
                )
            )
        return out


@dataclass
class Call:
    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes | None

    def multipart(self) -> tuple[dict, str, bytes]:
        """(metadata JSON, media content type, media bytes) of a multipart upload."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser().parsebytes(head + (self.body or b""))
        parts = message.get_payload()
        assert isinstance(parts, list), f"not a multipart body: {self.body!r}"
        meta, media = parts
        assert isinstance(meta, Message) and isinstance(media, Message), parts
        metadata, content = meta.get_payload(), media.get_payload(decode=True)
        assert isinstance(metadata, str) and isinstance(content, bytes), (metadata, content)
        return json.loads(metadata), media.get_content_type(), content

    def jwt_claims(self) -> dict:
        """Claims of the service-account assertion in a token request."""
        form = dict(parse_qsl((self.body or b"").decode()))
        payload = form["assertion"].split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
