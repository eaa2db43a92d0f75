"""Certificates and web config files for the web config tests: a CA, the daemon's server
certificate, a valid and an expired client certificate, bcrypt hashes."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from devstack.pki import Issued, issue, make_ca

PASSWORD = "correct horse battery staple"
USER = "prometheus"


def bcrypt_hash(password: str, rounds: int = 4) -> str:
    """A bcrypt hash (cost 4 keeps tests fast; the format allows 4 to 31)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def _write(directory: Path, name: str, issued: Issued) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}-key.pem"
    cert.write_bytes(issued.cert_pem())
    key.write_bytes(issued.key_pem())
    key.chmod(0o600)
    return cert, key


@dataclass(frozen=True)
class WebPki:
    """Files of one test PKI."""

    ca: Path
    server: tuple[Path, Path]
    client: tuple[Path, Path]
    expired_client: tuple[Path, Path]
    other_san_client: tuple[Path, Path]

    def client_context(self, client: tuple[Path, Path] | None = None) -> ssl.SSLContext:
        """A client trusting the CA, presenting ``client`` if given."""
        context = ssl.create_default_context(cafile=str(self.ca))
        if client is not None:
            context.load_cert_chain(*map(str, client))
        return context


def make_web_pki(directory: Path) -> WebPki:
    """A CA, a server certificate for 127.0.0.1, and client certificates."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca = make_ca("web config test CA", now=now)
    (directory / "ca.pem").write_bytes(ca.cert_pem())
    hour = timedelta(hours=1)
    return WebPki(
        ca=directory / "ca.pem",
        server=_write(
            directory,
            "server",
            issue(ca, ["127.0.0.1"], not_before=now - hour, not_after=now + hour),
        ),
        client=_write(
            directory,
            "client",
            issue(
                ca, ["prometheus.example"], not_before=now - hour, not_after=now + hour, client=True
            ),
        ),
        expired_client=_write(
            directory,
            "expired",
            issue(
                ca,
                ["prometheus.example"],
                not_before=now - 48 * hour,
                not_after=now - 24 * hour,
                client=True,
            ),
        ),
        other_san_client=_write(
            directory,
            "other",
            issue(
                ca, ["intruder.example"], not_before=now - hour, not_after=now + hour, client=True
            ),
        ),
    )


def write_web_config(path: Path, pki: WebPki, **tls_extra: Any) -> Path:
    """A web config: TLS with required client certificates, and one basic-auth user."""
    config = {
        "tls_server_config": {
            "cert_file": str(pki.server[0]),
            "key_file": str(pki.server[1]),
            "client_auth_type": "RequireAndVerifyClientCert",
            "client_ca_file": str(pki.ca),
            **tls_extra,
        },
        "basic_auth_users": {USER: bcrypt_hash(PASSWORD)},
    }
    path.write_text(yaml.safe_dump(config))
    return path
