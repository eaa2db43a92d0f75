"""A TCP listener on loopback that accepts connections in a daemon thread (no pytest needed).

Subclasses decide what happens to each connection in ``handle``: hold it silent, send garbage,
complete a TLS handshake.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType

__all__ = ["ThreadedTcpServer"]


class ThreadedTcpServer:
    """Accepts connections in a thread; ``handle`` decides what happens to each."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._stopped = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True, name=type(self).__name__)
        self._thread.start()

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        """Deal with one accepted connection."""
        raise NotImplementedError

    def stop(self) -> None:
        """Close the listener and every held connection."""
        self._stopped.set()
        self._thread.join(timeout=5)
        self._sock.close()
        for conn in self._held:
            conn.close()

    def __enter__(self) -> ThreadedTcpServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
