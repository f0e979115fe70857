"""A lake under an S3 bucket prefix: MinIO, moto_server or AWS S3, through the minio client."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lakehouse.config import Settings
from lakehouse.errors import LakeNotFoundError, StorageError, TransientStorageError
from lakehouse.lake.storage.base import Storage, clean_key

if TYPE_CHECKING:
    from minio import Minio

_TRANSIENT_CODES = {
    "SlowDown",
    "RequestTimeout",
    "ServiceUnavailable",
    "InternalError",
    "Throttling",
}
_AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken"}


def endpoint_parts(settings: Settings) -> tuple[str, bool]:
    """(host[:port], secure) for the configured endpoint; AWS S3 when none is set."""
    s3 = settings.s3
    if not s3.endpoint:
        return f"s3.{s3.region}.amazonaws.com", True
    if "://" in s3.endpoint:
        parts = urlsplit(s3.endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StorageError(f"setting 's3.endpoint' = {s3.endpoint!r} is not an http(s) URL")
        return parts.netloc, parts.scheme == "https"
    return s3.endpoint, s3.use_ssl


class S3Storage(Storage):
    kind = "s3"

    def __init__(self, settings: Settings) -> None:
        self.root = settings.lake
        self.bucket, self.prefix = settings.bucket_and_prefix()
        self.endpoint, self.secure = endpoint_parts(settings)
        self.settings = settings
        self._client: Minio | None = None

    @property
    def client(self) -> Minio:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def _make_client(self) -> Minio:
        import urllib3
        from minio import Minio
        from minio.credentials.providers import (
            AWSConfigProvider,
            ChainedProvider,
            EnvAWSProvider,
            IamAwsProvider,
        )

        s3 = self.settings.s3
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=120),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[502, 503, 504]),
        )
        kwargs: dict = {"region": s3.region, "secure": self.secure, "http_client": http}
        if s3.access_key_id:
            kwargs |= {
                "access_key": s3.access_key_id,
                "secret_key": s3.secret_access_key,
                "session_token": s3.session_token or None,
            }
        else:
            kwargs["credentials"] = ChainedProvider(
                [EnvAWSProvider(), AWSConfigProvider(), IamAwsProvider()]
            )
        return Minio(self.endpoint, **kwargs)

    def _key(self, key: str) -> str:
        key = clean_key(key)
        return f"{self.prefix}/{key}" if self.prefix and key else (self.prefix or key)

    def uri(self, key: str = "") -> str:
        full = self._key(key)
        return f"s3://{self.bucket}/{full}" if full else f"s3://{self.bucket}"

    def _fail(self, exc: Exception, action: str) -> StorageError:
        """Translate a client exception into a message that names the endpoint and bucket."""
        from minio.error import S3Error
        from urllib3.exceptions import HTTPError as Urllib3Error

        where = f"s3://{self.bucket} at {self.endpoint}"
        if isinstance(exc, S3Error):
            if exc.code == "NoSuchBucket":
                return StorageError(
                    f"{action}: bucket '{self.bucket}' does not exist at {self.endpoint} "
                    "(run `lakehouse init` to create it)"
                )
            if exc.code in _AUTH_CODES:
                return StorageError(
                    f"{action}: {where} refused the credentials ({exc.code}); check "
                    "s3.access_key_id / s3.secret_access_key"
                )
            if exc.code in _TRANSIENT_CODES:
                return TransientStorageError(f"{action}: {where} is busy ({exc.code})")
            return StorageError(f"{action}: {where} answered {exc.code}: {exc.message}")
        if isinstance(exc, Urllib3Error):
            return TransientStorageError(
                f"{action}: cannot reach S3 endpoint {self.endpoint} ({type(exc).__name__}); "
                "is the server running and is s3.endpoint right?"
            )
        return StorageError(f"{action}: {where}: {exc}")

    def ensure(self) -> str:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
                return f"created bucket s3://{self.bucket} at {self.endpoint}"
        except Exception as exc:
            raise self._fail(exc, "init") from None
        return f"bucket s3://{self.bucket} at {self.endpoint}"

    def check(self) -> None:
        try:
            exists = self.client.bucket_exists(self.bucket)
        except Exception as exc:
            raise self._fail(exc, "check lake") from None
        if not exists:
            raise LakeNotFoundError(f"bucket '{self.bucket}' does not exist at {self.endpoint}")

    def list(self, prefix: str = "") -> list[str]:
        full = self._key(prefix)
        strip = len(self.prefix) + 1 if self.prefix else 0
        try:
            objects = self.client.list_objects(self.bucket, prefix=full or None, recursive=True)
            keys = [o.object_name[strip:] for o in objects if not o.is_dir]
        except Exception as exc:
            raise self._fail(exc, f"list {prefix!r}") from None
        clean = clean_key(prefix)
        # A prefix names a folder or a key, not a partial name ("raw/a" must not match "raw/ab").
        return sorted(k for k in keys if not clean or k == clean or k.startswith(clean + "/"))

    def exists(self, key: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, self._key(key))
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return False
            raise self._fail(exc, f"stat {key!r}") from None
        except Exception as exc:
            raise self._fail(exc, f"stat {key!r}") from None

    def read_bytes(self, key: str) -> bytes:
        from minio.error import S3Error

        try:
            response = self.client.get_object(self.bucket, self._key(key))
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise StorageError(f"object {key!r} not found in {self.uri()}") from None
            raise self._fail(exc, f"read {key!r}") from None
        except Exception as exc:
            raise self._fail(exc, f"read {key!r}") from None

    def write_bytes(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(self.bucket, self._key(key), io.BytesIO(data), len(data))
        except Exception as exc:
            raise self._fail(exc, f"write {key!r}") from None

    def upload(self, local_path: Path, key: str) -> None:
        try:
            self.client.fput_object(self.bucket, self._key(key), str(local_path))
        except Exception as exc:
            raise self._fail(exc, f"upload {key!r}") from None

    def download(self, key: str, local_path: Path) -> None:
        try:
            self.client.fget_object(self.bucket, self._key(key), str(local_path))
        except Exception as exc:
            raise self._fail(exc, f"download {key!r}") from None

    def delete(self, keys: Sequence[str]) -> None:
        from minio.deleteobjects import DeleteObject

        if not keys:
            return
        try:
            errors = list(
                self.client.remove_objects(self.bucket, [DeleteObject(self._key(k)) for k in keys])
            )
        except Exception as exc:
            raise self._fail(exc, "delete") from None
        if errors:
            raise StorageError(f"delete failed for {len(errors)} objects, first: {errors[0]}")
