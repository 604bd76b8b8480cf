"""A Space that accepts connections and never answers: the TCP handshake completes, the
request is read, and no byte ever comes back (an overloaded or wedged Space looks like
this). Nothing that talks to it may wait longer than its own deadline."""

from __future__ import annotations

import contextlib
import socket
import threading


class SilentSpace:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="silent-space", daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        """Connections accepted so far."""
        with self._lock:
            return len(self._held)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed
                return
            with self._lock:
                if self._closed:
                    connection.close()
                    return
                self._held.append(connection)  # held open, never read or answered

    def close(self) -> None:
        with self._lock:
            self._closed = True
            held, self._held = self._held, []
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below
        self._listener.close()
        for connection in held:
            connection.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SilentSpace:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
