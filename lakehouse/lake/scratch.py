"""Local scratch folders (downloads, staging) named after the process that owns them.

Stages stage files in `<system temp>/lakehouse-<purpose>-<pid>-<random>/` and remove them when
they finish; a process killed mid-stage cannot. `clean_stale_scratch()` (run at the start of
every `lakehouse run`) removes the folders whose owning process no longer exists.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from lakehouse.lake.lock import pid_alive

PREFIX = "lakehouse-"
_OWNED = re.compile(r"^lakehouse-[a-z]+-(\d+)-")


def scratch_dir(purpose: str, root: str | None = None) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for `purpose` (a lower-case word), removed when the `with` ends."""
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{purpose}-{os.getpid()}-", dir=root)


def clean_stale_scratch(root: str | None = None) -> list[Path]:
    """Remove the scratch folders of processes that are gone; return what was removed."""
    base = Path(root or tempfile.gettempdir())
    removed = []
    for path in base.glob(f"{PREFIX}*"):
        match = _OWNED.match(path.name)
        if match is None or not path.is_dir() or pid_alive(int(match.group(1))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
