"""Google Drive plumbing for the drive target: service-account credentials, the Drive v3 client,
and Google's errors turned into messages a user can act on.

The client is built from the discovery document packaged with google-api-python-client
(`static_discovery=True`), so building it needs no network. All HTTP, the OAuth token request
included, goes through one `httplib2`-compatible transport wrapped in google-auth's
`AuthorizedHttp`; tests hand in a recording transport and see every request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.errors import ConfigError
from lakehouse.export.targets.base import ExportError

if TYPE_CHECKING:
    from google.oauth2.service_account import Credentials

DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
KEY_SETTING = "export.service_account_key"
HTTP_TIMEOUT = 120
"""Seconds for one HTTP exchange with Google (a resumable chunk is 5 MiB)."""

_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


def load_credentials(path: str) -> Credentials:
    """Service-account credentials from the key file at `path` (the `export.service_account_key`
    setting), with a message naming the setting and the file for each way it can be wrong."""
    from google.oauth2 import service_account

    if not path.strip():
        raise ConfigError(
            f"setting '{KEY_SETTING}' is empty: the drive export target needs the path of a "
            "Google service-account JSON key file (see docs/export-and-report.md)"
        )
    file = Path(path).expanduser()
    where = f"setting '{KEY_SETTING}' = {path!r}"
    if not file.is_file():
        raise ConfigError(f"{where}: key file {file} does not exist")
    try:
        info = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{where}: {file} is not a readable JSON key file ({exc})") from None
    kind = info.get("type") if isinstance(info, dict) else None
    if kind != "service_account":
        raise ConfigError(
            f"{where}: {file} is not a service-account key (its type is {kind!r}, expected "
            "'service_account'); create a JSON key for a service account "
            "(see docs/export-and-report.md)"
        )
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=[DRIVE_SCOPE])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{where}: {file} is not a valid service-account key ({exc})") from None


def build_drive(credentials: Any, http: Any = None) -> Any:
    """A Drive v3 client whose every request (token refresh too) goes through `http`
    (a real `httplib2.Http` unless one is given)."""
    import google_auth_httplib2
    import httplib2
    from googleapiclient.discovery import build

    transport = http if http is not None else httplib2.Http(timeout=HTTP_TIMEOUT)
    authed = google_auth_httplib2.AuthorizedHttp(credentials, http=transport)
    return build("drive", "v3", http=authed, static_discovery=True, cache_discovery=False)


def error_reason(content: bytes) -> tuple[str, str]:
    """(reason, message) from a Google JSON error body, e.g. ('storageQuotaExceeded', '...')."""
    try:
        error = json.loads(content.decode("utf-8"))["error"]
        errors = error.get("errors") or [{}]
        return str(errors[0].get("reason") or error.get("status") or ""), str(error["message"])
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return "", content.decode("utf-8", "replace").strip()[:200]


def execute(
    request: Any, action: str, *, account: str, retries: int, on_404: str | None = None
) -> Any:
    """Run one Drive request with googleapiclient's retries (exponential backoff with jitter
    on 429, 5xx, 403 rate-limit reasons and connection errors); failures become ExportError
    (`on_404` is the message for a 404, which Drive also answers for files not shared)."""
    import httplib2
    from google.auth.exceptions import RefreshError, TransportError
    from googleapiclient.errors import HttpError

    try:
        return request.execute(num_retries=retries)
    except HttpError as exc:
        if exc.resp.status == 404 and on_404:
            raise ExportError(f"{action}: {on_404}") from None
        raise http_error(exc.resp.status, exc.content, action, account, retries) from None
    except RefreshError as exc:
        raise ExportError(
            f"{action}: Google refused the service account {account} ({exc}); the key in "
            f"'{KEY_SETTING}' may be deleted or disabled: create a new key"
        ) from None
    except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
        raise ExportError(
            f"{action}: cannot reach Google Drive after {retries} retries ({exc})"
        ) from None


def http_error(status: int, content: bytes, action: str, account: str, retries: int) -> ExportError:
    """The message for a Drive error answer that retrying did not (or cannot) fix."""
    reason, message = error_reason(content)
    if status == 429 or status >= 500 or reason in _RATE_REASONS:
        return ExportError(
            f"{action}: Google Drive still answered {status} {reason or ''} after {retries} "
            f"retries with backoff (rate limit or quota, or an outage): wait and rerun the "
            f"export ({message})".replace("  ", " ")
        )
    if status == 401:
        return ExportError(
            f"{action}: Google rejected the credentials of {account} ({message}); "
            f"check the key file in '{KEY_SETTING}'"
        )
    if status == 403 and reason == "storageQuotaExceeded":
        return ExportError(
            f"{action}: the service account {account} has no Drive storage of its own, so it "
            "cannot own new files: put the folder in a shared drive (add the service account as "
            "Content manager), or create the Sheets once by hand with the table names and share "
            f"them, and the export will update them in place ({message})"
        )
    if status == 403 and reason in ("accessNotConfigured", "SERVICE_DISABLED"):
        return ExportError(
            f"{action}: the Google Drive API is not enabled for the service account's project; "
            f"enable it in the Cloud console ({message})"
        )
    if status == 403:
        return ExportError(
            f"{action}: {account} is not allowed to do this ({reason or 'forbidden'}): share the "
            f"folder with {account} as Editor ({message})"
        )
    return ExportError(f"{action}: Google Drive answered {status} {reason} ({message})")
