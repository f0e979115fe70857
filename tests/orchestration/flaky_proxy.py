"""A TCP proxy on 127.0.0.1 in front of the test S3 server that can be taken down: during an
outage it drops every open connection and refuses new ones, as a restarting server does."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class FlakyProxy:
    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self._open: set[socket.socket] = set()
        self._guard = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._guard:
                self._open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._drop(s)

    def _drop(self, sock: socket.socket) -> None:
        with self._guard:
            self._open.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def outage(self, seconds: float) -> None:
        """Go down now, for `seconds` (in the background)."""
        self.down.set()
        with self._guard:
            victims = list(self._open)
        for sock in victims:
            self._drop(sock)

        def restore() -> None:
            time.sleep(seconds)
            self.down.clear()

        threading.Thread(target=restore, daemon=True).start()

    def close(self) -> None:
        self.listener.close()
