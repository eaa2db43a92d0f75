"""Probe-side HTTP endpoints: the shared client settings plus a size-capped request helper."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from watchdog.config.httpclient import HttpClientConfig, cached_ssl_context
from watchdog.config.targets import TargetBase, instance_from_url
from watchdog.probes.httpclient import HttpResponse, fetch

if TYPE_CHECKING:
    import aiohttp

__all__ = ["HttpEndpoint", "HttpTarget", "cached_ssl_context"]


class HttpEndpoint(HttpClientConfig):
    """An HTTP(S) endpoint a probe talks to (a target, or a backend of one)."""

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
            ssl_context=self.ssl_context_for(url),
            server_hostname=self.server_hostname,
            data=data,
            json_body=json_body,
        )


class HttpTarget(TargetBase, HttpEndpoint):
    """A target reached over HTTP(S)."""

    def default_instance(self) -> str:
        """``host:port`` of the URL."""
        return instance_from_url(self.url)
