"""The web config file (``--web.config.file``, ``server.web_config_file``) in the
exporter-toolkit format shared by Prometheus and its exporters.

Everything the format defines is either honoured or refused with the reason; nothing is
silently ignored. Refused: ``client_auth_type`` ``RequestClientCert`` and
``RequireAnyClientCert`` (they accept certificates nobody verified, which Python's ``ssl``
cannot do and exporter-toolkit itself calls insecure), ``curve_preferences`` (Python's
``ssl`` sets one curve, not a preference list) and ``rate_limit`` (one global bucket lets a
single client lock out the scraping Prometheus; ``server.max_connections`` and the
connection guard bound clients instead). ``http2`` is accepted and has no effect: the
server speaks HTTP/1.1, which every client negotiates.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from watchdog.config.types import ConfigPath, Model, Secret
from watchdog.webconfig.ciphers import openssl_cipher

__all__ = [
    "CLIENT_AUTH_TYPES",
    "HttpServerConfig",
    "TlsServerConfig",
    "TlsVersion",
    "WebConfig",
]

TlsVersion = Literal["TLS10", "TLS11", "TLS12", "TLS13"]
CLIENT_AUTH_TYPES = (
    "NoClientCert",
    "RequestClientCert",
    "RequireAnyClientCert",
    "VerifyClientCertIfGiven",
    "RequireAndVerifyClientCert",
)
_UNVERIFIED = ("RequestClientCert", "RequireAnyClientCert")
_BCRYPT = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "X-XSS-Protection",
    "Strict-Transport-Security",
)


def _bcrypt_hash(value: SecretStr) -> SecretStr:
    match = _BCRYPT.match(value.get_secret_value())
    if match is None:
        raise ValueError(
            "not a bcrypt hash ($2y$10$ and 53 characters); make one with:"
            " htpasswd -nBC 10 \"\" | tr -d ':\\n'"
        )
    if not 4 <= int(match.group(1)) <= 31:
        raise ValueError("the bcrypt cost must be 4 to 31")
    return value


BcryptHash = Annotated[Secret, AfterValidator(_bcrypt_hash)]
"""A user's password hash (a secret: never shown)."""


class TlsServerConfig(Model):
    """``tls_server_config``: the server's certificate and what it asks of clients."""

    cert_file: ConfigPath | None = None
    key_file: ConfigPath | None = None
    cert: str | None = None
    key: Secret | None = None
    client_ca_file: ConfigPath | None = None
    client_ca: str | None = None
    client_auth_type: str = "NoClientCert"
    client_allowed_sans: list[str] = Field(default_factory=list)
    min_version: TlsVersion = "TLS12"
    max_version: TlsVersion = "TLS13"
    cipher_suites: list[str] = Field(default_factory=list)
    prefer_server_cipher_suites: bool = True
    curve_preferences: list[str] = Field(default_factory=list)

    @field_validator("client_auth_type")
    @classmethod
    def _auth_type(cls, value: str) -> str:
        if value not in CLIENT_AUTH_TYPES:
            raise ValueError(
                f"unknown client_auth_type {value!r}; one of: {', '.join(CLIENT_AUTH_TYPES)}"
            )
        if value in _UNVERIFIED:
            raise ValueError(
                f"{value} accepts client certificates nobody verified (Python's ssl cannot,"
                " and exporter-toolkit calls it insecure): use RequireAndVerifyClientCert"
            )
        return value

    @field_validator("cipher_suites")
    @classmethod
    def _ciphers(cls, value: list[str]) -> list[str]:
        for name in value:
            openssl_cipher(name)  # raises with the reason
        return value

    @field_validator("curve_preferences")
    @classmethod
    def _curves(cls, value: list[str]) -> list[str]:
        if value:
            raise ValueError(
                "not supported: Python's ssl module cannot set a curve preference list;"
                " remove it (OpenSSL's defaults prefer X25519, then P-256)"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> TlsServerConfig:
        for inline, path in (
            ("cert", "cert_file"),
            ("key", "key_file"),
            ("client_ca", "client_ca_file"),
        ):
            if getattr(self, inline) is not None and getattr(self, path) is not None:
                raise ValueError(f"set {inline} or {path}, not both")
        if self.cert is None and self.cert_file is None:
            raise ValueError("missing cert_file (or cert)")
        if self.key is None and self.key_file is None:
            raise ValueError("missing key_file (or key)")
        for name in ("cert_file", "key_file", "client_ca_file"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name} {path} does not exist")
        has_ca = self.client_ca is not None or self.client_ca_file is not None
        verifying = self.client_auth_type != "NoClientCert"
        if has_ca and not verifying:
            raise ValueError(
                "client_ca_file is set but client_auth_type is NoClientCert: clients would"
                " not be asked for a certificate; set client_auth_type: RequireAndVerifyClientCert"
            )
        if verifying and not has_ca:
            raise ValueError(f"client_auth_type {self.client_auth_type} needs client_ca_file")
        if self.client_allowed_sans and self.client_auth_type != "RequireAndVerifyClientCert":
            raise ValueError(
                "client_allowed_sans needs client_auth_type RequireAndVerifyClientCert"
                " (otherwise a client without a certificate has no SAN to check)"
            )
        if self.min_version > self.max_version:
            raise ValueError(
                f"min_version {self.min_version} is above max_version {self.max_version}"
            )
        return self


class HttpServerConfig(Model):
    """``http_server_config``: response headers (``http2`` is accepted, without effect)."""

    http2: bool = True
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name not in _HEADERS:
                raise ValueError(
                    f"header {name!r} is not one the format allows: {', '.join(_HEADERS)}"
                )
            if name == "X-Frame-Options" and text.lower() not in ("deny", "sameorigin"):
                raise ValueError("X-Frame-Options must be deny or sameorigin")
            if name == "X-Content-Type-Options" and text.lower() != "nosniff":
                raise ValueError("X-Content-Type-Options must be nosniff")
            if "\n" in text or "\r" in text:
                raise ValueError(f"header {name} has a line break")
        return value


class WebConfig(Model):
    """The whole web config file."""

    tls_server_config: TlsServerConfig | None = None
    http_server_config: HttpServerConfig = Field(default_factory=HttpServerConfig)
    basic_auth_users: dict[str, BcryptHash] = Field(default_factory=dict)
    rate_limit: dict[str, object] | None = None

    @field_validator("basic_auth_users")
    @classmethod
    def _users(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for user in value:
            if not user or ":" in user:
                raise ValueError(f"user name {user!r} cannot be used with basic auth (empty, ':')")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: dict[str, object] | None) -> dict[str, object] | None:
        if value is not None:
            raise ValueError(
                "not supported: one global bucket lets a single client lock out the scraping"
                " Prometheus; server.max_connections and the connection guard bound clients"
            )
        return value
