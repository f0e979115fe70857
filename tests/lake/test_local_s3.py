"""The throwaway S3 server the tests and `make demo-s3` start (lakehouse.lake.local_s3)."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from lakehouse.errors import StorageError
from lakehouse.lake import local_s3


@pytest.fixture
def taken_port():
    """A port another process's server holds (a listening socket that answers nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_picked_port_another_process_takes_first_is_replaced(taken_port, monkeypatch):
    """Between picking a free port and binding it, another worker may take it: the server
    is started again on another port instead of failing (or answering for the other one)."""
    ports = iter([taken_port])
    real = local_s3.free_port
    monkeypatch.setattr(local_s3, "free_port", lambda: next(ports, None) or real())
    with local_s3.start_local_s3() as server:
        assert server.port != taken_port
        with urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=5) as answer:
            assert answer.status == 200


def test_a_port_asked_for_and_taken_is_an_error_naming_it(taken_port):
    with pytest.raises(StorageError, match=f"on port {taken_port}"):
        local_s3.start_local_s3(taken_port, timeout=10)
