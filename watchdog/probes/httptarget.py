"""Settings every HTTP-speaking target shares: URL, TLS, authentication, extra headers."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import aiohttp
from pydantic import Field, model_validator

from watchdog.config.alerting import BasicAuth
from watchdog.config.targets import TargetBase, instance_from_url
from watchdog.config.tls import TLSConfig, client_ssl_context
from watchdog.config.types import HttpUrl, Model, Secret, SecretFile, pick_secret
from watchdog.probes.httpclient import HttpResponse, fetch

__all__ = ["HttpEndpoint", "HttpTarget", "cached_ssl_context"]


@lru_cache(maxsize=256)
def cached_ssl_context(tls: TLSConfig | None) -> ssl.SSLContext:
    """One SSL context per distinct TLS config (loading CA bundles is not cheap)."""
    return client_ssl_context(tls)


class HttpEndpoint(Model):
    """An HTTP(S) URL with its TLS settings and credentials (targets and probe sub-endpoints)."""

    url: HttpUrl
    tls: TLSConfig | None = None
    basic_auth: BasicAuth | None = None
    bearer_token: Secret | None = None
    bearer_token_file: SecretFile | None = None
    headers: dict[str, Secret] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_auth(self) -> HttpEndpoint:
        token = pick_secret(
            self.bearer_token, self.bearer_token_file, "bearer_token", required=False
        )
        if token is not None and self.basic_auth is not None:
            raise ValueError("set either basic_auth or bearer_token, not both")
        return self

    def request_headers(self) -> dict[str, str]:
        """Configured headers plus the bearer token, if any."""
        headers = {name: value.get_secret_value() for name, value in self.headers.items()}
        token = self.bearer_token or self.bearer_token_file
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        return headers

    def auth(self) -> aiohttp.BasicAuth | None:
        """Basic auth credentials, if configured."""
        if self.basic_auth is None:
            return None
        return aiohttp.BasicAuth(self.basic_auth.username, self.basic_auth.secret())

    def ssl_context(self) -> ssl.SSLContext | None:
        """The SSL context for https URLs (None for plain http)."""
        return cached_ssl_context(self.tls) if self.url.startswith("https") else None

    def url_for(self, path: str) -> str:
        """The target's base URL joined with an API path."""
        return self.url.rstrip("/") + "/" + path.lstrip("/")

    async def request(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        limit: int,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        json_body: Any = None,
    ) -> HttpResponse:
        """``fetch`` with this endpoint's credentials and TLS (configured headers win)."""
        return await fetch(
            session,
            url,
            limit=limit,
            method=method,
            headers={**(headers or {}), **self.request_headers()},
            ssl_context=self.ssl_context(),
            data=data,
            json_body=json_body,
            auth=self.auth(),
        )


class HttpTarget(TargetBase, HttpEndpoint):
    """A target reached over HTTP(S)."""

    def default_instance(self) -> str:
        """``host:port`` of the URL."""
        return instance_from_url(self.url)
