"""A real TLS listener on loopback (Python ``ssl``) that completes handshakes and hangs up.

It runs in a daemon thread, serves one connection at a time, and stops when ``stop`` is
called. Nothing here depends on pytest.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path
from types import TracebackType

__all__ = ["TlsServer"]


class TlsServer:
    """Serve the certificate chain in ``cert_file`` (leaf first) with ``key_file``."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(cert_file), str(key_file))
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self.handshakes = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="tls-server")
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
            conn.settimeout(5)
            with (
                contextlib.suppress(OSError),
                conn,
                self._context.wrap_socket(conn, server_side=True) as tls,
            ):
                self.handshakes += 1
                tls.unwrap()

    def stop(self) -> None:
        """Stop accepting and close the listener."""
        self._stopped.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> TlsServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
