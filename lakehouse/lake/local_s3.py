"""A throwaway S3-compatible server (moto_server) on 127.0.0.1, for tests and `make demo-s3`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

from lakehouse.errors import StorageError

ACCESS_KEY = "lakehouse-test"
SECRET_KEY = "lakehouse-test-secret"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalS3Server:
    """A running moto_server process; stop it with `stop()` or use it as a context manager."""

    process: subprocess.Popen
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> LocalS3Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


PORT_ATTEMPTS = 3
"""Free ports tried before giving up (see `start_local_s3`)."""


def start_local_s3(
    port: int | None = None, timeout: float = 30.0, env: dict | None = None
) -> LocalS3Server:
    """Start moto_server bound to 127.0.0.1 and wait until it answers. Without `port` a free
    one is picked, and another one if the server cannot keep it: a port found free can be
    taken by another process before the server binds it (parallel test workers do that)."""
    if port is not None:
        return _start(port, timeout, env)
    for _ in range(PORT_ATTEMPTS - 1):
        try:
            return _start(free_port(), timeout, env)
        except StorageError:
            continue
    return _start(free_port(), timeout, env)


def _start(port: int, timeout: float, env: dict | None) -> LocalS3Server:
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StorageError(f"moto_server exited with code {process.returncode} on port {port}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1):
                pass
        except OSError:
            time.sleep(0.1)
            continue
        # the answer may have come from another server holding the port, while this one
        # failed to bind it and is exiting
        time.sleep(0.2)
        if process.poll() is not None:
            raise StorageError(
                f"moto_server exited with code {process.returncode} on port {port}, which "
                "another process holds"
            )
        return LocalS3Server(process, port)
    process.kill()
    raise StorageError(f"moto_server did not answer on 127.0.0.1:{port} within {timeout:.0f} s")
