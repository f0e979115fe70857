"""Atomic create / compare-and-swap / delete of the one lock object, per kind of lake.

The lake lock (`lakehouse.lake.lock`) needs three operations that cannot interleave with another
process's: create the object only if it does not exist, replace it only if it is still the
version we read, and delete it only if it is still ours. Each store gives them with the
storage's own atomic primitive:

- a folder lake: `link(2)` of a fully written temporary file onto the lock's name, which
  fails if the name exists (an exclusive create like `O_EXCL`, that never shows a half-written
  lock), and replace/delete under an `flock(2)` on the folder that holds the lock (the
  kernel drops it when its holder dies);
- an S3 lake: conditional requests, `PutObject` with `If-None-Match: *` to create and
  `If-Match: <etag>` to replace, `DeleteObject` with `If-Match` to delete (AWS S3, MinIO and
  moto honour them). The project's S3 storage uses the minio client, which cannot send these
  headers, so the lock has its own boto3 client.

Some S3-compatible servers ignore the conditions. `S3LockStore` probes once per bucket (a
second conditional create of a probe object must fail); a server that ignores them gets the
old write, wait, read-back protocol, which two runs starting at the same moment can both pass
(`conditional` is then False, and `lakehouse.lake.lock` warns about it).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lakehouse.errors import StorageError, TransientStorageError
from lakehouse.lake.storage import Storage

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lakehouse.lake.storage.s3 import S3Storage

LOCK_KEY = "_ops/lock.json"
SETTLE_S = 0.5
"""Write-to-read-back pause of the fallback protocol for servers without conditional writes."""


class LockStore(ABC):
    """The lock object's bytes, each version named by a tag (an ETag, or a content hash)."""

    conditional = True
    """False when the store cannot make create and replace atomic (see the module docstring)."""

    @abstractmethod
    def read(self) -> tuple[bytes, str] | None:
        """(bytes, version) of the lock object, or None if there is none."""

    @abstractmethod
    def create(self, body: bytes) -> str | None:
        """Write the object if none exists; return its version, or None if one exists."""

    @abstractmethod
    def replace(self, body: bytes, version: str) -> str | None:
        """Overwrite the object if it is still `version`; return the new version, else None."""

    @abstractmethod
    def delete(self, version: str) -> bool:
        """Delete the object if it is still `version`; False if it changed or is gone."""


def open_lock_store(storage: Storage) -> LockStore:
    """The lock store for a lake (a folder, or an S3 bucket prefix)."""
    if storage.kind == "local":
        return FolderLockStore(Path(storage.uri(LOCK_KEY)))
    return S3LockStore(storage)  # type: ignore[arg-type]


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class FolderLockStore(LockStore):
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[bytes, str] | None:
        try:
            body = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return body, _digest(body)

    def _temp(self, body: bytes) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".tmp-lock-", dir=self.path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        return Path(name)

    def create(self, body: bytes) -> str | None:
        tmp = self._temp(body)
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            return None
        finally:
            tmp.unlink(missing_ok=True)
        return _digest(body)

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing drops the flock

    def replace(self, body: bytes, version: str) -> str | None:
        with self._guarded():
            current = self.read()
            if current is None or current[1] != version:
                return None
            tmp = self._temp(body)
            os.replace(tmp, self.path)
        return _digest(body)

    def delete(self, version: str) -> bool:
        with self._guarded():
            current = self.read()
            if current is None or current[1] != version:
                return False
            self.path.unlink()
        return True


_LOST_RACE = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "412"}
_BUSY = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling"}
_PROBED: dict[tuple[str, str, str], bool] = {}
"""Whether the server honoured conditional writes, per (endpoint, bucket, prefix), per process."""


def s3_client(storage: S3Storage) -> Any:
    """A boto3 S3 client for the storage's endpoint and credentials (conditional requests)."""
    import boto3
    from botocore.config import Config

    s3 = storage.settings.s3
    scheme = "https" if storage.secure else "http"
    kwargs: dict[str, Any] = {
        "region_name": s3.region,
        "endpoint_url": f"{scheme}://{storage.endpoint}" if s3.endpoint else None,
        "config": Config(
            s3={"addressing_style": "path" if s3.path_style else "auto"},
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    }
    if s3.access_key_id:
        kwargs |= {
            "aws_access_key_id": s3.access_key_id,
            "aws_secret_access_key": s3.secret_access_key,
            "aws_session_token": s3.session_token or None,
        }
    return boto3.client("s3", **kwargs)


class S3LockStore(LockStore):
    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage
        self.bucket = storage.bucket
        self.key = storage._key(LOCK_KEY)
        self.client = s3_client(storage)
        self.conditional = self._probe()

    def _error(self, exc: Exception, action: str) -> Exception:
        """A botocore error as this project's storage errors (transient ones retryable)."""
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"s3://{self.bucket}/{self.key} at {self.storage.endpoint}"
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "?")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in _BUSY or status >= 500:
                return TransientStorageError(f"{action} {where}: the server is busy ({code})")
            return StorageError(f"{action} {where}: {code}: {exc}")
        if isinstance(exc, BotoCoreError):
            return TransientStorageError(
                f"{action} {where}: cannot reach the S3 endpoint ({type(exc).__name__})"
            )
        return exc

    @staticmethod
    def _code(exc: Exception) -> str:
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return ""
        return str(exc.response.get("Error", {}).get("Code", ""))

    def _probe(self) -> bool:
        """Whether a second `If-None-Match: *` create of one key is refused (cached)."""
        cache = (self.storage.endpoint, self.bucket, self.storage.prefix)
        if cache in _PROBED:
            return _PROBED[cache]
        key = self.storage._key(f"_ops/lock-probe-{uuid.uuid4().hex}")
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=b"1", IfNoneMatch="*")
            try:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=b"2", IfNoneMatch="*")
                honoured = False
            except Exception as exc:
                if self._code(exc) not in _LOST_RACE:
                    raise
                honoured = True
            finally:
                self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise self._error(exc, "probe conditional writes on") from None
        _PROBED[cache] = honoured
        return honoured

    def read(self) -> tuple[bytes, str] | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key)
            return response["Body"].read(), response["ETag"]
        except Exception as exc:
            if self._code(exc) in ("NoSuchKey", "404"):
                return None
            raise self._error(exc, "read") from None

    def _put(self, body: bytes, **condition: str) -> str | None:
        try:
            response = self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=body, **condition
            )
        except Exception as exc:
            if self._code(exc) in _LOST_RACE:
                return None
            raise self._error(exc, "write") from None
        return response["ETag"]

    def _settled(self, body: bytes) -> str | None:
        """Fallback: after a plain write, wait and check the object still holds our bytes."""
        time.sleep(SETTLE_S)
        current = self.read()
        return current[1] if current is not None and current[0] == body else None

    def create(self, body: bytes) -> str | None:
        if self.conditional:
            return self._put(body, IfNoneMatch="*")
        if self.read() is not None:
            return None
        self._put(body)
        return self._settled(body)

    def replace(self, body: bytes, version: str) -> str | None:
        if self.conditional:
            return self._put(body, IfMatch=version)
        current = self.read()
        if current is None or current[1] != version:
            return None
        self._put(body)
        return self._settled(body)

    def delete(self, version: str) -> bool:
        if self.conditional:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=version)
                return True
            except Exception as exc:
                code = self._code(exc)
                if code in _LOST_RACE:
                    return False
                if code not in ("NotImplemented", "InvalidArgument"):
                    raise self._error(exc, "delete") from None
        # no conditional delete on this server: compare, then delete (only a takeover of an
        # expired lock can slip in between, and a lock being released has not expired)
        current = self.read()
        if current is None or current[1] != version:
            return False
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key)
        except Exception as exc:
            raise self._error(exc, "delete") from None
        return True
