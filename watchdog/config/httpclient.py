"""Settings of any outgoing HTTP(S) client: URL, TLS, and one kind of authentication.

Probe targets and Alertmanager replicas share this model, so credentials are validated, turned
into headers and kept secret in exactly one place.
"""

from __future__ import annotations

import base64
import ssl
from functools import lru_cache

from pydantic import Field, model_validator

from watchdog.config.tls import TLSConfig, client_ssl_context
from watchdog.config.types import HttpUrl, Model, Secret, SecretFile, pick_secret

__all__ = ["BasicAuth", "HttpClientConfig", "cached_ssl_context", "ssl_context_for"]


@lru_cache(maxsize=256)
def cached_ssl_context(tls: TLSConfig | None) -> ssl.SSLContext:
    """One SSL context per distinct TLS config (loading CA bundles is not cheap)."""
    return client_ssl_context(tls)


def ssl_context_for(url: str, tls: TLSConfig | None) -> ssl.SSLContext | None:
    """The SSL context for ``url``: None for plain http."""
    return cached_ssl_context(tls) if url.startswith("https") else None


class BasicAuth(Model):
    """HTTP basic authentication."""

    username: str = Field(min_length=1)
    password: Secret | None = None
    password_file: SecretFile | None = None

    @model_validator(mode="after")
    def _one_password(self) -> BasicAuth:
        pick_secret(self.password, self.password_file, "password", required=True)
        return self

    def secret(self) -> str:
        """The password, from whichever source was given."""
        chosen = self.password or self.password_file
        assert chosen is not None
        return chosen.get_secret_value()

    def header(self) -> str:
        """The ``Authorization`` header value (RFC 7617)."""
        pair = f"{self.username}:{self.secret()}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


class HttpClientConfig(Model):
    """An HTTP(S) URL with its TLS settings, credentials and extra headers."""

    url: HttpUrl
    tls: TLSConfig | None = None
    basic_auth: BasicAuth | None = None
    bearer_token: Secret | None = None
    bearer_token_file: SecretFile | None = None
    headers: dict[str, Secret] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_auth(self) -> HttpClientConfig:
        token = pick_secret(
            self.bearer_token, self.bearer_token_file, "bearer_token", required=False
        )
        if token is not None and self.basic_auth is not None:
            raise ValueError("set either basic_auth or bearer_token, not both")
        return self

    def bearer(self) -> str | None:
        """The bearer token, if any."""
        chosen = self.bearer_token or self.bearer_token_file
        return chosen.get_secret_value() if chosen is not None else None

    def request_headers(self) -> dict[str, str]:
        """Configured headers plus the ``Authorization`` header, if any."""
        headers = {name: value.get_secret_value() for name, value in self.headers.items()}
        token = self.bearer()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif self.basic_auth is not None:
            headers["Authorization"] = self.basic_auth.header()
        return headers

    def ssl_context_for(self, url: str) -> ssl.SSLContext | None:
        """The SSL context for an https URL (None for plain http)."""
        return ssl_context_for(url, self.tls)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The SSL context for this URL."""
        return self.ssl_context_for(self.url)

    @property
    def server_hostname(self) -> str | None:
        """``tls.server_name``: the name for SNI and certificate checks, if overridden."""
        return self.tls.server_name if self.tls is not None else None

    def url_for(self, path: str) -> str:
        """The base URL joined with an API path."""
        return self.url.rstrip("/") + "/" + path.lstrip("/")
