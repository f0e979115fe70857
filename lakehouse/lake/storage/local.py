"""A lake in a local folder."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from lakehouse.errors import LakeNotFoundError, StorageError
from lakehouse.lake.storage.base import Storage, clean_key


def write_atomic(target: Path, fill: Callable[[BinaryIO], object]) -> None:
    """Write `target` through a temporary file in its folder and rename it into place, so a
    reader sees the old file or the new one. The file is created with mode 0666 less the umask,
    as any other program's would be (tempfile.mkstemp would make every file 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class LocalStorage(Storage):
    kind = "local"

    def __init__(self, root: str | Path) -> None:
        self.root = str(root)
        self.path = Path(root).expanduser().resolve()

    def _path(self, key: str) -> Path:
        return self.path / clean_key(key) if clean_key(key) else self.path

    def uri(self, key: str = "") -> str:
        return str(self._path(key))

    def ensure(self) -> str:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create lake folder {self.path}: {exc.strerror}") from None
        return f"local folder {self.path}"

    def check(self) -> None:
        if not self.path.is_dir():
            raise LakeNotFoundError(f"lake folder {self.path} does not exist")
        if not os.access(self.path, os.R_OK | os.W_OK):
            raise StorageError(f"lake folder {self.path} is not readable and writable")

    def list(self, prefix: str = "") -> list[str]:
        base = self._path(prefix)
        if base.is_file():
            return [clean_key(prefix)]
        if not base.is_dir():
            return []
        keys = []
        for dirpath, _, filenames in os.walk(base):
            for name in filenames:
                if name.startswith(".tmp-"):
                    continue
                keys.append(Path(dirpath, name).relative_to(self.path).as_posix())
        return sorted(keys)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"object {key!r} not found in lake {self.path}") from None

    def write_bytes(self, key: str, data: bytes) -> None:
        write_atomic(self._path(key), lambda fh: fh.write(data))

    def upload(self, local_path: Path, key: str) -> None:
        def copy(fh) -> None:
            with open(local_path, "rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)

        write_atomic(self._path(key), copy)

    def download(self, key: str, local_path: Path) -> None:
        try:
            shutil.copyfile(self._path(key), local_path)
        except FileNotFoundError:
            raise StorageError(f"object {key!r} not found in lake {self.path}") from None

    def delete(self, keys: Sequence[str]) -> None:
        parents = set()
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            parents.add(path.parent)
        for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            while parent != self.path and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
