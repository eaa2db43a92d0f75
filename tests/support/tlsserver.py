"""A real TLS listener on loopback (Python ``ssl``) that completes handshakes and hangs up.

It runs in a daemon thread, serves one connection at a time, and stops when ``stop`` is
called. Nothing here depends on pytest.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from pathlib import Path

from tests.support.tcpserver import ThreadedTcpServer

__all__ = ["TlsServer"]


class TlsServer(ThreadedTcpServer):
    """Serve the certificate chain in ``cert_file`` (leaf first) with ``key_file``."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(str(cert_file), str(key_file))
        self.handshakes = 0
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        """Complete the handshake, then close."""
        conn.settimeout(5)
        with (
            contextlib.suppress(OSError),
            conn,
            self._context.wrap_socket(conn, server_side=True) as tls,
        ):
            self.handshakes += 1
            tls.unwrap()
