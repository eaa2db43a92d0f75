"""An ``ssl.SSLContext`` for the server from ``tls_server_config``, and the SAN check."""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from watchdog.webconfig.ciphers import openssl_cipher
from watchdog.webconfig.model import TlsServerConfig

__all__ = ["allowed_san", "server_context"]

_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


@contextlib.contextmanager
def _as_file(path: Path | None, inline: str | None) -> Iterator[str]:
    """A path to the PEM: the file itself, or the inline text in a private temporary file."""
    if path is not None:
        yield str(path)
        return
    assert inline is not None, "the model requires one of the two"
    with tempfile.TemporaryDirectory(prefix="wd-tls-") as directory:
        target = Path(directory) / "pem"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(inline)
        yield str(target)


def server_context(tls: TlsServerConfig) -> ssl.SSLContext:
    """The context every new connection is handshaken with; ``ssl.SSLError``/``OSError`` when
    a certificate, key or CA cannot be used."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _VERSIONS[tls.min_version]
    context.maximum_version = _VERSIONS[tls.max_version]
    key_text = tls.key.get_secret_value() if tls.key is not None else None
    with _as_file(tls.cert_file, tls.cert) as cert, _as_file(tls.key_file, key_text) as key:
        context.load_cert_chain(cert, key)
    if tls.client_auth_type != "NoClientCert":
        if tls.client_ca_file is not None:
            context.load_verify_locations(cafile=str(tls.client_ca_file))
        else:
            context.load_verify_locations(cadata=tls.client_ca)
        context.verify_mode = (
            ssl.CERT_REQUIRED
            if tls.client_auth_type == "RequireAndVerifyClientCert"
            else ssl.CERT_OPTIONAL
        )
    suites = [name for name in map(openssl_cipher, tls.cipher_suites) if name is not None]
    if suites:
        context.set_ciphers(":".join(suites))
    if tls.prefer_server_cipher_suites:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    context.options |= ssl.OP_NO_RENEGOTIATION
    return context


def allowed_san(peercert: dict[str, Any] | None, allowed: frozenset[str]) -> bool:
    """Does the verified client certificate name one of ``allowed`` (DNS, IP, e-mail, URI)?"""
    if not allowed:
        return True
    if not peercert:
        return False
    names = peercert.get("subjectAltName", ())
    return any(
        kind in ("DNS", "IP Address", "email", "URI") and value in allowed for kind, value in names
    )
