"""TLS client settings shared by targets and receivers."""

from __future__ import annotations

import ssl

from pydantic import model_validator

from watchdog.config.types import ConfigPath, Model

__all__ = ["TLSConfig", "client_ssl_context"]


class TLSConfig(Model):
    """How to verify a server and, optionally, present a client certificate."""

    ca_file: ConfigPath | None = None
    cert_file: ConfigPath | None = None
    key_file: ConfigPath | None = None
    server_name: str | None = None
    insecure_skip_verify: bool = False

    @model_validator(mode="after")
    def _check(self) -> TLSConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file must be set together")
        for name in ("ca_file", "cert_file", "key_file"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name} {path} does not exist")
        return self


def client_ssl_context(tls: TLSConfig | None) -> ssl.SSLContext:
    """An SSL context for outgoing connections (system trust store when no CA is set)."""
    if tls is None:
        return ssl.create_default_context()
    context = ssl.create_default_context(cafile=str(tls.ca_file) if tls.ca_file else None)
    if tls.cert_file is not None and tls.key_file is not None:
        context.load_cert_chain(str(tls.cert_file), str(tls.key_file))
    if tls.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
