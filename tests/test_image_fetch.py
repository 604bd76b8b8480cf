"""Downloading an upstream's image over the fetcher's pooled connections."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator

import pytest
from PIL import Image

from providers.images import ImageFetcher


def webp_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, format="WEBP")
    return out.getvalue()


class ClosingServer:
    """An HTTP server on loopback that answers the first request of each connection and
    keeps it open, then closes it without an answer when a second request comes on it:
    what a server does whose idle timeout ends a kept-alive connection as it is reused."""

    def __init__(self, body: bytes):
        self.body = body
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self.answered = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections += 1
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            self._read_request(connection)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: image/webp\r\n"
                f"Content-Length: {len(self.body)}\r\nConnection: keep-alive\r\n\r\n"
            )
            connection.sendall(head.encode() + self.body)
            self.answered += 1
            self._read_request(connection)  # the reuse: closed unanswered

    @staticmethod
    def _read_request(connection: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(4096)
            if not chunk:
                return
            data += chunk

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server() -> Iterator[ClosingServer]:
    running = ClosingServer(webp_bytes())
    yield running
    running.close()


def test_a_kept_alive_connection_closed_on_reuse_is_retried_on_a_new_one(server, tmp_path):
    fetcher = ImageFetcher(tmp_path)
    try:
        first, second = (
            fetcher.fetch(
                f"{server.url}/file={n}.webp",
                allowed_origin=server.url,
                headers={},
                full_check=True,
            )
            for n in (1, 2)
        )
    finally:
        fetcher.close()
    assert (first.width, first.height) == (second.width, second.height) == (64, 48)
    assert server.connections == 2 and server.answered == 2  # the second on a new connection
